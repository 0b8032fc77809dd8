"""An upload past the file limit stops being written at the limit, not after the body ends.

The 413 alone does not show it: a reader that spooled the whole oversized file and only
then refused would answer the same. Here the form reader is fed a real multipart body in
network-sized chunks, and what reached the disk is measured just before the spool is
thrown away.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from api.core.problems import PageError
from api.tasks.uploads import FormReader, Limits
from common.documents import LocalDocumentStore, Spool
from tests import samples

LIMIT = 256 * 1024
CHUNK = 64 * 1024
BOUNDARY = "----iku-test-boundary"


class MeasuredSpool(Spool):
    """The real spool; on discard it first notes how many bytes are in its file."""

    on_disk: list[int]

    def discard(self) -> None:
        if not self._file.closed:
            self._file.flush()
        if self.path.exists():
            self.on_disk.append(os.path.getsize(self.path))
        super().discard()


class MeasuredStore(LocalDocumentStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.on_disk: list[int] = []

    def spool(self, max_bytes: int | None = None) -> Spool:
        spool = MeasuredSpool(self, max_bytes)
        spool.on_disk = self.on_disk
        return spool


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: application/pdf\r\n"
        body += b"\r\n" + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def streamed(body: bytes) -> tuple[Request, list[int]]:
    """A request whose body arrives in CHUNK-sized pieces, counting the pieces read."""
    pieces = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
    read: list[int] = []

    async def receive() -> dict[str, Any]:
        index = len(read)
        read.append(index)
        return {
            "type": "http.request",
            "body": pieces[index] if index < len(pieces) else b"",
            "more_body": index + 1 < len(pieces),
        }

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/t/x",
        "headers": [
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    receive_fn: Callable[[], Awaitable[dict[str, Any]]] = receive
    return Request(scope, receive_fn), read


async def test_the_kasubbag_uploads_a_tor_three_times_too_big_and_writing_stops_at_the_limit(
    tmp_path: Path,
) -> None:
    store = MeasuredStore(tmp_path / "documents")
    big = samples.pdf("TOR") + b"%" + b"x" * (3 * LIMIT)
    body = multipart([("nonce", None, b"n"), ("doc.tor", "TOR.pdf", big)])
    request, read = streamed(body)
    reader = FormReader(store, Limits(file_bytes=LIMIT), "id", lambda nonce: nonce)
    with pytest.raises(PageError) as refused:
        await reader.read(request)
    assert refused.value.status == 413
    # The file reached the disk up to the limit at most (a chunk that would cross it is
    # never written), and was then thrown away.
    assert store.on_disk and max(store.on_disk) <= LIMIT + CHUNK
    assert max(store.on_disk) <= LIMIT
    # The rest of the body was still read (and dropped), so the browser gets the page.
    assert len(read) >= len(body) // CHUNK
    assert [p for p in (tmp_path / "documents").rglob("*") if p.is_file()] == []


async def test_a_file_just_under_the_limit_is_spooled_whole(tmp_path: Path) -> None:
    store = MeasuredStore(tmp_path / "documents")
    fits = samples.pdf("TOR") + b"%" + b"x" * (LIMIT - 4096)
    assert len(fits) <= LIMIT
    request, _ = streamed(multipart([("nonce", None, b"n"), ("doc.tor", "TOR.pdf", fits)]))
    reader = FormReader(store, Limits(file_bytes=LIMIT), "id", lambda nonce: nonce)
    form = await reader.read(request)
    (upload,) = form.files
    assert upload.spool.size == len(fits)
    form.discard()
    assert store.on_disk == [len(fits)]
