"""The document store as a content-addressed folder on this machine (the local run)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from common.documents.base import (
    CHUNK,
    DocumentChanged,
    DocumentStore,
    content_key,
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
        return self.path(ref.sha256)

    def place(self, source: Path, sha256: str, size: int) -> None:
        final = self.path(sha256)
        found = sha256_of(source)
        if found != sha256:
            raise DocumentChanged(sha256, found)
        final.parent.mkdir(parents=True, exist_ok=True)
        if _intact(final, sha256, size):
            source.unlink()
        else:
            # Absent, or damaged on disk: these verified bytes take its place.
            os.replace(source, final)

    def stored_size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        handle = self.path(sha256).open("rb")  # FileNotFoundError now, not on first chunk

        def chunks() -> Iterator[bytes]:
            with handle:
                yield from iter(lambda: handle.read(CHUNK), b"")

        return chunks()

    async def aiter_bytes(self, sha256: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self.path(sha256).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"{self.root} is not writable")


def _intact(path: Path, sha256: str, size: int) -> bool:
    try:
        return path.stat().st_size == size and sha256_of(path) == sha256
    except FileNotFoundError:
        return False
