"""What every archive store is (``ArchiveStore``), and what its readers and both of its
kinds share: finding a process's bags by name, and checking a file against its sha256."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.archives.bag import (
    UnsafeBagName,
    bag_files,
    bag_name,
    validate_bag,
)
from common.models import ArchiveInfo


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
    """The zip of the archive ``name`` (see bag.iter_zip_bag), from the store."""
    return store.iter_zip(name)
