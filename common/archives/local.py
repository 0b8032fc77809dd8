"""Archive bags in a local folder: built beside their final place, published by one
rename, and a damaged one set aside for ops to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import bagit

from common.archives.bag import (
    BROKEN_PREFIX,
    TEMP_PREFIX,
    iter_zip_bag,
    read_archive_info,
    resolve_bag,
    validate_bag,
)
from common.archives.base import ArchiveChanged, ArchiveStore, check_sha256, of_process, runs_prefix
from common.models import ArchiveInfo


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
