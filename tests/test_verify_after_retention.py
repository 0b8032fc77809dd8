"""The QR code on the Minister's signature stamp still opens a page saying SAH years later.

Temporal forgets a finished process after the namespace's retention (1830 days by default),
or sooner when ops delete it; the archive bag is kept for good. The public verification page
``/v/<code>`` (its HTML, its JSON and the check of an uploaded copy) reads an archived
process from its bag, the same page it showed from the process record, with no worker and
no workflow left. On the local archive folder and on a real S3 server alike.

The store's part (finding a process's bags by name, reading one file of a bag) is held to
the same contract on both backends at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import obstore
import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.tasks.signing import remember_code, verification_code
from api.verify.routes import VERIFY_CA
from common.archives import ArchiveChanged, ArchiveStore, LocalArchiveStore, open_archive_store
from common.directory import load_directory
from common.settings import Settings
from tests import samples
from tests.conftest import on_s3, serving
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario
from tests.support import eventually, free_port
from tests.test_store_contract import make_bag, removed
from tests.web import SAME_ORIGIN, serve

SAH = "SAH: semua tanda tangan utuh dan terpercaya"
SAME = "Berkas ini sama persis dengan dokumen yang tercatat."


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "s3":
        return on_s3(settings, request.getfixturevalue("s3_server"))
    return settings


async def forget(client: Client, workflow_id: str) -> None:
    """What retention does to a finished process: Temporal no longer knows it."""
    await client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=workflow_id),
        )
    )

    async def gone() -> None:
        try:
            await client.get_workflow_handle(workflow_id).describe()
        except RPCError as err:
            assert err.status == RPCStatusCode.NOT_FOUND, err
            return
        raise AssertionError(f"{workflow_id} is still known")

    await eventually(gone, within=120, interval=0.5)


def name_of(settings: Settings, person: str) -> str:
    found = load_directory(settings.directory_file).person(person)
    assert found is not None
    return found.name


def without_nonces(html: str) -> str:
    """The page, less what is new on every response (the script nonce)."""
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


@pytest.mark.devserver
async def test_the_stamp_s_qr_code_still_verifies_once_temporal_has_forgotten_the_process(
    dev_env: WorkflowEnvironment, backend: Settings
) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        async with serving(dev_env, backend), serve(backend, dev_env.client) as base:
            p = await Scenario(dev_env.client, backend).start()
            # The Kabag, the Karo and the Sekjen initial it, the Minister signs (8-11).
            await p.walk_to(12)
            code = verification_code(backend, p.id)
            status = await p.until(lambda s: s.official_number is not None)
            assert status.official_number is not None
            number = status.official_number.number
            iku = [d for d in status.documents if d.kind == "iku"][-1]
            paraf = [d for d in status.documents if d.kind == "draf_iku"][-1]
            with p.store.open(iku.ref) as handle:
                signed = handle.read()
            with p.store.open(paraf.ref) as handle:
                draft = handle.read()

            # While the process runs, the page reads its record in Temporal.
            before = await http.get(f"{base}/v/{code}")
            assert before.status_code == 200 and SAH in before.text, before.text
            before_json = (await http.get(f"{base}/v/{code}/json")).json()

            # Steps 12-16; the archive bag is built and kept.
            await p.walk_to_end()
            await p.result()
            archived = await p.status()
            assert archived.archive is not None
            bag = archived.archive.bag_name
        # The worker is gone, and so is the process: retention ran out, or ops deleted it.
        await forget(dev_env.client, p.id)
        assert open_archive_store(backend).complete(bag)

        async with serve(backend, dev_env.client) as base:
            page = await http.get(f"{base}/v/{code}")
            assert page.status_code == 200, page.text
            assert SAH in page.text
            for person in (KABAG, KARO, SEKJEN, MENTERI):
                assert name_of(backend, person) in page.text
            assert f'<strong id="official-number">{number}</strong>' in page.text
            assert p.id not in page.text and bag not in page.text  # nothing of the process
            # The same page as the process record gave (validated as of the same moment).
            assert without_nonces(page.text) == without_nonces(before.text)

            as_json = (await http.get(f"{base}/v/{code}/json")).json()
            assert as_json == before_json
            assert as_json["official_number"] == number and as_json["valid"] is True
            assert len(as_json["signatures"]) == 4

            # A copy of the signed IKU compares with the one in the bag ...
            checked = await http.post(
                f"{base}/v/{code}",
                files={"pdf": ("iku.pdf", signed, "application/pdf")},
                headers=SAME_ORIGIN,
            )
            assert checked.status_code == 200, checked.text
            assert SAME in checked.text and f'id="official-number">{number}<' in checked.text
            # ... a copy of a draft is named as the version on record ...
            checked = await http.post(
                f"{base}/v/{code}",
                files={"pdf": ("draf.pdf", draft, "application/pdf")},
                headers=SAME_ORIGIN,
            )
            assert checked.status_code == 200, checked.text
            assert f"draf IKU versi {paraf.version} yang tercatat" in checked.text
            # ... and another PDF is not the document on record.
            other = await http.post(
                f"{base}/v/{code}",
                files={"pdf": ("lain.pdf", samples.pdf("Bukan IKU"), "application/pdf")},
                headers=SAME_ORIGIN,
            )
            assert other.status_code == 200 and SAME not in other.text

            # A code no process was given is still unknown.
            unknown = await http.get(f"{base}/v/{code[:-2]}zz")
            assert unknown.status_code == 404 and "tidak dikenal" in unknown.text

            # The bag's CA and CRL were written out once, for every check above.
            kept = list((backend.data_dir / VERIFY_CA).iterdir())
            assert len(kept) == 1 and (kept[0] / "ca" / "crl.pem").is_file(), kept


# --- the store's part, on both backends --------------------------------------------------

PROCESS = "iku-2027-kemnaker"
FIRST = f"{PROCESS}--9a000000-0000-4000-8000-000000000001"
SECOND = f"{PROCESS}--1b000000-0000-4000-8000-000000000002"


@pytest.fixture
def archives(backend: Settings) -> ArchiveStore:
    return open_archive_store(backend)


def publish(archives: ArchiveStore, name: str, text: str) -> None:
    with removed(make_bag(archives, text)) as folder:
        archives.publish(folder, name)


def put_file(archives: ArchiveStore, name: str, path: str, data: bytes) -> None:
    if isinstance(archives, LocalArchiveStore):
        (archives.root / name / path).write_bytes(data)
    else:
        key = f"{archives.root}{name}/{path}"  # type: ignore[attr-defined]
        obstore.put(archives.client, key, data)  # type: ignore[attr-defined]


@pytest.fixture
def neighbours(archives: ArchiveStore) -> Iterator[None]:
    """Bags of other processes whose names begin like the process's, listed around it."""
    publish(archives, f"{PROCESS}-2--9a000000-0000-4000-8000-000000000003", "lain")
    publish(archives, f"{PROCESS}--x--9a000000-0000-4000-8000-000000000004", "lain")
    publish(archives, "iku-2026-kemnaker--9a000000-0000-4000-8000-000000000005", "lain")
    yield


@pytest.mark.usefixtures("neighbours")
def test_a_process_s_archives_are_found_by_its_id_oldest_first(archives):
    assert archives.names_of(PROCESS) == []
    publish(archives, FIRST, "pertama")
    publish(archives, SECOND, "kedua")  # built later, though its name sorts first

    assert archives.names_of(PROCESS) == [FIRST, SECOND]
    assert archives.names_of("iku-2027") == []
    assert archives.names_of("../etc") == []
    # Never an archive being written: on S3 a prefix without its marker.
    if not isinstance(archives, LocalArchiveStore):
        put_file(archives, f"{PROCESS}--0c000000-0000-4000-8000-000000000006", "bagit.txt", b"x")
        assert archives.names_of(PROCESS) == [FIRST, SECOND]


def test_one_file_of_an_archive_is_read_and_checked_against_the_bag(archives):
    publish(archives, FIRST, "versi final")

    assert archives.read(FIRST, "data/dokumen/draf.pdf") == samples.pdf("versi final")
    assert archives.read(FIRST, "data/riwayat.json") == b'["versi final"]\n'
    for absent in ("data/dokumen/lain.pdf", "../bagit.txt", "/etc/passwd"):
        with pytest.raises(FileNotFoundError):
            archives.read(FIRST, absent)
    with pytest.raises(FileNotFoundError):
        archives.read(SECOND, "data/riwayat.json")
    # Bytes that changed in place are never handed over as the bag's.
    put_file(archives, FIRST, "data/riwayat.json", b'["diubah"]\n')
    with pytest.raises(ArchiveChanged):
        archives.read(FIRST, "data/riwayat.json")


async def test_a_damaged_archive_never_makes_the_public_page_an_error(
    archives: ArchiveStore, backend: Settings
):
    """A bag whose files no longer read (its bag-info cut short, its marker overwritten):
    the page asks the process record instead, which here cannot be reached, and says so
    with a 503, never a server error."""
    publish(archives, FIRST, "pertama")
    if isinstance(archives, LocalArchiveStore):
        (archives.root / FIRST / "bag-info.txt").write_text("Bagging-Date: 2027-01-01\n")
    else:
        put_file(archives, FIRST, ".complete", b"bukan json")
    code = verification_code(backend, PROCESS)
    remember_code(backend, code, PROCESS)
    backend.temporal_address = f"127.0.0.1:{free_port()}"  # nothing listens there
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(backend)),
        base_url=backend.public_base_url,
        timeout=30,
    ) as http:
        for path in (f"/v/{code}", f"/v/{code}/json"):
            answer = await http.get(path)
            assert answer.status_code == 503, (path, answer.text)
