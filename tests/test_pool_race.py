"""Fifty processes at the Tim Penyusunan's draft (step 6, a pool: every member is asked, any
one may act), four members each, all pressing "Kirim" with their own draft at the same
moment: exactly one decision per task, one draft kept, and every other member is told
"already decided" (never a 503, never "waiting"). Real processes: the dev server, the worker
and uvicorn as subprocesses, SMTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from common.models import HistoryEvent, Team
from common.settings import Settings
from tests import samples
from tests.conftest import MailBox
from tests.persistent import Persistent
from tests.processes import worker_and_web
from tests.scenario import KASUBAG, STAF_LAIN, TIM_ANGGOTA, TIM_KETUA
from tests.support import free_port
from tests.web import Page, Web, form_parts

pytestmark = pytest.mark.devserver

PROCESSES = 50
# Four members: the two analysts, the Pranata Komputer and a Kasubbag of another unit.
TEAM = Team(members=[TIM_KETUA, TIM_ANGGOTA, STAF_LAIN, "p-011"], leader=TIM_KETUA)
AT_ONCE = 10  # processes walked to step 6 at a time


async def _to_the_draft(p: Persistent, gate: asyncio.Semaphore) -> None:
    async with gate:
        await p.start()
        await p.walk_to(5)
        await p.submit(KASUBAG, sk_tim="SK Tim Penyusunan", team=TEAM)


async def _pages(web: Web, p: Persistent, gate: asyncio.Semaphore) -> list[tuple[str, Page]]:
    async with gate:
        found = []
        for member in TEAM.members:
            link = await web.link(p.id, member, "s06-006", within=120)
            page = await web.open(link)
            assert page.status == 200, (member, page.status, page.text)
            found.append((link, page))
        return found


def _draft(workflow_id: str, member: str) -> dict[str, list[tuple[str, bytes, str]]]:
    data = samples.pdf(f"Draf IKU {workflow_id} oleh {member}")
    return {"draf_iku": [("Draf IKU.pdf", data, "application/pdf")]}


@pytest.mark.timeout(900)
async def test_fifty_teams_of_four_send_their_draft_at_once_and_one_per_process_is_kept(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    port = free_port()
    # Two hundred presses with uploads at once on a small shared machine can keep a winner
    # waiting past the default bound, and the answer would then honestly be "waiting"
    # (test_worker_away drills that); here the race's answers are the subject.
    ours = settings.model_copy(
        update={"public_base_url": f"http://127.0.0.1:{port}", "decision_wait_seconds": 120.0}
    )
    async with worker_and_web(dev_env.client, ours, tmp_path / "parts.log", port):
        processes = [Persistent(dev_env.client, ours) for _ in range(PROCESSES)]
        gate = asyncio.Semaphore(AT_ONCE)
        try:
            await asyncio.gather(*(_to_the_draft(p, gate) for p in processes))
            # A connection each: a kept-alive one uvicorn closes when idle would race a reuse.
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
            async with httpx.AsyncClient(timeout=300, limits=limits) as http:
                web = Web(http, ours, mail)
                opened = await asyncio.gather(*(_pages(web, p, gate) for p in processes))
                # Two hundred presses at the same moment.
                results = await asyncio.gather(
                    *(
                        web.post(link, form_parts(page, "submit", files=_draft(p.id, member)))
                        for p, pages in zip(processes, opened, strict=True)
                        for member, (link, page) in zip(TEAM.members, pages, strict=True)
                    )
                )
            for i, p in enumerate(processes):
                mine = results[i * 4 : i * 4 + 4]
                assert Counter(r.status for r in mine) == {200: 1, 409: 3}, [
                    (r.status, r.text[:300]) for r in mine
                ]
                for loser in (r for r in mine if r.status == 409):
                    assert "Sudah diputuskan" in loser.text, loser.text
                status = await p.status()
                decided = [
                    h
                    for h in status.history
                    if h.event is HistoryEvent.DECIDED and h.task_id == "s06-006"
                ]
                assert len(decided) == 1, decided
                drafts = [d for d in status.documents if d.kind == "draf_iku"]
                assert len(drafts) == 1 and drafts[0].by == decided[0].person
                assert status.step == 7
        finally:
            for p in processes:
                if hasattr(p, "handle"):
                    await p.handle.terminate("drill over")
