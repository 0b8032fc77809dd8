"""The document store as a content-addressed folder on this machine (the local run).

A decision's files may be staged first, under ``staged/<sha256>/<random>``, where the
workflow's check and every reader find them, and moved into the store once the decision
was accepted (or removed when it was refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from common.documents.base import (
    CHUNK,
    DocumentChanged,
    DocumentStore,
    check_sha256,
    content_key,
    room_in,
    sha256_of,
)
from common.models import DocumentRef


class LocalDocumentStore(DocumentStore):
    """``<root>/sha256/<aa>/<sha256>``; spools in ``<root>/tmp`` so that placing one is a
    rename on the same file system: a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.scratch_dir = self.root / "tmp"

    def describe(self) -> str:
        return str(self.root)

    def path(self, sha256: str) -> Path:
        return self.root / content_key(sha256)

    def path_of(self, ref: DocumentRef) -> Path:
        return self.locate(ref.sha256)

    def locate(self, sha256: str) -> Path:
        """Where these bytes are: in the store, else staged by a decision in flight (the
        workflow checks a decision's files before the web layer commits them). The store's
        path when neither holds them, so a reader gets ``FileNotFoundError``."""
        final = self.path(sha256)
        if final.exists():
            return final
        try:
            staged = sorted(self._staged_dir(sha256).iterdir())
        except FileNotFoundError:
            return final
        return staged[0] if staged else final

    def _staged_dir(self, sha256: str) -> Path:
        return self.root / "staged" / check_sha256(sha256)

    def place(self, source: Path, sha256: str, size: int) -> None:
        _verify(source, sha256)
        self._into_place(source, sha256, size)

    def _into_place(self, source: Path, sha256: str, size: int) -> None:
        final = self.path(sha256)
        with room_in(self.root):
            final.parent.mkdir(parents=True, exist_ok=True)
            if _intact(final, sha256, size):
                source.unlink(missing_ok=True)
            elif source.exists():
                # Absent, or damaged on disk: these verified bytes take its place.
                os.replace(source, final)

    def stage(self, source: Path, sha256: str, size: int) -> Path:
        _verify(source, sha256)
        staged_dir = self._staged_dir(sha256)
        target = staged_dir / source.name
        for attempt in range(3):
            try:
                with room_in(self.root):
                    staged_dir.mkdir(parents=True, exist_ok=True)
                    os.replace(source, target)
                break
            except FileNotFoundError:
                # Another decision's discard removed the (empty) folder just now.
                if attempt == 2 or not source.exists():
                    raise
        return target

    def commit_staged(self, ref: DocumentRef, staged: Path | str) -> None:
        self._into_place(Path(staged), ref.sha256, ref.size)
        _tidy(Path(staged))

    def discard_staged(self, sha256: str, staged: Path | str) -> None:
        Path(staged).unlink(missing_ok=True)
        _tidy(Path(staged))

    def stored_size(self, sha256: str) -> int | None:
        try:
            return self.locate(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        handle = self.locate(sha256).open("rb")  # FileNotFoundError now, not on first chunk

        def chunks() -> Iterator[bytes]:
            with handle:
                yield from iter(lambda: handle.read(CHUNK), b"")

        return chunks()

    async def aiter_bytes(self, sha256: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self.locate(sha256).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"{self.root} is not writable")


def _verify(source: Path, sha256: str) -> None:
    """The bytes about to be placed are the ones hashed on arrival."""
    found = sha256_of(source)
    if found != sha256:
        raise DocumentChanged(sha256, found)


def _tidy(staged: Path) -> None:
    # Fails while another decision's copy of the same bytes is staged: it stays.
    with contextlib.suppress(OSError):
        staged.parent.rmdir()


def _intact(path: Path, sha256: str, size: int) -> bool:
    try:
        return path.stat().st_size == size and sha256_of(path) == sha256
    except FileNotFoundError:
        return False
