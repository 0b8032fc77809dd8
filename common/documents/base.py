"""What every document store offers, and the spool through which bytes enter one.

A document is stored once under its sha256 (content-addressed), so every version ever
stored is kept and the same bytes are never stored twice. Workflows only ever see a
``DocumentRef``; the bytes stay in the store. Bytes arrive through a ``Spool``: a scratch
file on this machine, hashed and counted as they arrive, which becomes a document only on
``commit()`` (the web layer sniffs the type on it before that).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from common.filetypes import detect_media_type
from common.models import DocumentRef

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DocumentTooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class EmptyDocument(ValueError):
    def __init__(self) -> None:
        super().__init__("the file is empty")


class DocumentChanged(ValueError):
    """The bytes on their way into the store are not the bytes that were counted and hashed
    (or not those the caller announced): nothing was stored."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(f"sha256 mismatch: expected {expected}, got {found}; nothing stored")
        self.expected = expected
        self.found = found


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or refused us (S3 down, wrong credentials, a full disk):
    try later. The web layer answers 503; the message names the store, never a secret."""


class NoRoom(StoreUnavailable):
    """The disk under a spool or the folder store is full (or read-only): an outage like S3
    down, so nothing is stored and the person is told to try again, not "something went
    wrong"."""


_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


@contextlib.contextmanager
def room_in(where: Path) -> Iterator[None]:
    """Writing under ``where``: a full or read-only disk becomes NoRoom."""
    try:
        yield
    except OSError as err:
        if err.errno not in _NO_ROOM:
            raise
        raise NoRoom(f"no room to write in {where}: {err.strerror}") from None


def check_sha256(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a sha256")
    return sha256


def content_key(sha256: str) -> str:
    """The content-addressed place of a document, relative to the store's root."""
    check_sha256(sha256)
    return f"sha256/{sha256[:2]}/{sha256}"


def display_name(raw: str | None, fallback: str = "dokumen") -> str:
    """A file name safe to show and to offer in Content-Disposition; never used as a path."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    # Tabs and newlines become spaces; other control and format characters are dropped,
    # among them the right-to-left override that shows "fdp.exe" as "exe.pdf".
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name or fallback


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DocumentStore(ABC):
    """The interface of the local folder and of the S3 bucket alike."""

    #: Where spools are written: on this machine, never shared.
    scratch_dir: Path

    # --- backend-specific ------------------------------------------------------------

    @abstractmethod
    def describe(self) -> str:
        """Where the documents are, for people (a folder, or s3://bucket/prefix)."""

    @abstractmethod
    def place(self, source: Path, sha256: str, size: int) -> None:
        """Make the verified scratch file ``source`` the document ``sha256``. Re-hashes it
        on the way and stores nothing (DocumentChanged) if it is not those bytes."""

    @abstractmethod
    def stage(self, source: Path, sha256: str, size: int) -> Path | str:
        """Like ``place``, but kept apart (``staged/<sha256>/<random>``) where readers find
        it, until ``commit_staged`` or ``discard_staged``; returns where it is."""

    @abstractmethod
    def commit_staged(self, ref: DocumentRef, staged: Path | str) -> None:
        """The staged bytes become the document (the same bytes stored already stay)."""

    @abstractmethod
    def discard_staged(self, sha256: str, staged: Path | str) -> None:
        """Gone, as if never uploaded; the same bytes stored or staged by others stay."""

    @abstractmethod
    def stored_size(self, sha256: str) -> int | None:
        """The size of the document, stored or staged, or None when the store has none."""

    @abstractmethod
    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        """The bytes, stored or else staged, chunk by chunk (FileNotFoundError when absent)."""

    @abstractmethod
    def aiter_bytes(self, sha256: str) -> AsyncIterator[bytes]:
        """The bytes, stored or else staged, chunk by chunk, not blocking the event loop."""

    @abstractmethod
    def check(self) -> None:
        """Raise (StoreUnavailable or OSError) unless documents can be stored now."""

    def check_room(self, needed: int) -> None:
        """Raise NoRoom unless an upload of ``needed`` bytes fits where it is spooled (on
        the folder store, where it then stays): a probe's warning before people meet it."""
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        stats = os.statvfs(self.scratch_dir)
        if stats.f_bavail * stats.f_frsize < needed:
            raise NoRoom(f"less than {needed} bytes free in {self.scratch_dir}")

    # --- writing -------------------------------------------------------------------

    def spool(self, max_bytes: int | None = None) -> Spool:
        """A scratch file that becomes a document only on commit()."""
        return Spool(self, max_bytes)

    def put_bytes(self, data: bytes, name: str, media_type: str) -> DocumentRef:
        return self.put_chunks([data], name, media_type)

    def put_file(self, source: Path, name: str, media_type: str) -> DocumentRef:
        with source.open("rb") as handle:
            return self.put_chunks(iter(lambda: handle.read(CHUNK), b""), name, media_type)

    def put_chunks(
        self,
        chunks: Iterable[bytes],
        name: str,
        media_type: str,
        max_bytes: int | None = None,
        expected_sha256: str | None = None,
    ) -> DocumentRef:
        spool = self.spool(max_bytes)
        try:
            for chunk in chunks:
                spool.write(chunk)
            return spool.commit(name, media_type, expected_sha256)
        finally:
            spool.discard()

    async def put_stream(
        self,
        chunks: AsyncIterable[bytes],
        name: str,
        media_type: str,
        max_bytes: int | None,
        expected_sha256: str | None = None,
    ) -> DocumentRef:
        spool = self.spool(max_bytes)
        try:
            async for chunk in chunks:
                spool.write(chunk)
            return spool.commit(name, media_type, expected_sha256)
        finally:
            spool.discard()

    # --- reading -------------------------------------------------------------------

    def holds(self, ref: DocumentRef) -> bool:
        """True when the store has exactly these bytes (size and sha256 re-checked)."""
        try:
            if self.stored_size(ref.sha256) != ref.size:
                return False
            digest = hashlib.sha256()
            for chunk in self.iter_bytes(ref.sha256):
                digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == ref.sha256

    def open(self, ref: DocumentRef) -> BinaryIO:
        """The stored bytes as a read-only file (streamed, never all in memory)."""
        return io.BufferedReader(_ChunkReader(self.iter_bytes(ref.sha256)), CHUNK)


class Spool:
    """Bytes on their way into the store, hashed and counted as they arrive."""

    def __init__(self, store: DocumentStore, max_bytes: int | None) -> None:
        self.store = store
        self.max_bytes = max_bytes
        with room_in(store.scratch_dir):
            store.scratch_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=store.scratch_dir, prefix="upload-")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise DocumentTooLarge(self.max_bytes)
        self._hash.update(chunk)
        with room_in(self.store.scratch_dir):
            self._file.write(chunk)

    def flush(self) -> None:
        """Make everything written so far readable at ``self.path`` (to sniff its type)."""
        with room_in(self.store.scratch_dir):
            self._file.flush()

    def head(self, n: int = 8192) -> bytes:
        self.flush()
        with self.path.open("rb") as handle:
            return handle.read(n)

    def media_type(self) -> str:
        """The type of exactly these bytes, judged by content (UnsupportedDocument if it is
        not one we take): what is recorded is what is stored."""
        self.flush()
        return detect_media_type(self.path)

    def commit(self, name: str, media_type: str, expected_sha256: str | None = None) -> DocumentRef:
        """The bytes become a document in the store at once."""
        ref = self._closed_ref(name, media_type, expected_sha256)
        self.store.place(self.path, ref.sha256, ref.size)
        return ref

    def stage(
        self, name: str, media_type: str, expected_sha256: str | None = None
    ) -> StagedDocument:
        """The bytes become a document readers (and the workflow's check) can find, kept
        apart until ``commit`` once the decision was accepted, or ``discard``."""
        ref = self._closed_ref(name, media_type, expected_sha256)
        return StagedDocument(self.store, ref, self.store.stage(self.path, ref.sha256, ref.size))

    def _closed_ref(self, name: str, media_type: str, expected_sha256: str | None) -> DocumentRef:
        if self.size == 0:
            raise EmptyDocument
        with room_in(self.store.scratch_dir):
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        digest = self._hash.hexdigest()
        if expected_sha256 is not None and expected_sha256 != digest:
            raise DocumentChanged(expected_sha256, digest)
        return DocumentRef(
            key=f"sha256/{digest}",
            sha256=digest,
            size=self.size,
            name=display_name(name),
            media_type=media_type,
        )

    def discard(self) -> None:
        if not self._file.closed:
            # Closing flushes what is buffered, which fails again on a full disk; the file
            # is closed all the same, and removed next.
            with contextlib.suppress(OSError):
                self._file.close()
        self.path.unlink(missing_ok=True)


class StagedDocument:
    """A decision's file, readable but not yet the store's: ``commit`` or ``discard``."""

    def __init__(self, store: DocumentStore, ref: DocumentRef, path: Path | str) -> None:
        self.store = store
        self.ref = ref
        self.path = path  # a file (local) or a key (S3)

    def commit(self) -> DocumentRef:
        self.store.commit_staged(self.ref, self.path)
        return self.ref

    def discard(self) -> None:
        self.store.discard_staged(self.ref.sha256, self.path)


def verified_chunks(source: Path, sha256: str, size: int) -> Iterator[bytes]:
    """The chunks of ``source``, re-hashed as they go out; raises DocumentChanged before the
    last one is taken if they are not ``sha256``, so a writer that completes only after the
    last chunk (a multipart upload, a rename) never completes with other bytes."""
    digest = hashlib.sha256()
    count = 0
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            count += len(chunk)
            yield chunk
    found = digest.hexdigest()
    if found != sha256 or count != size:
        raise DocumentChanged(sha256, found)


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()
