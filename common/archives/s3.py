"""Archive bags in the S3 bucket: written once under ``archive/<bag name>/``, the marker
``.complete`` last (see common/archives/__init__.py for the rules readers and writers follow)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import obstore
from obstore.exceptions import AlreadyExistsError, BaseError

from common.archives.bag import (
    BROKEN_PREFIX,
    UnsafeBagName,
    bag_files,
    check_bag_name,
    iter_zip_files,
    read_archive_info,
    validate_bag,
)
from common.archives.base import (
    ArchiveStore,
    check_sha256,
    of_process,
    runs_prefix,
)
from common.documents.base import sha256_of, verified_chunks
from common.models import ArchiveInfo
from common.s3 import PART_BYTES, calling, key_prefix, s3_store, unavailable
from common.settings import Settings

MARKER = ".complete"


class ArchiveConflict(RuntimeError):
    """Another attempt is writing the same bag right now; a retry sorts it out."""


class S3ArchiveStore(ArchiveStore):
    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket or ""
        self.client = s3_store(settings)
        self.root = key_prefix(settings, "archive")
        self.scratch_dir = (settings.data_dir / "tmp").absolute()
        # Markers of complete bags as a reader found them: a complete bag never changes, so
        # reading several of its files (the /v page takes four) fetches its marker once.
        self._complete: dict[str, dict] = {}

    def _prefix(self, name: str) -> str:
        return f"{self.root}{check_bag_name(name)}/"

    def location(self, name: str) -> str:
        return f"s3://{self.bucket}/{self._prefix(name)}"

    def _marker(self, name: str) -> dict | None:
        try:
            result = calling(self.bucket, obstore.get, self.client, self._prefix(name) + MARKER)
        except FileNotFoundError:
            return None
        try:
            return json.loads(bytes(result.bytes()))
        except BaseError as err:
            raise unavailable(err, self.bucket) from None

    def _list(self, prefix: str) -> list[str]:
        stream = calling(self.bucket, obstore.list, self.client, prefix=prefix)
        try:
            return [meta["path"] for batch in stream for meta in batch]
        except BaseError as err:
            raise unavailable(err, self.bucket) from None

    def names(self) -> list[str]:
        listed = calling(self.bucket, obstore.list_with_delimiter, self.client, prefix=self.root)
        found = sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in listed["common_prefixes"])
        ours = []
        for name in found:
            try:
                check_bag_name(name)  # never a set-aside one, nor anything not ours
            except UnsafeBagName:
                continue
            if self.complete(name):  # finished once its marker is written
                ours.append(name)
        return ours

    def names_of(self, workflow_id: str) -> list[str]:
        prefix = runs_prefix(workflow_id)
        if prefix is None:
            return []
        start = self.root + prefix
        # S3 lists keys in ascending order (ListObjectsV2), from just after ``offset``: the
        # bags of this process come first, and the first key past them ends the listing.
        # One request, however many archives the bucket holds.
        stream = calling(
            self.bucket, obstore.list, self.client, prefix=self.root, offset=start, chunk_size=1000
        )
        runs: set[str] = set()
        try:
            for batch in stream:
                keys = [meta["path"] for meta in batch]
                runs.update(
                    key.removeprefix(self.root).split("/", 1)[0]
                    for key in keys
                    if key.startswith(start)
                )
                if any(not key.startswith(start) for key in keys):
                    break
        except BaseError as err:
            raise unavailable(err, self.bucket) from None
        found = []
        for name in runs:
            if not of_process(prefix, name):
                continue
            try:
                marker = self._marker(name)
            except UnsafeBagName:
                continue
            if marker is not None:  # finished once its marker is written
                self._complete[name] = marker
                created = ArchiveInfo.model_validate(marker["info"]).created_at
                found.append((created, name))
        return [name for _, name in sorted(found)]

    def read(self, name: str, path: str) -> bytes:
        marker = self._complete.get(name) or self._marker(name)
        if marker is not None:
            self._complete[name] = marker
        entry = marker["files"].get(path) if marker is not None else None
        if entry is None:
            raise FileNotFoundError(f"{path} is not a file of a complete archive {name}")
        result = calling(self.bucket, obstore.get, self.client, self._prefix(name) + path)
        try:
            data = bytes(result.bytes())
        except BaseError as err:
            raise unavailable(err, self.bucket) from None
        return check_sha256(data, entry["sha256"], name, path)

    def existing(self, name: str) -> tuple[ArchiveInfo | None, str | None]:
        marker = self._marker(name)
        if marker is None:
            keys = self._list(self._prefix(name))
            if not keys:
                return None, None
            # An attempt that died half-way: never complete, never read; start afresh.
            for key in keys:
                calling(self.bucket, obstore.delete, self.client, key)
            return None, f"an incomplete upload of {len(keys)} objects was cleared"
        with self.local_copy(name) as path:
            ok, problem = validate_bag(path)
        if ok:
            return ArchiveInfo.model_validate(marker["info"]), None
        aside = self._set_aside(name)
        return None, f"did not validate and was moved to {aside}: {problem}"

    def _set_aside(self, name: str) -> str:
        n = 1
        while self._list(f"{self.root}{BROKEN_PREFIX}{name}-{n}/"):
            n += 1
        aside = f"{self.root}{BROKEN_PREFIX}{name}-{n}/"
        here = self._prefix(name)
        # The marker goes first: from then on no reader takes the bag for whole.
        calling(self.bucket, obstore.copy, self.client, here + MARKER, aside + MARKER)
        calling(self.bucket, obstore.delete, self.client, here + MARKER)
        for key in self._list(here):
            calling(self.bucket, obstore.rename, self.client, key, aside + key.removeprefix(here))
        return aside

    def publish(self, folder: Path, name: str) -> ArchiveInfo:
        local = read_archive_info(folder, True)
        info = local.model_copy(update={"path": self.location(name), "bag_name": name})
        files: dict[str, tuple[int, str]] = {}
        for file in bag_files(folder):
            rel = file.relative_to(folder).as_posix()
            size, sha = file.stat().st_size, sha256_of(file)
            files[rel] = (size, sha)
            self._put_once(self._prefix(name) + rel, verified_chunks(file, sha, size))
        # Last: from now on the bag is whole for every reader.
        self._put_once(self._prefix(name) + MARKER, iter([marker_body(info, files)]))
        return info

    def _put_once(self, key: str, chunks: Iterator[bytes]) -> None:
        try:
            calling(
                self.bucket,
                obstore.put,
                self.client,
                key,
                chunks,
                mode="create",
                use_multipart=True,
                chunk_size=PART_BYTES,
                max_concurrency=4,
            )
        except AlreadyExistsError:
            raise ArchiveConflict(f"{key} was written by another attempt") from None

    def complete(self, name: str) -> bool:
        try:
            return self._marker(name) is not None
        except UnsafeBagName:
            return False

    def iter_zip(self, name: str) -> Iterator[bytes]:
        """Streamed from the bucket object by object, each re-hashed against the marker on
        the way: a changed object breaks the download rather than hand over other bytes."""
        marker = self._marker(name)  # before the first byte: a 404 or 503 can still be said
        if marker is None:
            raise FileNotFoundError(f"no complete archive called {name}")
        created = ArchiveInfo.model_validate(marker["info"]).created_at

        def chunks(rel: str, sha256: str) -> Callable[[], Iterator[bytes]]:
            def read() -> Iterator[bytes]:
                digest = hashlib.sha256()
                result = calling(self.bucket, obstore.get, self.client, self._prefix(name) + rel)
                try:
                    for chunk in result.stream(min_chunk_size=1024 * 1024):
                        digest.update(chunk)
                        yield bytes(chunk)
                except BaseError as err:
                    raise unavailable(err, self.bucket) from None
                if digest.hexdigest() != sha256:
                    raise RuntimeError(f"{rel} in archive {name} has changed in the bucket")

            return read

        return iter_zip_files(
            name,
            [
                (rel, created, chunks(rel, entry["sha256"]))
                for rel, entry in sorted(marker["files"].items())
            ],
        )

    @contextmanager
    def local_copy(self, name: str) -> Iterator[Path]:
        marker = self._marker(name)
        if marker is None:
            raise FileNotFoundError(f"no complete archive called {name}")
        with scratch_folder(self.scratch_dir, "archive-") as parent:
            root = parent / name
            for rel in marker["files"]:
                target = root / rel
                if ".." in Path(rel).parts or not target.resolve().is_relative_to(root):
                    raise ValueError(f"the marker of {name} names a file outside the bag")
                target.parent.mkdir(parents=True, exist_ok=True)
                result = calling(self.bucket, obstore.get, self.client, self._prefix(name) + rel)
                try:
                    with target.open("xb") as out:
                        for chunk in result.stream(min_chunk_size=1024 * 1024):
                            out.write(chunk)
                except BaseError as err:
                    raise unavailable(err, self.bucket) from None
            yield root


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
