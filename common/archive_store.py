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

import hashlib
import json
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import bagit

from common.archive_bag import (
    BROKEN_PREFIX,
    TEMP_PREFIX,
    UnsafeBagName,
    bag_files,
    bag_name,
    iter_zip_bag,
    read_archive_info,
    resolve_bag,
    validate_bag,
)
from common.models import ArchiveInfo
from common.settings import Settings


class ArchiveChanged(RuntimeError):
    """A file of a finished archive no longer has the sha256 its bag recorded for it."""


class ArchiveStore(ABC):
    #: Where the worker builds a bag before publishing it (on this machine).
    scratch_dir: Path

    @abstractmethod
    def existing(self, name: str) -> tuple[ArchiveInfo | None, str | None]:
        """The valid, complete bag ``name`` if there is one; else None, with a note saying
        what was found instead and put out of the way (a damaged or half-written bag)."""

    @abstractmethod
    def publish(self, folder: Path, name: str) -> ArchiveInfo:
        """Make the validated bag in ``folder`` (inside scratch_dir) the archive ``name``."""

    @abstractmethod
    def complete(self, name: str) -> bool:
        """True when the archive ``name`` is there, whole (its marker written)."""

    @abstractmethod
    def names(self) -> list[str]:
        """Every finished archive's name, sorted (never one being written or set aside)."""

    @abstractmethod
    def names_of(self, workflow_id: str) -> list[str]:
        """The finished archives of the process ``workflow_id`` (one per run archived),
        oldest first. Found by their names' start, ``<workflow id>--``: never by listing
        every archive, which on S3 is one request per thousand objects."""

    @abstractmethod
    def read(self, name: str, path: str) -> bytes:
        """One file of the finished archive ``name`` (``path`` as in the bag, for example
        ``data/status.json``), read where it is kept, without the rest of the bag; checked
        against the sha256 the bag recorded for it (ArchiveChanged when it differs).
        FileNotFoundError when the archive is not there whole, or has no such file."""

    @abstractmethod
    @contextmanager
    def local_copy(self, name: str) -> Iterator[Path]:
        """The bag as a folder on this machine (FileNotFoundError when absent/incomplete)."""

    @abstractmethod
    def iter_zip(self, name: str) -> Iterator[bytes]:
        """The bag as a zip, piece by piece, read from where it is kept."""


def open_archive_store(settings: Settings) -> ArchiveStore:
    if settings.document_store == "s3":
        from common.archive_s3 import S3ArchiveStore  # obstore only where S3 is used

        return S3ArchiveStore(settings)
    return LocalArchiveStore(settings.archive_dir)


def check_archive(store: ArchiveStore, name: str) -> tuple[bool, str | None, list[tuple[str, int]]]:
    """(valid, problem, [(path in the bag, size)]): every file re-hashed, now."""
    with store.local_copy(name) as path:
        valid, problem = validate_bag(path)
        files = [(f.relative_to(path).as_posix(), f.stat().st_size) for f in bag_files(path)]
    return valid, problem, files


def runs_prefix(workflow_id: str) -> str | None:
    """``<workflow id>--``, how the names of a process's bags begin (see bag_name); None for
    an id that cannot name a bag."""
    try:
        return bag_name(workflow_id, "run").removesuffix("run")
    except UnsafeBagName:
        return None


def of_process(prefix: str, name: str) -> bool:
    """Whether the bag ``name`` is a run of the process whose names begin with ``prefix``:
    the rest must be a run id, never another process's ``<id>--<run>`` ("iku-1--x--<run>"
    is not a run of "iku-1"; run ids are UUIDs, without "--")."""
    rest = name.removeprefix(prefix)
    return name.startswith(prefix) and rest[:1].isalnum() and "--" not in rest and "/" not in rest


def check_sha256(data: bytes, expected: str, name: str, path: str) -> bytes:
    if hashlib.sha256(data).hexdigest() != expected.lower():
        raise ArchiveChanged(f"{path} in archive {name} has changed")
    return data


def iter_zip_archive(store: ArchiveStore, name: str) -> Iterator[bytes]:
    """The zip of the archive ``name`` (see archive_bag.iter_zip_bag), from the store."""
    return store.iter_zip(name)


# --- the local folder ----------------------------------------------------------------------


class LocalArchiveStore(ArchiveStore):
    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        # Built next to its final place, so that publishing is one rename.
        self.scratch_dir = self.root

    def existing(self, name: str) -> tuple[ArchiveInfo | None, str | None]:
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / name
        if not os.path.lexists(final):
            return None, None
        ok, problem = validate_bag(final)
        if ok:
            return read_archive_info(final, True), None
        aside = _set_aside(final)
        return None, f"did not validate and was moved to {aside.name}: {problem}"

    def publish(self, folder: Path, name: str) -> ArchiveInfo:
        final = self.root / name
        _sync_tree(folder)
        try:
            os.rename(folder, final)
        except OSError:
            # Another attempt of this same activity (one that timed out but kept running)
            # renamed its bag first. If that bag is whole, it is the answer.
            ok, _ = validate_bag(final)
            if not ok:
                raise
        else:
            _sync_dir(self.root)
        return read_archive_info(final, True)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir()
            and not p.name.startswith((TEMP_PREFIX, BROKEN_PREFIX))
            and (p / "bag-info.txt").exists()
        )

    def complete(self, name: str) -> bool:
        try:
            resolve_bag(self.root, name)
        except (ValueError, FileNotFoundError):
            return False
        return True

    def names_of(self, workflow_id: str) -> list[str]:
        prefix = runs_prefix(workflow_id)
        if prefix is None or not self.root.is_dir():
            return []
        found = [
            p
            for p in self.root.glob(f"{prefix}*")  # the id holds no glob character
            if of_process(prefix, p.name)
            and p.is_dir()
            and not p.is_symlink()
            and (p / "bag-info.txt").exists()
        ]
        if len(found) > 1:
            found.sort(key=lambda p: read_archive_info(p, True).created_at)
        return [p.name for p in found]

    def read(self, name: str, path: str) -> bytes:
        bag = resolve_bag(self.root, name)
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts:
            raise FileNotFoundError(f"{path} is not a file of archive {name}")
        try:
            expected = bagit.Bag(str(bag)).entries.get(rel.as_posix(), {}).get("sha256")
        except bagit.BagError as err:
            raise ArchiveChanged(f"archive {name} cannot be read as a bag: {err}") from None
        file = bag / rel
        if expected is None or file.is_symlink():
            raise FileNotFoundError(f"{path} is not a file of archive {name}")
        return check_sha256(file.read_bytes(), expected, name, path)

    @contextmanager
    def local_copy(self, name: str) -> Iterator[Path]:
        yield resolve_bag(self.root, name)

    def iter_zip(self, name: str) -> Iterator[bytes]:
        return iter_zip_bag(resolve_bag(self.root, name))


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder, so a crash after the rename cannot leave a final
    folder of empty files behind."""
    for dirpath, _, files in os.walk(folder, topdown=False):
        for file in files:
            fd = os.open(os.path.join(dirpath, file), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_dir(Path(dirpath))


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _set_aside(final: Path) -> Path:
    """Move a damaged bag out of the way, keeping it for ops to look at."""
    n = 1
    while True:
        aside = final.with_name(f"{BROKEN_PREFIX}{final.name}-{n}")
        if not aside.exists() and not aside.is_symlink():
            os.rename(final, aside)
            return aside
        n += 1


# --- helpers for the S3 store ----------------------------------------------------------------


def marker_body(info: ArchiveInfo, files: dict[str, tuple[int, str]]) -> bytes:
    """The marker: what the workflow was told, and every file with its size and sha256."""
    return json.dumps(
        {
            "info": info.model_dump(mode="json"),
            "files": {rel: {"size": size, "sha256": sha} for rel, (size, sha) in files.items()},
        },
        indent=1,
    ).encode()


@contextmanager
def scratch_folder(parent: Path, prefix: str) -> Iterator[Path]:
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
