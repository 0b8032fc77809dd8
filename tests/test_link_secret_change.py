"""Changing the link secret (README, "Changing a secret"): planned, with the old one still
accepted for the links already mailed; after a leak, replaced outright, and every open task
mailed a new link by ``iku links resend``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from temporalio.testing import WorkflowEnvironment

from common.directory import load_directory
from common.links import LinkInvalid, LinkSigner
from common.models import HistoryEvent
from common.settings import Settings
from tests.conftest import MailBox, serving
from tests.scenario import KABAG, KASUBAG, Scenario
from tests.support import eventually
from tests.web import Page, link_in, serve, token_of
from worker import build_worker

pytestmark = pytest.mark.devserver

OLD = "old-link-secret-7Hq2vK9xLmR4tW8zN3pB6cF1dJ5sG0yA"
NEW = "new-link-secret-Xe4Rj8Tn2Wq6Lm0Zb5Kc9Vh3Pf7Gs1Da"
IKU = Path(sys.executable).parent / "iku"


def task_mails(mail: MailBox, settings: Settings, wid: str, task_id: str, person: str) -> list[str]:
    """The links of every mail of that task to that person, oldest first."""
    found = load_directory(Path(settings.directory_file)).person(person)
    assert found is not None and found.email
    return [
        link_in(m)
        for m in mail.for_process(wid, "task")
        if m["X-IKU-Task-Id"] == task_id and found.email.lower() in str(m["X-Envelope-To"]).lower()
    ]


async def mailed(
    mail: MailBox, settings: Settings, wid: str, task_id: str, person: str, after: int = 0
) -> str:
    """The first link mailed for the task to the person past the first ``after``."""

    def arrived() -> str:
        links = task_mails(mail, settings, wid, task_id, person)
        assert len(links) > after, f"{len(links)} mails of {task_id} to {person}"
        return links[after]

    return await eventually(arrived)


def reads(secret: str, link: str) -> bool:
    try:
        LinkSigner(secret).read(token_of(link))
    except LinkInvalid:
        return False
    return True


async def test_a_planned_change_keeps_the_links_already_mailed_working_until_the_old_is_dropped(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox
):
    old = settings.model_copy(update={"link_secret": SecretStr(OLD)})
    async with serving(dev_env, old, listed=True):
        p = await Scenario(dev_env.client, old).start()
        await p.walk_to(2)
        task = await p.task()
        link = await mailed(mail, old, p.id, task.id, KABAG)
        token = token_of(link)
        # The web layer has the new secret, and the old one among those still accepted.
        changing = old.model_copy(
            update={"link_secret": SecretStr(NEW), "link_secret_previous": [SecretStr(OLD)]}
        )
        async with serve(changing, dev_env.client) as base, httpx.AsyncClient() as http:
            page = Page.of(await http.get(f"{base}/t/{token}"))
            assert page.status == 200 and "Langkah 2 dari 16" in page.text
        # Once the old one is dropped, the same link is unknown.
        changed = changing.model_copy(update={"link_secret_previous": []})
        async with serve(changed, dev_env.client) as base, httpx.AsyncClient() as http:
            page = Page.of(await http.get(f"{base}/t/{token}"))
            assert page.status == 404 and "Tautan tidak dikenal" in page.text


async def test_after_a_leak_ops_replace_the_secret_and_every_open_task_gets_a_new_link(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
):
    # Every kind of character a task queue may hold, as the command's query must name it.
    queue = f"{settings.task_queue}-biro/perencanaan:2027.ú_1"
    assert Settings(data_dir=tmp_path, task_queue=queue).task_queue == queue  # a valid one
    settings = settings.model_copy(update={"task_queue": queue})
    old = settings.model_copy(update={"link_secret": SecretStr(OLD)})

    async with build_worker(dev_env.client, old):
        at_1 = await Scenario(dev_env.client, old).start()
        at_2 = await Scenario(dev_env.client, old).start()
        await at_2.walk_to(2)
        waiting = {at_1.id: ((await at_1.task()).id, KASUBAG)}
        waiting[at_2.id] = ((await at_2.task()).id, KABAG)
        for wid, (task_id, person) in waiting.items():
            await mailed(mail, old, wid, task_id, person)
    before = {wid: task_mails(mail, old, wid, *waiting[wid]) for wid in waiting}
    # The worker (which signs links) and the web layer now run with the new secret only.
    new = settings.model_copy(update={"link_secret": SecretStr(NEW)})
    async with serving(dev_env, new, listed=True):
        environ = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
        environ |= {
            "IKU_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "IKU_TASK_QUEUE": new.task_queue,
            "IKU_DATA_DIR": str(tmp_path / "ops"),
        }
        done = await asyncio.to_thread(
            subprocess.run,
            [str(IKU), "links", "resend"],
            env=environ,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "running processes: 2; open tasks resent: 2; failed: 0" in done.stderr
        for wid, (task_id, person) in waiting.items():
            assert f"{wid} {task_id}" in done.stdout
            link = await mailed(mail, old, wid, task_id, person, after=len(before[wid]))
            assert reads(NEW, link) and not reads(OLD, link)
            assert not any(reads(NEW, earlier) for earlier in before[wid])
            status = await Scenario.attach(dev_env.client, new, wid).status()
            resent = [h for h in status.history if h.event is HistoryEvent.RESENT]
            assert [h.person for h in resent] == ["ops"]


def test_a_weak_previous_link_secret_is_refused_when_anything_starts(tmp_path: Path):
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, link_secret_previous=[OLD, "changeme"])
    assert "IKU_LINK_SECRET_PREVIOUS (number 2) is too weak" in str(caught.value)
    assert "changeme" not in str(caught.value)
