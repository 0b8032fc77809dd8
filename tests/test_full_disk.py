"""The disk under the documents fills up (a small file system of the test's own): the
health probe says there is no room before anyone meets it; an official's upload, and ops'
through the API, are told to try again (503), with nothing half-stored and no decision
sent; once room is made, the same form goes through."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from common.settings import Settings
from tests import samples
from tests.bureau import token
from tests.conftest import MailBox, end_left_running
from tests.scenario import KASUBAG, Scenario
from tests.support import files_under
from tests.web import Web, serve
from worker import build_worker

pytestmark = pytest.mark.devserver

DISK = 1024 * 1024
UPLOAD_LIMIT = 512 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
# A TOR of about 200 KB: more than a full disk has left, well within the upload limit.
TOR = samples.pdf("\n".join(f"Kerangka acuan kerja, baris {n}" for n in range(6000)))


@pytest.fixture
def small_disk(settings: Settings) -> Iterator[Path]:
    """The documents folder on a file system of 1 MiB (tmpfs), unmounted afterwards."""
    where = settings.documents_dir
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a file system of the test's own needs mount: {mounted.stderr.strip()}")
    settings.max_upload_bytes = UPLOAD_LIMIT
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Leave about 64 KiB free."""
    filler = disk / "filler"
    filler.write_bytes(b"\0" * (DISK - 64 * 1024))
    return filler


async def documents_health(http: httpx.AsyncClient, base: str) -> tuple[int, dict[str, object]]:
    answer = await http.get(f"{base}/healthz")
    return answer.status_code, answer.json()["checks"]["documents"]


async def test_the_kasubbag_uploads_onto_a_full_disk_is_told_to_try_again_and_can_once_room_is_made(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, small_disk: Path
) -> None:
    files = {
        "konsep_rencana_kerja": [("Konsep Rencana Kerja.docx", samples.docx("Konsep"), DOCX)],
        "tor": [("TOR IKU 2027.pdf", TOR, PDF)],
    }
    assert 64 * 1024 < len(TOR) < UPLOAD_LIMIT
    async with (
        build_worker(dev_env.client, settings),
        serve(settings, dev_env.client) as base,
        httpx.AsyncClient(timeout=60) as http,
    ):
        settings.public_base_url = base
        web = Web(http, settings, mail)
        try:
            p = await Scenario(dev_env.client, settings=settings).start()
            link = await web.link(p.id, KASUBAG)
            page = await web.open(link)
            assert page.status == 200, page.text
            assert await documents_health(http, base) == (200, {"ok": True, "store": "local"})

            filler = fill(small_disk)
            assert await documents_health(http, base) == (
                503,
                {"ok": False, "store": "local", "error": "no room"},
            )
            refused = await web.submit(link, page, "submit", files=files)
            assert refused.status == 503, refused.text
            assert "Penyimpanan dokumen tidak dapat dihubungi" in refused.text
            assert "tidak ada yang disimpan" in refused.text
            assert refused.response.headers["retry-after"] == "10"
            status = await p.status()
            assert status.task is not None and status.task.step == 1 and status.documents == []
            assert files_under(small_disk) == [filler]  # no spool, nothing half-stored

            filler.unlink()  # ops make room
            assert (await documents_health(http, base))[0] == 200
            accepted = await web.submit(link, page, "submit", files=files)
            assert accepted.status == 200, accepted.text
            status = await p.status()
            assert status.task is not None and status.task.step == 2
            assert {d.kind for d in status.documents} == {"konsep_rencana_kerja", "tor"}
        finally:
            await end_left_running(dev_env.client, settings.task_queue, listed=True)


async def test_ops_storing_a_document_onto_a_full_disk_get_a_503_and_can_retry(
    settings: Settings, small_disk: Path
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)),
        base_url=settings.public_base_url,
        headers={"Authorization": f"Bearer {token(settings, 'ops')}"},
        timeout=30,
    ) as ops:

        async def store() -> httpx.Response:
            return await ops.post(
                "/api/documents",
                params={"name": "TOR.pdf"},
                content=TOR,
                headers={"Content-Type": "application/octet-stream"},
            )

        filler = fill(small_disk)
        refused = await store()
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "store_unavailable"
        assert refused.headers["retry-after"] == "10"
        assert files_under(small_disk) == [filler]

        filler.unlink()
        stored = await store()
        assert stored.status_code == 201, stored.text
        assert stored.json()["size"] == len(TOR)
