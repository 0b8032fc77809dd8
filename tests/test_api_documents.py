"""``POST /api/documents`` stages its upload as a task form does: the file becomes the
store's only when every check passed. A request refused for any reason (not ops, too
large, a type we do not take, a PDF with script, nothing sent) leaves nothing in the store:
no document, nothing staged, no scratch file, no unfinished S3 upload. On the local folder
and on a real S3 server alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from api.app import create_app
from common.documents import open_document_store
from common.settings import Settings
from tests import samples
from tests.bureau import Kind, token
from tests.conftest import on_s3
from tests.test_store_contract import stored, unfinished

LIMIT = 64 * 1024


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    settings.max_upload_bytes = LIMIT
    if request.param == "s3":
        return on_s3(settings, request.getfixturevalue("s3_server"))
    return settings


def _client(settings: Settings, kind: Kind) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)),
        base_url=settings.public_base_url,
        headers={"Authorization": f"Bearer {token(settings, kind)}"},
        timeout=30,
    )


async def _chunks(total: int) -> AsyncIterator[bytes]:
    """A streamed body of ``total`` bytes, with no Content-Length: only the spool's own
    count can stop it."""
    sent = 0
    head = samples.pdf("Besar")
    while sent < total:
        chunk = head if sent == 0 else b"%" * 8192
        sent += len(chunk)
        yield chunk


async def _post(client: httpx.AsyncClient, content: bytes | AsyncIterator[bytes]) -> httpx.Response:
    return await client.post(
        "/api/documents",
        params={"name": "berkas.pdf"},
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )


def _refusals() -> Iterator[tuple[str, Kind, int, str, bytes | None]]:
    """(why, who, status, code, body); body None: streamed past the limit."""
    yield "not ops", "bureau", 403, "not_authorised", samples.pdf("TOR")
    yield "too large", "ops", 413, "too_large", None
    yield "an executable", "ops", 415, "unsupported_document", samples.disguised_exe()
    yield "a PDF with script", "ops", 415, "unsupported_document", samples.pdf_with_javascript()
    yield (
        "an image hiding a ZIP",
        "ops",
        415,
        "unsupported_document",
        samples.png() + (samples.zip_of({"a.html": "<script>alert(1)</script>"})),
    )
    yield "nothing", "ops", 422, "empty_document", b""


@pytest.mark.parametrize(
    ("why", "who", "status", "code", "body"), list(_refusals()), ids=[r[0] for r in _refusals()]
)
async def test_an_upload_the_api_refuses_leaves_nothing_in_the_store(
    backend: Settings,
    request: pytest.FixtureRequest,
    why: str,
    who: Kind,
    status: int,
    code: str,
    body: bytes | None,
):
    store = open_document_store(backend)
    async with _client(backend, who) as client:
        answer = await _post(client, _chunks(4 * LIMIT) if body is None else body)
    assert answer.status_code == status, (why, answer.text)
    assert answer.json()["code"] == code
    assert stored(store) == [], why
    assert unfinished(store, request) == [], why


async def test_an_upload_the_api_accepts_is_stored_once_and_nothing_else_stays(
    backend: Settings, request: pytest.FixtureRequest
):
    store = open_document_store(backend)
    data = samples.pdf("TOR IKU")
    async with _client(backend, "ops") as client:
        first = await _post(client, data)
        again = await _post(client, data)  # the same bytes: the same document
    assert first.status_code == 201, first.text
    ref = first.json()
    assert again.json()["sha256"] == ref["sha256"]
    assert ref["media_type"] == "application/pdf" and ref["size"] == len(data)
    assert len(stored(store)) == 1 and ref["sha256"] in stored(store)[0]
    assert unfinished(store, request) == []
    assert b"".join(store.iter_bytes(ref["sha256"])) == data
