"""What only S3 can do to us: be down, or hold half of an archive. On a SeaweedFS server of
this module's own, stopped and started again as an outage would."""

from __future__ import annotations

import time
from collections.abc import Iterator

import obstore
import pytest
from temporalio.testing import ActivityEnvironment

from activities.archive import ArchiveActivities
from api.core.shared_counts import SharedCounts
from api.core.throttle import SignInThrottle
from common.archives import check_archive, open_archive_store
from common.archives.s3 import MARKER, S3ArchiveStore
from common.documents import DocumentStore, StoreUnavailable, open_document_store
from common.models import ArchiveRequest
from common.s3 import BucketArea
from common.settings import Settings
from tests import samples
from tests.conftest import on_s3
from tests.s3server import S3Server
from tests.support import files_under
from tests.test_archive import RUN_ID, WORKFLOW_ID, env, request_  # noqa: F401 (fixtures)

PDF = "application/pdf"


@pytest.fixture
def outage_server(s3_outage_server: S3Server) -> S3Server:
    return s3_outage_server


@pytest.fixture
def s3_settings(settings: Settings, outage_server: S3Server) -> Iterator[Settings]:
    yield on_s3(settings, outage_server)
    if outage_server.process is None:  # a test that failed while S3 was down
        outage_server.start()


@pytest.fixture
def store(s3_settings: Settings) -> DocumentStore:
    """The store test_archive's ``request_`` fixture fills: the bucket."""
    return open_document_store(s3_settings)


def test_s3_down_is_store_unavailable_for_every_call_and_nothing_is_lost(
    s3_settings, store, outage_server
):
    kept = store.put_bytes(samples.pdf("Konsep Rencana Kerja"), "konsep.pdf", PDF)
    archives = open_archive_store(s3_settings)
    outage_server.stop()
    try:
        began = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            store.put_bytes(samples.pdf("TOR"), "tor.pdf", PDF)
        for call in (
            lambda: store.holds(kept),
            lambda: store.open(kept),
            store.check,
            lambda: archives.existing(f"{WORKFLOW_ID}--{RUN_ID}"),
        ):
            with pytest.raises(StoreUnavailable):
                call()
        # Bounded: a person is waiting for the 503 page.
        assert time.monotonic() - began < 60
        assert "secret" not in str(caught.value).lower()
        assert s3_settings.s3_bucket in str(caught.value)
        assert files_under(store.scratch_dir) == []
    finally:
        outage_server.start()
    # Back: what was stored is whole, and storing works again.
    assert store.holds(kept)
    assert store.holds(store.put_bytes(samples.pdf("TOR"), "tor.pdf", PDF))
    assert outage_server.pending_uploads(outage_server.bucket) == []


async def test_the_archive_on_s3_waits_out_an_outage_then_is_built_once(
    s3_settings, outage_server, request: pytest.FixtureRequest
):
    activities = ArchiveActivities(s3_settings)
    # test_archive's fixtures: its activity environment and its process's documents (here
    # stored through this module's ``store``, the bucket).
    environment: ActivityEnvironment = request.getfixturevalue("env")
    archive_request: ArchiveRequest = request.getfixturevalue("request_")
    outage_server.stop()
    try:
        # A plain (retryable) failure: Temporal tries again later, the step stays open.
        with pytest.raises(StoreUnavailable):
            await environment.run(activities.build_archive, archive_request)
    finally:
        outage_server.start()
    name = f"{WORKFLOW_ID}--{RUN_ID}"
    archives = open_archive_store(s3_settings)
    assert not archives.complete(name)

    info = await environment.run(activities.build_archive, archive_request)
    assert info.valid and info.bag_name == name
    assert info.path == f"s3://{s3_settings.s3_bucket}/{s3_settings.s3_prefix}/archive/{name}/"
    valid, problem, files = check_archive(archives, name)
    assert (valid, problem) == (True, None)
    payload = {path for path, _ in files if path.startswith("data/dokumen/")}
    assert len(payload) == len(archive_request.documents)
    # A retry after success answers with the same archive, untouched.
    assert await environment.run(activities.build_archive, archive_request) == info
    # Only scratch folders of this machine were used, and none is left.
    assert [p for p in files_under(s3_settings.data_dir / "tmp")] == []
    assert not s3_settings.archive_dir.exists()


def test_a_half_written_archive_is_never_read_and_the_next_attempt_clears_it(
    s3_settings, monkeypatch
):
    from tests.test_store_contract import NAME, make_bag, removed

    archives = open_archive_store(s3_settings)
    assert isinstance(archives, S3ArchiveStore)
    real_put = S3ArchiveStore._put_once

    def dies_before_the_marker(self: S3ArchiveStore, key: str, chunks: Iterator[bytes]) -> None:
        if key.endswith(MARKER):
            raise RuntimeError("worker killed")
        real_put(self, key, chunks)

    monkeypatch.setattr(S3ArchiveStore, "_put_once", dies_before_the_marker)
    with removed(make_bag(archives, "setengah")) as folder, pytest.raises(RuntimeError):
        archives.publish(folder, NAME)
    monkeypatch.setattr(S3ArchiveStore, "_put_once", real_put)

    prefix = f"{archives.root}{NAME}/"
    written = [m["path"] for batch in obstore.list(archives.client, prefix=prefix) for m in batch]
    assert written  # the bag's files are there, but not its marker
    assert not archives.complete(NAME)
    with pytest.raises(FileNotFoundError), archives.local_copy(NAME):
        pass

    info, note = archives.existing(NAME)
    assert info is None and "incomplete" in (note or "")
    assert list(obstore.list(archives.client, prefix=prefix)) == []
    with removed(make_bag(archives, "utuh")) as folder:
        archives.publish(folder, NAME)
    assert check_archive(archives, NAME)[0]


async def test_throttle_counts_made_while_s3_is_down_reach_the_other_replica_once_it_is_back(
    s3_settings, outage_server
):
    """Two web replicas' sign-in throttles, shared through the bucket: while it is away each
    counts alone, nothing is lost, and what one counted reaches the other once it is back."""
    one, another = SignInThrottle(), SignInThrottle()
    sharing = [SharedCounts(s3_settings, {"sign-in": t.counts}) for t in (one, another)]
    outage_server.stop()
    for _ in range(5):
        one.failed("203.0.113.9", "ops")
    with pytest.raises(StoreUnavailable):
        await sharing[0].exchange()
    assert one.retry_after("203.0.113.9", "ops", known_browser=True) > 0  # held here at once
    outage_server.start()
    for shared in sharing:
        await shared.exchange()
    assert another.retry_after("203.0.113.9", "ops", known_browser=True) > 0
    assert another.retry_after("198.51.100.1", "ops", known_browser=True) == 0
    # What the bucket holds names neither the address nor the user.
    area = BucketArea(s3_settings, "web/counts")
    listed = area.listing()
    assert listed
    for name, _ in listed:
        body = area.get(name)
        assert b"203.0.113.9" not in body and b"ops" not in body, body
