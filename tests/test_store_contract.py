"""One contract for both places documents and archives are kept: the local folder and an
S3 bucket on a real S3 server (SeaweedFS). Every test here runs against both, except the
few about what only S3 can do (be down, hold a half-written archive)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import bagit
import obstore
import pytest

from common.archives import (
    ArchiveStore,
    LocalArchiveStore,
    check_archive,
    iter_zip_archive,
    open_archive_store,
)
from common.archives.bag import BAG_TIMESTAMP_FIELD, validate_bag
from common.documents import (
    DocumentChanged,
    DocumentStore,
    LocalDocumentStore,
    StagedDocument,
    open_document_store,
)
from common.models import DocumentRef
from common.settings import Settings
from tests import samples
from tests.conftest import on_s3
from tests.s3server import S3Server
from tests.support import files_under

PDF = "application/pdf"
BIG = 12 * 1024 * 1024  # more than one part of a multipart upload


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "s3":
        return on_s3(settings, request.getfixturevalue("s3_server"))
    return settings


@pytest.fixture
def store(backend: Settings) -> DocumentStore:
    return open_document_store(backend)


@pytest.fixture
def archives(backend: Settings) -> ArchiveStore:
    return open_archive_store(backend)


# --- what is in the store, looked at from outside its interface ---------------------------


def stored(store: DocumentStore) -> list[str]:
    """Every document object in the store (scratch files excluded)."""
    if isinstance(store, LocalDocumentStore):
        return [
            p.relative_to(store.root).as_posix()
            for p in files_under(store.root)
            if store.scratch_dir not in p.parents
        ]
    listing = obstore.list(store.client, prefix=store.prefix)  # type: ignore[attr-defined]
    return sorted(meta["path"] for batch in listing for meta in batch)


def unfinished(store: DocumentStore, request: pytest.FixtureRequest) -> list[str]:
    """What a failed write must not leave: scratch files, and on S3 multipart uploads
    neither completed nor aborted."""
    left = [p.name for p in files_under(store.scratch_dir)] if store.scratch_dir.exists() else []
    if not isinstance(store, LocalDocumentStore):
        server: S3Server = request.getfixturevalue("s3_server")
        left += server.pending_uploads(store.bucket)  # type: ignore[attr-defined]
    return left


def damage(store: DocumentStore, sha256: str, data: bytes = b"damaged") -> None:
    if isinstance(store, LocalDocumentStore):
        store.path(sha256).write_bytes(data)
    else:
        obstore.put(store.client, store.key(sha256), data)  # type: ignore[attr-defined]


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


# --- documents ------------------------------------------------------------------------------


def test_a_document_is_stored_under_its_sha256_and_read_back_whole(store):
    data = samples.pdf("Konsep Rencana Kerja")
    ref = store.put_bytes(data, "konsep.pdf", PDF)

    digest = hashlib.sha256(data).hexdigest()
    assert ref == DocumentRef(
        key=f"sha256/{digest}", sha256=digest, size=len(data), name="konsep.pdf", media_type=PDF
    )
    assert len(stored(store)) == 1 and stored(store)[0].endswith(f"sha256/{digest[:2]}/{digest}")
    assert store.holds(ref)
    assert store.stored_size(digest) == len(data)
    with store.open(ref) as handle:
        assert handle.read() == data
    assert b"".join(store.iter_bytes(digest)) == data


async def test_a_document_is_streamed_out_without_blocking(store):
    data = random_bytes(3 * 1024 * 1024 + 17)
    ref = store.put_bytes(data, "lampiran.bin", "x/y")
    chunks = [chunk async for chunk in store.aiter_bytes(ref.sha256)]
    assert b"".join(chunks) == data
    assert len(chunks) > 1


def test_the_same_bytes_twice_are_one_document_and_every_version_is_kept(store):
    data = samples.pdf("draf v1")
    first = store.put_bytes(data, "draf.pdf", PDF)
    again = store.put_chunks([data[:100], data[100:]], "draf.pdf", PDF)
    v2 = store.put_bytes(samples.pdf("draf v2"), "draf.pdf", PDF)
    assert again == first
    assert len(stored(store)) == 2
    assert store.holds(first) and store.holds(v2)


def test_a_large_document_goes_up_in_parts_and_comes_back_whole(store, request):
    data = random_bytes(BIG + 12345)
    ref = store.put_bytes(data, "draf-besar.bin", "x/y")
    assert store.holds(ref)
    with store.open(ref) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == ref.sha256
    assert unfinished(store, request) == []


async def test_an_upload_interrupted_mid_stream_leaves_no_object_and_no_orphan(store, request):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield random_bytes(5 * 1024 * 1024)
        raise ConnectionResetError("the official's connection dropped")

    with pytest.raises(ConnectionResetError):
        await store.put_stream(chunks(), "putus.bin", "x/y", max_bytes=None)
    assert stored(store) == []
    assert unfinished(store, request) == []


def test_bytes_that_change_on_the_way_in_are_refused_and_nothing_is_stored(store, request):
    # The spool is hashed as the bytes arrive; if they change before they reach their
    # place (a bad disk, a bug), the store finds out on the way and completes nothing: on
    # S3 the parts already sent are aborted.
    spool = store.spool()
    spool.write(random_bytes(BIG))
    spool.flush()
    with spool.path.open("r+b") as handle:
        handle.seek(BIG - 10)
        handle.write(b"0123456789")
    try:
        with pytest.raises(DocumentChanged):
            spool.commit("draf.bin", "x/y")
    finally:
        spool.discard()
    assert stored(store) == []
    assert unfinished(store, request) == []


def test_a_sha256_announced_by_the_sender_must_match(store, request):
    data = samples.pdf("TOR")
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(DocumentChanged) as caught:
        store.put_chunks([data], "tor.pdf", PDF, expected_sha256=wrong)
    assert caught.value.expected == wrong
    assert caught.value.found == hashlib.sha256(data).hexdigest()
    assert stored(store) == [] and unfinished(store, request) == []
    ref = store.put_chunks([data], "tor.pdf", PDF, expected_sha256=hashlib.sha256(data).hexdigest())
    assert store.holds(ref)


def test_a_damaged_document_is_not_held_and_storing_it_again_repairs_it(store):
    data = samples.pdf("SK Tim")
    ref = store.put_bytes(data, "sk.pdf", PDF)
    damage(store, ref.sha256, b"x" * len(data))  # same size, other bytes
    assert not store.holds(ref)
    damage(store, ref.sha256)
    assert not store.holds(ref)
    assert store.put_bytes(data, "sk.pdf", PDF) == ref
    assert store.holds(ref)


def test_a_document_the_store_never_had(store):
    ref = DocumentRef(
        key="sha256/" + "0" * 64, sha256="0" * 64, size=5, name="hilang.pdf", media_type=PDF
    )
    assert not store.holds(ref)
    assert store.stored_size(ref.sha256) is None
    with pytest.raises(FileNotFoundError):
        store.open(ref)
    with pytest.raises(ValueError):
        store.stored_size("../../etc/passwd")


def test_the_store_says_it_can_take_documents(store):
    store.check()


# --- staged files: a decision's documents are the store's only once it is accepted ---------


def in_place(store: DocumentStore, sha256: str) -> bool:
    """Stored as a document (not merely staged)."""
    if isinstance(store, LocalDocumentStore):
        return store.path(sha256).exists()
    try:
        obstore.head(store.client, store.key(sha256))  # type: ignore[attr-defined]
    except FileNotFoundError:
        return False
    return True


def staged_left(store: DocumentStore, sha256: str) -> list[str]:
    if isinstance(store, LocalDocumentStore):
        folder = store.root / "staged" / sha256
        return [p.name for p in folder.iterdir()] if folder.exists() else []
    prefix = f"{store.staged_prefix}{sha256}/"  # type: ignore[attr-defined]
    listing = obstore.list(store.client, prefix=prefix)  # type: ignore[attr-defined]
    return [meta["path"] for batch in listing for meta in batch]


def stage(store: DocumentStore, data: bytes, name: str = "draf.pdf") -> StagedDocument:
    spool = store.spool()
    try:
        spool.write(data)
        return spool.stage(name, PDF)
    finally:
        spool.discard()


def test_a_staged_file_is_found_by_the_check_and_readers_but_is_not_yet_stored(store):
    data = samples.pdf("draf menunggu keputusan")
    staged = stage(store, data)
    assert store.holds(staged.ref)
    assert store.stored_size(staged.ref.sha256) == len(data)
    with store.open(staged.ref) as handle:
        assert handle.read() == data
    assert not in_place(store, staged.ref.sha256)
    assert len(staged_left(store, staged.ref.sha256)) == 1


def test_a_staged_file_committed_once_the_decision_is_accepted_is_stored(store, request):
    staged = stage(store, samples.pdf("diterima"))
    assert staged.commit() == staged.ref
    assert in_place(store, staged.ref.sha256) and store.holds(staged.ref)
    assert staged_left(store, staged.ref.sha256) == []
    assert unfinished(store, request) == []


def test_a_staged_file_discarded_when_the_decision_is_refused_leaves_nothing(store):
    staged = stage(store, samples.pdf("ditolak"))
    staged.discard()
    assert not store.holds(staged.ref)
    assert not in_place(store, staged.ref.sha256)
    assert staged_left(store, staged.ref.sha256) == []


def test_two_decisions_with_the_same_file_one_refused_one_accepted(store):
    data = samples.pdf("lampiran yang sama")
    refused, accepted = stage(store, data), stage(store, data)
    refused.discard()
    assert store.holds(accepted.ref)  # the other decision's copy is untouched
    accepted.commit()
    late = stage(store, data)
    late.discard()  # a third, refused after the commit: the document stays
    assert store.holds(accepted.ref) and in_place(store, accepted.ref.sha256)
    assert staged_left(store, accepted.ref.sha256) == []


def test_bytes_changed_before_staging_are_refused_and_nothing_is_staged(store):
    spool = store.spool()
    spool.write(samples.pdf("asli"))
    spool.flush()
    spool.path.write_bytes(samples.pdf("diubah"))
    try:
        with pytest.raises(DocumentChanged):
            spool.stage("draf.pdf", PDF)
    finally:
        spool.discard()
    assert stored(store) == [] or all("staged" not in key for key in stored(store))
    digest = hashlib.sha256(samples.pdf("asli")).hexdigest()
    assert staged_left(store, digest) == []


# --- archives -------------------------------------------------------------------------------

NAME = "iku-2027-kemnaker--3f9c2a1e-0000-4000-8000-000000000001"


def make_bag(archives: ArchiveStore, text: str) -> Path:
    """A small valid bag in the store's scratch folder, as the archive activity makes one."""
    archives.scratch_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".tmp-test-", dir=archives.scratch_dir))
    (folder / "dokumen").mkdir()
    (folder / "dokumen" / "draf.pdf").write_bytes(samples.pdf(text))
    (folder / "riwayat.json").write_text(f'["{text}"]\n')
    cwd = os.getcwd()
    try:  # make_bag changes the working directory while it works
        bagit.make_bag(
            str(folder),
            {"Source-Organization": "Kemnaker", BAG_TIMESTAMP_FIELD: datetime.now(UTC).isoformat()},
            checksums=["sha256", "sha512"],
        )
    finally:
        os.chdir(cwd)
    return folder


@contextlib.contextmanager
def removed(folder: Path) -> Iterator[Path]:
    try:
        yield folder
    finally:
        if folder.exists():
            import shutil

            shutil.rmtree(folder)


def unzip(pieces: Iterator[bytes], target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as archive:
        archive.extractall(target)
    return target / NAME


def test_a_published_archive_is_whole_for_every_reader(archives, tmp_path):
    with removed(make_bag(archives, "versi final")) as folder:
        info = archives.publish(folder, NAME)

    assert info.bag_name == NAME and info.valid and info.files == 2
    assert archives.complete(NAME)
    assert archives.existing(NAME) == (info, None)
    valid, problem, files = check_archive(archives, NAME)
    assert (valid, problem) == (True, None)
    assert ("data/dokumen/draf.pdf", len(samples.pdf("versi final"))) in files
    assert "bagit.txt" in [path for path, _ in files]
    unzipped = unzip(iter_zip_archive(archives, NAME), tmp_path / "unzipped")
    assert validate_bag(unzipped) == (True, None)
    assert (unzipped / "data" / "dokumen" / "draf.pdf").read_bytes() == samples.pdf("versi final")
    # Nothing of the build or of the readers' copies is left on this machine.
    leftovers = [p for p in archives.scratch_dir.iterdir() if p.name != NAME]
    assert leftovers == []


def test_an_archive_is_written_once(archives):
    with removed(make_bag(archives, "pertama")) as folder:
        archives.publish(folder, NAME)
    with removed(make_bag(archives, "kedua")) as folder, contextlib.suppress(Exception):
        archives.publish(folder, NAME)  # refused, or answered with the first
    with archives.local_copy(NAME) as bag:
        assert (bag / "data" / "dokumen" / "draf.pdf").read_bytes() == samples.pdf("pertama")
    assert check_archive(archives, NAME)[0]


def test_a_damaged_archive_is_reported_then_set_aside_and_not_offered(archives):
    with removed(make_bag(archives, "asli")) as folder:
        archives.publish(folder, NAME)
    if isinstance(archives, LocalArchiveStore):
        (archives.root / NAME / "data" / "dokumen" / "draf.pdf").write_bytes(b"diubah")
    else:
        key = f"{archives.root}{NAME}/data/dokumen/draf.pdf"  # type: ignore[attr-defined]
        obstore.put(archives.client, key, b"diubah")  # type: ignore[attr-defined]

    valid, problem, _ = check_archive(archives, NAME)
    assert not valid and "data/dokumen/draf.pdf" in (problem or "")
    if not isinstance(archives, LocalArchiveStore):
        # Streamed from the bucket, each object re-hashed against the marker: the download
        # breaks rather than hand over other bytes.
        with pytest.raises(RuntimeError, match="has changed"):
            b"".join(iter_zip_archive(archives, NAME))
    info, note = archives.existing(NAME)
    assert info is None and "moved to" in (note or "")
    assert not archives.complete(NAME)
    with pytest.raises(FileNotFoundError), archives.local_copy(NAME):
        pass
    # Rebuilt under the same name, as the activity's retry does.
    with removed(make_bag(archives, "asli")) as folder:
        archives.publish(folder, NAME)
    assert check_archive(archives, NAME)[0]


def test_a_bag_name_that_is_not_ours_is_never_read(archives):
    for name in ("../etc", "iku..x--y", ".broken-x--y", "plain"):
        assert not archives.complete(name) or name == "plain"
        with pytest.raises((FileNotFoundError, ValueError)), archives.local_copy(name):
            pass
