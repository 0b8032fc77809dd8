"""The content-addressed document store and display names."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from common.documents import (
    DocumentTooLarge,
    EmptyDocument,
    LocalDocumentStore,
    display_name,
    sha256_of,
)
from common.models import DocumentRef
from tests import samples
from tests.support import files_under

PDF = "application/pdf"


@pytest.fixture
def store(tmp_path: Path) -> LocalDocumentStore:
    return LocalDocumentStore(tmp_path / "documents")


def test_a_document_is_stored_under_its_sha256(store):
    data = samples.pdf("TOR 2027")
    ref = store.put_bytes(data, "tor.pdf", PDF)
    digest = hashlib.sha256(data).hexdigest()
    assert ref == DocumentRef(
        key=f"sha256/{digest}", sha256=digest, size=len(data), name="tor.pdf", media_type=PDF
    )
    path = store.path_of(ref)
    assert path == store.root / "sha256" / digest[:2] / digest
    assert path.read_bytes() == data
    assert store.holds(ref)
    with store.open(ref) as handle:
        assert handle.read() == data
    assert files_under(store.root) == [path]


def test_the_same_bytes_twice_are_one_file_and_one_ref(store):
    data = samples.docx("Draf IKU")
    first = store.put_bytes(data, "draf.docx", "x/y")
    second = store.put_chunks([data[:100], data[100:]], "draf.docx", "x/y")
    assert first == second
    assert files_under(store.root) == [store.path_of(first)]


def test_two_versions_are_both_kept(store):
    v1 = store.put_bytes(samples.pdf("versi 1"), "draf.pdf", PDF)
    v2 = store.put_bytes(samples.pdf("versi 2"), "draf.pdf", PDF)
    assert v1.sha256 != v2.sha256
    assert store.holds(v1) and store.holds(v2)
    assert len(files_under(store.root)) == 2


def test_holds_is_false_once_a_byte_changes_on_disk(store):
    ref = store.put_bytes(samples.pdf(), "a.pdf", PDF)
    path = store.path_of(ref)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    path.write_bytes(bytes(damaged))
    assert path.stat().st_size == ref.size  # same size: only the hash tells
    assert not store.holds(ref)


def test_holds_is_false_when_the_size_differs_or_the_file_is_gone(store):
    ref = store.put_bytes(samples.pdf(), "a.pdf", PDF)
    path = store.path_of(ref)
    path.write_bytes(path.read_bytes() + b"\n")
    assert not store.holds(ref)
    assert not store.holds(ref.model_copy(update={"size": ref.size + 1}))
    path.unlink()
    assert not store.holds(ref)


def test_storing_again_repairs_a_damaged_copy(store):
    data = samples.pdf()
    ref = store.put_bytes(data, "a.pdf", PDF)
    store.path_of(ref).write_bytes(b"damaged")
    assert store.put_bytes(data, "a.pdf", PDF) == ref
    assert store.holds(ref)


def test_a_too_large_stream_is_refused_and_leaves_nothing(store):
    chunks = (bytes(1000) for _ in range(10))
    with pytest.raises(DocumentTooLarge) as caught:
        store.put_chunks(chunks, "besar.pdf", PDF, max_bytes=5000)
    assert caught.value.limit == 5000
    assert files_under(store.root) == []
    # Only the empty spool folder remains.
    assert [p.relative_to(store.root) for p in store.root.rglob("*")] == [Path("tmp")]


def test_exactly_the_limit_is_allowed(store):
    ref = store.put_chunks([b"x" * 5000], "pas.bin", "x/y", max_bytes=5000)
    assert ref.size == 5000


def test_an_empty_document_is_refused(store):
    with pytest.raises(EmptyDocument):
        store.put_bytes(b"", "kosong.pdf", PDF)
    with pytest.raises(EmptyDocument):
        store.put_chunks([b"", b""], "kosong.pdf", PDF)
    assert files_under(store.root) == []


def test_put_file(store, tmp_path):
    source = tmp_path / "lampiran.xlsx"
    source.write_bytes(samples.xlsx())
    ref = store.put_file(source, "lampiran.xlsx", "x/y")
    assert ref.sha256 == sha256_of(source)
    assert store.holds(ref)


async def test_put_stream_with_an_async_iterator(store):
    data = samples.odt("Laporan")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 64):
            yield data[start : start + 64]

    ref = await store.put_stream(chunks(), "laporan.odt", "x/y", max_bytes=None)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert store.path_of(ref).read_bytes() == data


async def test_put_stream_over_the_limit_leaves_nothing(store):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield bytes(1024)

    with pytest.raises(DocumentTooLarge):
        await store.put_stream(chunks(), "besar.bin", "x/y", max_bytes=10 * 1024)
    assert files_under(store.root) == []


async def test_put_stream_that_fails_midway_leaves_nothing(store):
    async def chunks() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put_stream(chunks(), "putus.bin", "x/y", max_bytes=None)
    assert files_under(store.root) == []


def test_a_spool_discarded_without_commit_leaves_nothing(store):
    spool = store.spool(100)
    spool.write(b"abc")
    spool.flush()
    assert spool.path.read_bytes() == b"abc"
    assert spool.head(2) == b"ab"
    spool.discard()
    assert files_under(store.root) == []


def test_path_refuses_what_is_not_a_sha256(store):
    for bad in ("../../etc/passwd", "A" * 64, "abc"):
        with pytest.raises(ValueError):
            store.path(bad)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("/abs/olute/tor.pdf", "tor.pdf"),
        ("tor\x00.pdf", "tor.pdf"),
        ("tor\r\n.pdf", "tor .pdf"),
        ("la\tporan.docx", "la poran.docx"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("  draf   iku.docx  ", "draf iku.docx"),
        ("..", "dokumen"),
        ("", "dokumen"),
        (None, "dokumen"),
        ("dir/", "dokumen"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # NFC
        ("Rencana Kerja 2027 (final).pdf", "Rencana Kerja 2027 (final).pdf"),
    ],
)
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_display_name_keeps_the_extension_of_a_long_name():
    name = display_name("a" * 500 + ".docx")
    assert len(name) <= 200
    assert name.endswith(".docx")


def test_display_name_fallback():
    assert display_name("///", fallback="lampiran") == "lampiran"


def test_the_stored_name_is_a_display_name(store):
    ref = store.put_bytes(samples.pdf(), "../../etc/passwd", PDF)
    assert ref.name == "passwd"
