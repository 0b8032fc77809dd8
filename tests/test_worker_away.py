"""The worker killed while officials use their links: Temporal is up, the worker is away. A
task form's POST is answered within the bounded wait (IKU_DECISION_WAIT_SECONDS) with "your
decision is waiting", never "Temporal cannot be reached"; the decision is applied once when
a worker comes back, and the same form sent again is safe. Real processes: the dev server,
the worker as a subprocess (killed with SIGKILL), uvicorn, SMTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.core.gateway import RPC_TIMEOUT
from common.models import HistoryEvent
from common.settings import Settings
from tests import samples
from tests.bureau import api
from tests.conftest import MailBox
from tests.persistent import Persistent
from tests.processes import ChildProcess, WorkerProcess, polled, workers
from tests.scenario import KABAG, TIM_ANGGOTA, TIM_KETUA
from tests.support import eventually
from tests.web import Page, Web, form_parts, serve

pytestmark = pytest.mark.devserver

WAIT = 3.0  # IKU_DECISION_WAIT_SECONDS in these tests
# What the pages must never say while Temporal itself answers.
TEMPORAL_AWAY = "tidak dapat dihubungi"


def _address(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


@asynccontextmanager
async def _web_and_worker(
    settings: Settings, env: WorkflowEnvironment, mail: MailBox, log: Path
) -> AsyncIterator[tuple[Web, list[ChildProcess]]]:
    """The web layer (first: the worker's mails link to where it serves) and a worker
    process, polling, in a list to kill it from and start another into."""
    no_reuse = httpx.Limits(max_keepalive_connections=0)  # uvicorn closes idle ones itself
    async with serve(settings, env.client), httpx.AsyncClient(timeout=120, limits=no_reuse) as http:
        with workers() as ws:
            ws.append(WorkerProcess(settings, _address(env), log).start())
            await polled(env.client, settings.task_queue)
            yield Web(http, settings, mail), ws


def _decided(history: list, task_id: str) -> int:
    return sum(1 for h in history if h.event is HistoryEvent.DECIDED and h.task_id == task_id)


async def test_with_the_worker_killed_the_kabags_approval_waits_and_is_applied_once_it_is_back(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    ours = settings.model_copy(update={"decision_wait_seconds": WAIT})
    log = tmp_path / "worker.log"
    async with _web_and_worker(ours, dev_env, mail, log) as (web, ws):
        p = await Persistent(dev_env.client, ours).start()
        await p.walk_to(2)
        link = await web.link(p.id, KABAG)
        page = await web.open(link)
        assert page.status == 200, page.text
        ws[0].kill()

        form = form_parts(page, "approve", note="Setuju, teruskan kepada Karo.")
        started = time.monotonic()
        first = await web.post(link, form)
        took = time.monotonic() - started
        # Within the bounded wait (and one quick question to Temporal), not for as
        # long as the worker is away; a clear page, in Indonesian first.
        assert took < WAIT + 5, f"the POST took {took:.1f} s"
        assert first.status == 202, (first.status, first.text)
        assert "Keputusan Anda menunggu" in first.text
        assert "akan diterapkan" in first.text and "sekali lagi aman" in first.text
        assert TEMPORAL_AWAY not in first.text
        # Sending the same form again is safe: the same update, still waiting.
        again = await web.post(link, form)
        assert again.status == 202 and "Keputusan Anda menunggu" in again.text

        # Opening the link meanwhile: Temporal answers, the worker does not.
        started = time.monotonic()
        opened = await web.open(link)
        took = time.monotonic() - started
        assert opened.status == 503, (opened.status, opened.text)
        assert "worker" in opened.text and TEMPORAL_AWAY not in opened.text
        assert took < RPC_TIMEOUT.total_seconds() + 5
        # A script's request meanwhile is told how to get its answer: the same key again.
        async with api(web, "ops") as ops:
            taken = await ops.post(
                f"/api/processes/{p.id}/resend",
                json={"task_id": "s02-002"},
                headers={"Idempotency-Key": "kirim-ulang-saat-worker-pergi"},
            )
        assert taken.json()["code"] == "waiting", taken.text
        assert "same Idempotency-Key" in taken.json()["detail"]

        ws.append(WorkerProcess(ours, _address(dev_env), log).start())
        status = await p.until(lambda s: s.step == 3, within=120)
        assert _decided(status.history, "s02-002") == 1
        # The same form once more, now answered: the result of that one decision.
        answered = await web.post(link, form)
        assert answered.status == 200, (answered.status, answered.text)
        assert "Langkah 3 dari 16" in answered.text
        assert _decided((await p.status()).history, "s02-002") == 1
        await p.handle.terminate("test over")


async def test_a_team_member_pressing_while_the_worker_is_away_hears_already_decided_later(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    # Both members of the Tim Penyusunan are asked for the draft: the leader sends it, the
    # worker dies, the other member sends one too. Theirs waits; when the worker is back
    # the workflow refuses it, and the same form sent again says "already decided", with
    # who and when, never a 503.
    ours = settings.model_copy(update={"decision_wait_seconds": WAIT})
    log = tmp_path / "worker.log"
    async with _web_and_worker(ours, dev_env, mail, log) as (web, ws):
        p = await Persistent(dev_env.client, ours).start()
        await p.walk_to(6)
        leader, member = await web.link(p.id, TIM_KETUA), await web.link(p.id, TIM_ANGGOTA)
        leader_page, member_page = await web.open(leader), await web.open(member)
        assert leader_page.status == member_page.status == 200, member_page.text
        won = await web.post(leader, form_parts(leader_page, "submit", files=_draft("A")))
        assert won.status == 200, won.text
        ws[0].kill()

        form = form_parts(member_page, "submit", files=_draft("B"))
        started = time.monotonic()
        waiting = await web.post(member, form)
        took = time.monotonic() - started
        assert waiting.status == 202, (waiting.status, waiting.text)
        assert TEMPORAL_AWAY not in waiting.text
        # The status asked first (the form has files) and the update: each bounded.
        assert took < 2 * WAIT + 5, f"the POST took {took:.1f} s"

        ws.append(WorkerProcess(ours, _address(dev_env), log).start())
        await polled(dev_env.client, ours.task_queue)
        # As the member would: the same form again until it is no longer waiting.
        lost = await eventually(lambda: _answered(web, member, form), within=120)
        assert lost.status == 409, (lost.status, lost.text)
        assert "Sudah diputuskan" in lost.text and "Diputuskan oleh Yusuf Maulana" in lost.text
        status = await p.status()
        assert _decided(status.history, "s06-006") == 1
        drafts = [d for d in status.documents if d.kind == "draf_iku"]
        assert len(drafts) == 1 and drafts[0].task_id == "s06-006"
        await p.handle.terminate("test over")


async def _answered(web: Web, link: str, form: list) -> Page:
    page = await web.post(link, form)
    assert page.status != 202, "the decision still waits"
    return page


def _draft(text: str) -> dict[str, list[tuple[str, bytes, str]]]:
    return {"draf_iku": [(f"Draf {text}.pdf", samples.pdf(f"Draf IKU {text}"), "application/pdf")]}
