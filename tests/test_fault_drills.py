"""Fault drills on the dev server with the worker as a real process: it is killed with
SIGKILL in the middle of a step and started again, and nothing is lost or sent twice under
different Message-IDs."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from common.settings import Settings
from tests.processes import WorkerProcess, polled, workers
from tests.scenario import Scenario
from tests.support import eventually, smtp_server

pytestmark = pytest.mark.devserver

# The mail activity's start-to-close timeout: without a heartbeat timeout a worker killed
# mid-send delays the mail by this much (and the retry's back-off).
START_TO_CLOSE = 120


class StallingRelay:
    """An SMTP relay that holds the first message in DATA (as a slow relay would while the
    worker dies), then accepts every message."""

    def __init__(self) -> None:
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.first_message_id: str | None = None
        self.accepted: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        if not self.stalled.is_set():
            self.first_message_id = message["Message-ID"]
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 300)
            return "451 4.3.0 try again later"
        self.accepted.append(message)  # type: ignore[arg-type]
        return "250 OK"


def _address(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


async def test_a_worker_killed_while_sending_the_kasubbags_mail_sends_it_soon_after_restart(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    relay = StallingRelay()
    with smtp_server(relay) as port, workers() as ws:
        ours = settings.model_copy(update={"smtp_port": port})
        ws.append(WorkerProcess(ours, _address(dev_env), tmp_path / "worker.log").start())
        await polled(dev_env.client, ours.task_queue)
        p = await Scenario(dev_env.client, ours).start()
        try:
            assert await asyncio.to_thread(relay.stalled.wait, 60), "no mail reached the relay"
            ws[0].kill()
            killed = time.monotonic()
            ws.append(WorkerProcess(ours, _address(dev_env), tmp_path / "worker.log").start())

            def delivered() -> EmailMessage:
                assert relay.accepted, "the Kasubbag's mail has not been delivered again yet"
                return relay.accepted[0]

            message = await eventually(delivered, within=START_TO_CLOSE + 60, interval=0.5)
            waited = time.monotonic() - killed
        finally:
            relay.release.set()
            await p.handle.terminate("test over")
    # The retry sent the same message: same Message-ID, so a receiver can drop a duplicate.
    assert message["Message-ID"] == relay.first_message_id
    assert message["X-IKU-Task-Id"] == "s01-001"
    # Noticed within the heartbeat timeout (20 s) plus the retry's back-off (10 s), not
    # after the activity's whole start-to-close timeout.
    assert waited < START_TO_CLOSE / 2, f"the mail waited {waited:.0f} s after the crash"
