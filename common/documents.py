"""The document store: a content-addressed local folder.

A document is stored once under ``sha256/<aa>/<sha256>``, written to a temporary file and
renamed into place, so a reader never sees half a file and every version ever stored is
kept. Workflows only ever see a ``DocumentRef``; the bytes stay here.

Files of a decision are *staged* first (``Spool.stage``): kept under
``staged/<sha256>/<random>``, where the worker's check and every reader already find them,
and moved into the store by ``StagedDocument.commit`` once the workflow accepted the
decision, or removed by ``discard`` when it refused it. A refused decision stores nothing,
and a document another decision committed is never touched by this one's discard. (Were
the web layer to stop between the workflow's yes and the commit, the staged file stays
where readers find it; it is never swept.)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterable, Iterable
from pathlib import Path
from typing import BinaryIO

from common.filetypes import detect_media_type
from common.models import DocumentRef

_CHUNK = 1024 * 1024


class DocumentTooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class EmptyDocument(ValueError):
    def __init__(self) -> None:
        super().__init__("the file is empty")


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


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256")
        return self.root / "sha256" / sha256[:2] / sha256

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
        self.path(sha256)  # validates the name
        return self.root / "staged" / sha256

    # --- writing -------------------------------------------------------------------

    def put_bytes(self, data: bytes, name: str, media_type: str) -> DocumentRef:
        return self.put_chunks([data], name, media_type)

    def put_file(self, source: Path, name: str, media_type: str) -> DocumentRef:
        with source.open("rb") as handle:
            return self.put_chunks(iter(lambda: handle.read(_CHUNK), b""), name, media_type)

    def put_chunks(
        self, chunks: Iterable[bytes], name: str, media_type: str, max_bytes: int | None = None
    ) -> DocumentRef:
        spool = self.spool(max_bytes)
        try:
            for chunk in chunks:
                spool.write(chunk)
            return spool.commit(name, media_type)
        finally:
            spool.discard()

    async def put_stream(
        self, chunks: AsyncIterable[bytes], name: str, media_type: str, max_bytes: int | None
    ) -> DocumentRef:
        spool = self.spool(max_bytes)
        try:
            async for chunk in chunks:
                spool.write(chunk)
            return spool.commit(name, media_type)
        finally:
            spool.discard()

    def spool(self, max_bytes: int | None = None) -> Spool:
        """A temporary file inside the store that becomes a document only on commit()."""
        return Spool(self, max_bytes)

    # --- reading -------------------------------------------------------------------

    def holds(self, ref: DocumentRef) -> bool:
        """True when the store has exactly these bytes (size and sha256 re-checked)."""
        path = self.path_of(ref)
        try:
            if path.stat().st_size != ref.size:
                return False
        except FileNotFoundError:
            return False
        return sha256_of(path) == ref.sha256

    def open(self, ref: DocumentRef) -> BinaryIO:
        return self.path_of(ref).open("rb")


class Spool:
    """Bytes on their way into the store, hashed and counted as they arrive."""

    def __init__(self, store: DocumentStore, max_bytes: int | None) -> None:
        self.store = store
        self.max_bytes = max_bytes
        tmp_dir = store.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise DocumentTooLarge(self.max_bytes)
        self._hash.update(chunk)
        self._file.write(chunk)

    def flush(self) -> None:
        """Make everything written so far readable at ``self.path`` (to sniff its type)."""
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

    def commit(self, name: str, media_type: str) -> DocumentRef:
        """The bytes become a document in the store at once."""
        return self.stage(name, media_type).commit()

    def stage(self, name: str, media_type: str) -> StagedDocument:
        """The bytes become a document readers can find, kept apart until ``commit``."""
        ref = self._closed_ref(name, media_type)
        staged_dir = self.store._staged_dir(ref.sha256)
        for attempt in range(3):
            staged_dir.mkdir(parents=True, exist_ok=True)
            target = staged_dir / self.path.name
            try:
                os.replace(self.path, target)
                break
            except FileNotFoundError:
                # Another decision's discard removed the (empty) folder just now.
                if attempt == 2 or not self.path.exists():
                    raise
        return StagedDocument(self.store, ref, target)

    def _closed_ref(self, name: str, media_type: str) -> DocumentRef:
        if self.size == 0:
            raise EmptyDocument
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        digest = self._hash.hexdigest()
        return DocumentRef(
            key=f"sha256/{digest}",
            sha256=digest,
            size=self.size,
            name=display_name(name),
            media_type=media_type,
        )

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class StagedDocument:
    """A decision's file, readable but not yet the store's: ``commit`` or ``discard``."""

    def __init__(self, store: DocumentStore, ref: DocumentRef, path: Path) -> None:
        self.store = store
        self.ref = ref
        self.path = path

    def commit(self) -> DocumentRef:
        """Into the store (once; the same bytes already there are kept as they are)."""
        final = self.store.path(self.ref.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if _intact(final, self.ref.sha256, self.ref.size):
            self.path.unlink(missing_ok=True)
        elif self.path.exists():
            # Absent, or damaged on disk: these verified bytes take its place.
            os.replace(self.path, final)
        self._tidy()
        return self.ref

    def discard(self) -> None:
        """Gone, as if never uploaded; the same bytes committed by anyone else stay."""
        self.path.unlink(missing_ok=True)
        self._tidy()

    def _tidy(self) -> None:
        # Fails while another decision's copy of the same bytes is staged: it stays.
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()


def _intact(path: Path, sha256: str, size: int) -> bool:
    try:
        return path.stat().st_size == size and sha256_of(path) == sha256
    except FileNotFoundError:
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
