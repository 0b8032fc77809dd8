"""The web process killed with SIGKILL while task forms are being posted, and started again;
the officials send the same forms again (a reload, the back button): each decision is
applied exactly once, and every form sent again gets its answer. Half the forms are
answered before the kill, half are cut off in flight. Real processes: the dev
server, the worker and uvicorn as subprocesses, SMTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from common.models import HistoryEvent
from common.settings import Settings
from tests.conftest import MailBox
from tests.persistent import Persistent
from tests.processes import WebProcess, worker_and_web
from tests.scenario import KABAG
from tests.support import free_port
from tests.web import Web, form_parts

pytestmark = pytest.mark.devserver

PROCESSES = 12


@pytest.mark.timeout(600)
async def test_the_web_killed_mid_posts_and_restarted_each_kabag_decision_applies_once(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    port = free_port()
    ours = settings.model_copy(update={"public_base_url": f"http://127.0.0.1:{port}"})
    log = tmp_path / "parts.log"
    async with worker_and_web(dev_env.client, ours, log, port) as (parts, web_process):
        processes = [Persistent(dev_env.client, ours) for _ in range(PROCESSES)]
        await asyncio.gather(*(p.start() for p in processes))
        try:
            await asyncio.gather(*(p.walk_to(2) for p in processes))
            # A connection each: a kept-alive one uvicorn closes when idle would race a reuse.
            no_reuse = httpx.Limits(max_keepalive_connections=0)
            async with httpx.AsyncClient(timeout=120, limits=no_reuse) as http:
                web = Web(http, ours, mail)
                links = [await web.link(p.id, KABAG) for p in processes]
                pages = [await web.open(link) for link in links]
                assert all(page.status == 200 for page in pages), pages[0].text
                forms = [
                    form_parts(page, "approve", note=f"Setuju ({i}).")
                    for i, page in enumerate(pages)
                ]

                # Half the Kabags press and are answered. The worker then stalls, so the
                # other half's decisions are surely still in flight when the web process
                # dies (with a quick worker they were all answered within one moment).
                half = PROCESSES // 2
                first = zip(links[:half], forms[:half], strict=True)
                answered = await asyncio.gather(*(web.post(link, form) for link, form in first))
                assert all(page.status == 200 for page in answered), [p.text for p in answered]
                worker = parts[0]
                worker.pause()
                posts = [
                    asyncio.create_task(web.post(link, form))
                    for link, form in zip(links[half:], forms[half:], strict=True)
                ]
                # Well within the web layer's wait for a decision (15 s): none can be answered.
                done, _ = await asyncio.wait(posts, timeout=2)
                assert not done, [task.result() for task in done]
                web_process.kill()
                worker.resume()
                cut = await asyncio.gather(*posts, return_exceptions=True)
                assert all(isinstance(o, httpx.HTTPError) for o in cut), cut

                # Started again; every Kabag sends the same form again.
                address = dev_env.client.service_client.config.target_host
                web_process = WebProcess(ours, address, log, port).start()
                parts.append(web_process)
                await web_process.ready()
                again = await asyncio.gather(
                    *(web.post(link, form) for link, form in zip(links, forms, strict=True))
                )
            for page in again:
                assert page.status == 200, (page.status, page.text)
                assert "Disetujui" in page.text and "Langkah 3 dari 16" in page.text
            for p in processes:
                status = await p.status()
                decided = [
                    h
                    for h in status.history
                    if h.event is HistoryEvent.DECIDED and h.task_id == "s02-002"
                ]
                assert len(decided) == 1, decided
                assert status.step == 3
        finally:
            for p in processes:
                await p.handle.terminate("drill over")
