"""Fault drills on the dev server with the worker as a real process: it is killed with
SIGKILL in the middle of a step and started again, and nothing is lost or sent twice under
different Message-IDs."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from common.converter import data_converter
from common.models import HistoryEvent
from common.registration import register_search_attributes
from common.settings import Settings
from devstack.temporal import dev_server_argv, temporal_binary
from tests.conftest import MailBox
from tests.persistent import Persistent
from tests.processes import WorkerProcess, keep_killing, polled, workers
from tests.scenario import Scenario
from tests.support import eventually, free_port, short_deadlines, smtp_server
from workflows.iku import IkuWorkflow

pytestmark = pytest.mark.devserver

# The mail activity's start-to-close timeout: without a heartbeat timeout a worker killed
# mid-send delays the mail by this much (and the retry's back-off).
START_TO_CLOSE = 120
# The worker is killed this often while decisions arrive, this many times.
KILL_EVERY = 6.0
KILLS = 5


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


@pytest.mark.timeout(900)
async def test_the_worker_killed_again_and_again_mid_steps_loses_and_repeats_nothing(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with workers() as ws:
        ws.append(WorkerProcess(settings, _address(dev_env), log).start())
        await polled(dev_env.client, settings.task_queue)
        processes = [await Persistent(dev_env.client, settings).start() for _ in range(4)]
        done = asyncio.Event()
        killing = asyncio.create_task(
            keep_killing(ws, dev_env.client, done, every=KILL_EVERY, times=KILLS)
        )
        try:
            finished = await asyncio.gather(*(p.walk_to_end() for p in processes))
        finally:
            done.set()
            kills = await killing
        assert kills >= 3, f"the processes ended after only {kills} kills"
        assert all(result.outcome == "archived" for result in finished)
        for p in processes:
            history = (await p.status()).history
            decided = [h.task_id for h in history if h.event is HistoryEvent.DECIDED]
            entered = [h.step for h in history if h.event is HistoryEvent.ENTERED]
            # Every accepted decision is in the record once, and no step ran twice.
            assert len(decided) == len(set(decided)) == 16, decided
            assert entered == list(range(1, 17)), entered
            # Every task was mailed; a send retried after a crash kept its Message-ID.
            await mail.wait_for(p.id, "archived", within=120)
            by_task: dict[tuple[str, str], set[str]] = {}
            for m in mail.for_process(p.id, "task"):
                by_task.setdefault((m["X-IKU-Task-Id"], m["X-Envelope-To"]), set()).add(
                    m["Message-ID"]
                )
            assert {task for task, _ in by_task} == set(decided)
            assert all(len(ids) == 1 for ids in by_task.values()), by_task


class DevServer:
    """The dev server as a process of its own on a SQLite file, to stop, kill and start
    again on the same database, as a real server's host would go down."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings, self.log = settings, log
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                dev_server_argv(temporal_binary(), self.settings), stdout=out, stderr=out
            )

    async def start(self) -> Client:
        self.spawn()

        async def connects() -> Client:
            try:
                return await Client.connect(
                    self.settings.temporal_address, data_converter=data_converter
                )
            except RuntimeError as error:
                raise AssertionError(f"the dev server does not answer yet: {error}") from None

        client = await eventually(connects, within=120, interval=0.5)
        await register_search_attributes(client)
        return client

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)
            self.process.wait(60)


def _short_deadlines(settings: Settings, tmp_path: Path, minutes: float) -> Settings:
    """The Kabag's review due ``minutes`` after it starts, on a server of the test's own."""
    return short_deadlines(settings, tmp_path, step=2, minutes=minutes).model_copy(
        update={"temporal_address": f"127.0.0.1:{free_port()}", "temporal_ui_port": free_port()}
    )


@pytest.mark.timeout(900)
async def test_the_server_stopped_then_killed_while_processes_wait_and_timers_fall_due(
    settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    ours = _short_deadlines(settings, tmp_path, minutes=2)
    server = DevServer(ours, tmp_path / "temporal.log")
    client = await server.start()
    with workers() as ws:
        try:
            ws.append(WorkerProcess(ours, ours.temporal_address, tmp_path / "worker.log").start())
            await polled(client, ours.task_queue)
            processes = [await Persistent(client, ours).start() for _ in range(2)]
            for p in processes:
                await p.walk_to(2)
            tasks = [await p.task() for p in processes]
            reminders = [t.deadline - timedelta(hours=ours.reminder_before_hours) for t in tasks]

            # Down (stopped politely) until every reminder has fallen due, then back.
            server.stop(signal.SIGTERM)
            await asyncio.sleep((max(reminders) - datetime.now(UTC)).total_seconds() + 5)
            for p in processes:
                assert not mail.for_process(p.id, "reminder")
            back = datetime.now(UTC)
            client = await server.start()
            for p in processes:
                p.client = client
                p.handle = client.get_workflow_handle_for(IkuWorkflow.run, p.id)
                [reminder] = await mail.wait_for(p.id, "reminder", within=120)
                assert parsedate_to_datetime(reminder["Date"]) >= back.replace(microsecond=0)

            # Killed outright until the deadlines have passed, then back: the escalations go.
            server.stop(signal.SIGKILL)
            deadlines = [t.deadline for t in tasks]
            await asyncio.sleep(max(0, (max(deadlines) - datetime.now(UTC)).total_seconds()) + 5)
            client = await server.start()
            for p in processes:
                p.client = client
                p.handle = client.get_workflow_handle_for(IkuWorkflow.run, p.id)
                await mail.wait_for(p.id, "escalation", within=120)
                # And the process goes on: the Kabag approves, the Karo is asked.
                result = await p.do_step()
                assert result.next_task is not None and result.next_task.step == 3
                await mail.wait_for(p.id, "task", task_id=result.next_task.id, within=60)
                history = (await p.status()).history
                assert [h.event for h in history].count(HistoryEvent.REMINDER) == 1
                assert [h.event for h in history].count(HistoryEvent.ESCALATION) == 1
            for p in processes:
                await p.handle.terminate("drill over")
        finally:
            for w in ws:
                w.stop()
            server.stop(signal.SIGKILL)
