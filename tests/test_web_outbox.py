"""The outbox of the local run: every mail the local sink kept, newest first, behind the ops
credential and only on this machine, so a newcomer can walk a process from one browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.mailsink import MailSink
from tests import samples
from tests.scenario import Scenario
from tests.web import Page, Web, form_parts, serve

pytestmark = pytest.mark.devserver


@pytest.fixture
async def web(dev_env, dev_worker, settings, mail) -> AsyncIterator[Web]:
    """The worker's mail goes to the local run's sink (files in mail_dir), not to aiosmtpd."""
    async with MailSink(settings.mail_dir, port=0) as sink:
        settings.smtp_port = sink.port
        settings.outbox_enabled = True
        async with serve(settings, dev_env.client), httpx.AsyncClient(timeout=60) as http:
            yield Web(http, settings, mail)


def ops(web: Web) -> httpx.BasicAuth:
    return httpx.BasicAuth(web.settings.ops_identities[0], web.settings.ops_password_value())


async def outbox(web: Web) -> Page:
    return Page.of(await web.http.get(f"{web.settings.public_base_url}/outbox", auth=ops(web)))


async def test_the_outbox_asks_for_the_ops_credential(web: Web):
    url = f"{web.settings.public_base_url}/outbox"
    bare = await web.http.get(url)
    assert bare.status_code == 401
    assert bare.headers["www-authenticate"].startswith('Basic realm="IKU outbox"')
    user = web.settings.ops_identities[0]
    for auth in (
        httpx.BasicAuth(user, "salah"),
        httpx.BasicAuth("kabag", web.settings.ops_password_value()),
    ):
        assert (await web.http.get(url, auth=auth)).status_code == 401
    assert (await web.http.get(url, auth=ops(web))).status_code == 200


async def test_the_outbox_refuses_a_browser_on_another_machine(web: Web):
    # As a reverse proxy on this machine would forward it, trusted to name the real client,
    # which is then not local.
    web.settings.trusted_proxies = ["127.0.0.1"]
    response = await web.http.get(
        f"{web.settings.public_base_url}/outbox",
        auth=ops(web),
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert response.status_code == 403


async def test_the_outbox_is_off_unless_the_local_run_turns_it_on(web: Web):
    web.settings.outbox_enabled = False
    response = await web.http.get(f"{web.settings.public_base_url}/outbox", auth=ops(web))
    assert response.status_code == 404


async def test_a_newcomer_walks_the_first_steps_from_the_outbox(dev_env, web: Web):
    p = await Scenario(dev_env.client, web.settings).start()
    base = web.settings.public_base_url

    # The Kasubag's mail is in the outbox, with a link that opens the task page.
    page = await wait_for_links(web, 1)
    link = next(u for u in page.links if "/t/" in u)
    # A mail's kind by its name, as the bureau says it, not its code.
    assert "Jenis: Tugas" in page.text and "Jenis: task" not in page.text
    task = await web.open(link)
    assert task.status == 200 and "Langkah 1 dari 16" in task.text
    done = await web.post(
        link,
        form_parts(
            task,
            "submit",
            files={
                "tor": [("TOR.pdf", samples.pdf("TOR"), "application/pdf")],
                "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), "application/pdf")],
            },
        ),
    )
    assert done.status == 200

    # Newest first: the Kabag's mail now leads, and its link opens step 2.
    page = await wait_for_links(web, 2)
    messages = [u for u in page.links if u.startswith("outbox/")]
    task_links = [u for u in page.links if "/t/" in u]
    assert len(messages) == 2 and task_links[0] != link and task_links[1] == link
    assert "Langkah 2 dari 16" in (await web.open(task_links[0])).text
    assert page.text.index("langkah 2") < page.text.index("langkah 1")

    # A message's own page shows its text body, links clickable.
    message = Page.of(await web.http.get(f"{base}/{messages[0]}", auth=ops(web)))
    assert message.status == 200 and task_links[0] in message.links
    assert "Yth. Ahmad Fauzi" in message.text and "Mohon tidak membalas" in message.text
    for bad in ("../../etc/passwd", "x.eml", "..%2f..%2fetc%2fpasswd"):
        got = await web.http.get(f"{base}/outbox/{bad}", auth=ops(web))
        assert got.status_code == 404, bad
    assert (await p.status()).step == 2


async def wait_for_links(web: Web, count: int, tries: int = 200) -> Page:
    """The outbox once it lists ``count`` task mails (the worker sends them just after)."""
    for _ in range(tries):
        page = await outbox(web)
        assert page.status == 200
        if len([u for u in page.links if "/t/" in u]) >= count:
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox never listed {count} task links")
