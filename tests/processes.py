"""Parts of the system as real processes of their own, for the fault drills: a worker or a
web layer that can be killed with SIGKILL mid-step and started again, as ops would see it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Self

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from common.settings import Settings
from devstack.entrypoints import WEB_APP, WEB_OPTIONS, WORKER_SCRIPT
from devstack.environment import child_environment
from tests.support import eventually

ROOT = Path(__file__).resolve().parent.parent
TRANSIENT = {
    RPCStatusCode.CANCELLED,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}


class ChildProcess:
    """A part of the system run as its own process from ``argv``, with ``settings`` as its
    environment and its output in a log file."""

    argv: tuple[str, ...] = ()

    def __init__(self, settings: Settings, address: str, log: Path) -> None:
        self.settings, self.address, self.log = settings, address, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        env = child_environment(self.settings)
        env["IKU_TEMPORAL_ADDRESS"] = self.address
        # The link secret is read from the data folder, which the test's settings made.
        self.settings.link_secret_value()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                list(self.argv), cwd=ROOT, env=env, stdout=out, stderr=out
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, whatever is in flight simply vanishes."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP: alive and connected, but doing nothing until ``resume``."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused one would not hear SIGTERM
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class WorkerProcess(ChildProcess):
    """`python worker.py`, as the local run and the image start it."""

    argv = (sys.executable, WORKER_SCRIPT)


class WebProcess(ChildProcess):
    """uvicorn serving the web layer on ``port`` of the loopback, as the local run starts it;
    ``settings.public_base_url`` should point there (links in mails do)."""

    def __init__(self, settings: Settings, address: str, log: Path, port: int) -> None:
        super().__init__(settings, address, log)
        self.port = port
        self.argv = (
            sys.executable,
            "-m",
            "uvicorn",
            WEB_APP,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *WEB_OPTIONS,
        )

    async def ready(self, within: float = 120) -> None:
        """Until it answers /healthz (it imports the app and connects to Temporal first)."""
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as http:

            async def answers() -> None:
                assert self.process is not None and self.process.poll() is None, "it exited"
                try:
                    response = await http.get("/healthz", timeout=5)
                except httpx.HTTPError as error:
                    raise AssertionError(f"the web layer does not answer yet: {error}") from None
                assert response.status_code == 200, response.text

            await eventually(answers, within, interval=0.3)


async def pollers(client: Client, task_queue: str) -> list[str]:
    """The identities of the workers polling ``task_queue`` for workflow tasks now."""
    try:
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            ),
            timeout=timedelta(seconds=10),
        )
    except RPCError as error:
        # The dev server, busy with a killed worker's tasks, has been seen to cancel this
        # call ("operation was canceled"); a probe that fails is asked again.
        if error.status not in TRANSIENT:
            raise
        raise AssertionError(f"{task_queue} not described yet: {error}") from None
    return [p.identity for p in answer.pollers]


async def polled(client: Client, task_queue: str, within: float = 120) -> None:
    """Until a worker polls ``task_queue`` for workflow tasks (a worker process takes a few
    seconds to import and connect, longer on a busy machine)."""

    async def polling() -> None:
        assert await pollers(client, task_queue), f"no worker polls {task_queue} yet"

    await eventually(polling, within, interval=0.5)


@contextlib.contextmanager
def workers() -> Iterator[list[ChildProcess]]:
    """A list to start worker (or web) processes into; every one is stopped at the end."""
    started: list[ChildProcess] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


@contextlib.asynccontextmanager
async def worker_and_web(
    client: Client, settings: Settings, log: Path, port: int
) -> AsyncIterator[tuple[list[ChildProcess], WebProcess]]:
    """A worker and a web layer on ``port``, each a process of its own, both serving when
    this yields; every process in the list (add a restarted one to it) is stopped at the
    end."""
    address = client.service_client.config.target_host
    with workers() as parts:
        parts.append(WorkerProcess(settings, address, log).start())
        web = WebProcess(settings, address, log, port).start()
        parts.append(web)
        await polled(client, settings.task_queue)
        await web.ready()
        yield parts, web


async def keep_killing(
    ws: list[WorkerProcess],
    client: Client,
    done: asyncio.Event,
    *,
    every: float,
    times: int,
) -> int:
    """SIGKILL the newest worker every ``every`` seconds and start another like it, ``times``
    times or until ``done``; how many were killed."""
    kills = 0
    while not done.is_set() and kills < times:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), every)
        if done.is_set():
            break
        killed = ws[-1]
        killed.kill()
        kills += 1
        ws.append(WorkerProcess(killed.settings, killed.address, killed.log).start())
        await polled(client, killed.settings.task_queue)
    return kills
