"""The mail relay down for a while: every mail is tried again with a growing back-off, the
bureau's process page lists what waits (kind, step, since when, tries), and once the relay
is back the task mail, the reminder and the escalation that fell due meanwhile all go, each
once and under one Message-ID. Real processes: the dev server, the worker as a subprocess, a
real SMTP server (aiosmtpd) stopped and started on its port, uvicorn for the page."""

from __future__ import annotations

from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from common.models import HistoryEvent
from common.settings import Settings
from tests.bureau import signed_in
from tests.conftest import MailBox
from tests.persistent import Persistent
from tests.processes import WorkerProcess, polled, workers
from tests.support import eventually, free_port, short_deadlines
from tests.web import Web, serve

pytestmark = pytest.mark.devserver

# The Kabag's review is due this long after it starts; the reminder falls due half way.
STANDARD_MINUTES = 0.5


class Relay:
    """A real SMTP server on a fixed port that can go down (the port refuses connections)
    and come back; it keeps every message it took."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)  # type: ignore[attr-defined]
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def up(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def of(self, workflow_id: str, kind: str) -> list[EmailMessage]:
        return [
            m
            for m in self.messages
            if m["X-IKU-Workflow-Id"] == workflow_id and m["X-IKU-Kind"] == kind
        ]


def _short_deadline(settings: Settings, tmp_path: Path, relay: Relay) -> Settings:
    """The Kabag's review due in STANDARD_MINUTES (reminder half way, one escalation); mail
    to ``relay``, tried again after 1, 2, 4, 8, 10, 10 … seconds (12 tries cover the
    outage)."""
    return short_deadlines(settings, tmp_path, step=2, minutes=STANDARD_MINUTES).model_copy(
        update={
            "smtp_port": relay.port,
            "mail_retry_first_seconds": 1.0,
            "mail_retry_max_seconds": 10.0,
        }
    )


@pytest.mark.timeout(600)
async def test_the_relay_down_through_the_kabags_deadline_then_back_every_mail_goes_once(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    relay = Relay()
    relay.up()
    ours = _short_deadline(settings, tmp_path, relay)
    address = dev_env.client.service_client.config.target_host
    async with serve(ours, dev_env.client), httpx.AsyncClient(timeout=60) as http:
        web = Web(http, ours, MailBox())
        with workers() as ws:
            ws.append(WorkerProcess(ours, address, tmp_path / "worker.log").start())
            await polled(dev_env.client, ours.task_queue)
            p = await Persistent(dev_env.client, ours).start()
            try:
                await eventually(lambda: _one(relay.of(p.id, "task")), within=60)
                relay.down()
                await p.do_step()  # the Kasubag submits: the Kabag's review starts
                task = await p.task()
                assert task.step == 2 and task.deadline is not None

                async with signed_in(web, "bureau") as biro:

                    async def listed(*kinds: str) -> str:
                        page = await biro.page(f"/proses/{p.id}")
                        assert page.status == 200, page.text
                        assert "Email belum terkirim" in page.text, "nothing listed as waiting"
                        listing = page.text.split("Email belum terkirim", 1)[1]
                        listing = listing.split("Pengingat dan eskalasi", 1)[0]
                        for kind in kinds:
                            assert kind in listing, f"{kind} not listed: {listing}"
                        return listing

                    # The Kabag's task mail waits, tried again and again meanwhile.
                    await eventually(
                        lambda: listed("Tugas · langkah 2", "menunggu sejak", "gagal"), within=60
                    )
                    # The deadline passes with the relay still down: reminder and
                    # escalation queue behind the task mail, listed too.
                    await eventually(
                        lambda: listed("Tugas", "Pengingat", "Eskalasi"),
                        within=STANDARD_MINUTES * 60 + 60,
                    )
                    sending = await _pending_send(p)
                    # A back-off, not a hammering: 1, 2, 4, 8, 10 … seconds between tries.
                    assert 4 <= sending.attempt <= 11, sending.attempt
                    assert not relay.of(p.id, "task")[1:]  # only step 1's mail went

                    relay.up()
                    await eventually(
                        lambda: _one(relay.of(p.id, "escalation")), within=60, interval=0.5
                    )
                    await eventually(lambda: _nothing_listed(biro, p.id), within=30)

                history = (await p.status()).history
                events = Counter(h.event for h in history)
                assert events[HistoryEvent.REMINDER] == 1
                assert events[HistoryEvent.ESCALATION] == 1
                assert events[HistoryEvent.NOTIFY_FAILED] == 0
                # Every mail once, under one Message-ID per mail and recipient.
                mails = [m for m in relay.messages if m["X-IKU-Workflow-Id"] == p.id]
                ids = Counter(m["Message-ID"] for m in mails)
                assert all(n == 1 for n in ids.values()), ids
                sent = Counter(
                    (m["X-IKU-Kind"], m["X-IKU-Task-Id"], m["X-Envelope-To"]) for m in mails
                )
                assert all(n == 1 for n in sent.values()), sent
                assert {(k, t) for k, t, _ in sent} == {
                    ("task", "s01-001"),
                    ("task", "s02-002"),
                    ("reminder", "s02-002"),
                    ("escalation", "s02-002"),
                }
            finally:
                relay.down()
                await p.handle.terminate("drill over")


def _one(messages: list[EmailMessage]) -> EmailMessage:
    assert messages, "not delivered yet"
    return messages[0]


async def _pending_send(p: Persistent):  # type: ignore[no-untyped-def]
    raw = (await p.handle.describe()).raw_description
    sends = [a for a in raw.pending_activities if a.activity_type.name == "send_notification"]
    assert sends, "no mail is being sent"
    return sends[0]


async def _nothing_listed(biro, workflow_id: str) -> None:  # type: ignore[no-untyped-def]
    page = await biro.page(f"/proses/{workflow_id}")
    assert page.status == 200 and "Email belum terkirim" not in page.text
