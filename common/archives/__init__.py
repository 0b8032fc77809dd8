"""Where finished archive bags are kept: a local folder, or the S3 bucket.

The worker builds a bag in a scratch folder on its own machine and validates it there
(activities/archive.py); ``publish`` then makes it the archive of its run, once:

- local: the scratch folder is renamed into ``archive_dir/<bag name>``;
- S3: every file is uploaded, put-if-absent, under ``archive/<bag name>/``, and then the
  marker ``archive/<bag name>/.complete`` is written last. A prefix without the marker is an
  attempt that died half-way: readers treat it as absent and the next attempt clears it.

Readers (the archive page, the zip) get the bag as a folder on their machine with
``local_copy``: the bag itself when local, a fresh download of exactly the files the marker
lists when on S3, which is then validated like any bag. A reader that needs a few small files
of one process's bag (the public verification page) finds the bag with ``names_of`` and takes
each file with ``read``, checked against the sha256 the bag recorded for it.
"""

from __future__ import annotations

from common.archives.base import (
    ArchiveChanged,
    ArchiveStore,
    check_archive,
    iter_zip_archive,
)
from common.archives.local import LocalArchiveStore
from common.settings import Settings

__all__ = [
    "ArchiveChanged",
    "ArchiveStore",
    "LocalArchiveStore",
    "check_archive",
    "iter_zip_archive",
    "open_archive_store",
]


def open_archive_store(settings: Settings) -> ArchiveStore:
    if settings.document_store == "s3":
        from common.archives.s3 import S3ArchiveStore  # obstore only where S3 is used

        return S3ArchiveStore(settings)
    return LocalArchiveStore(settings.archive_dir)
