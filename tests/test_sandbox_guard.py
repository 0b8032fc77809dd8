"""The SDK's sandbox as a guard: the worker runs workflow code without it (it costs a third
of a decision's time), so the tests walk the SOP under it, where a clock, randomness or I/O
in workflow code is refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from common.settings import Settings
from tests.conftest import MailBox, serving
from tests.reads_the_clock import ReadsTheClock
from tests.scenario import KABAG, KARO, Scenario
from tests.support import eventually, sleep_until
from worker import workflow_runner


@pytest.fixture
def guarded(settings: Settings) -> Settings:
    return settings.model_copy(update={"workflow_sandbox": True})


async def test_under_the_guard_the_karo_returns_the_draft_the_kabag_revises_it_and_it_is_archived(
    ts_env: WorkflowEnvironment, guarded: Settings
) -> None:
    async with serving(ts_env, guarded):
        p = await Scenario(ts_env.client, guarded).start()
        await p.walk_to(9)
        await p.return_(KARO, "Target indikator 3 belum terukur.")
        await p.approve(KABAG, new_draft="draf v2")
        final = await p.walk_to_end()
    assert final.outcome == "archived"


async def test_under_the_guard_the_kasubbag_is_reminded_and_the_kabag_told_of_the_delay(
    clock_env: WorkflowEnvironment, guarded: Settings, mail: MailBox
) -> None:
    guarded.standard_times = {1: "2d"}
    async with serving(clock_env, guarded):
        p = await Scenario(clock_env.client, guarded).start()
        task = await p.task()
        await sleep_until(clock_env, p.escalation_times(task)[0] + timedelta(minutes=1))
        await mail.wait_for(p.id, "reminder")
        await mail.wait_for(p.id, "escalation")


async def task_failures(client: Client, settings: Settings) -> tuple[str, list[str]]:
    """Runs ReadsTheClock on ``settings``' runner: its result, or why its tasks failed."""
    async with Worker(
        client,
        task_queue=f"guard-{uuid.uuid4().hex[:8]}",
        workflows=[ReadsTheClock],
        workflow_runner=workflow_runner(settings),
    ) as worker:
        handle = await client.start_workflow(
            ReadsTheClock.run, id=f"clock-{uuid.uuid4().hex[:8]}", task_queue=worker.task_queue
        )

        async def settled() -> tuple[str, list[str]]:
            failures = [
                e.workflow_task_failed_event_attributes.failure.message
                async for e in handle.fetch_history_events()
                if e.HasField("workflow_task_failed_event_attributes")
            ]
            if failures:
                await handle.terminate("refused, as expected")
                return "", failures
            description = await handle.describe()
            assert description.status is not None and description.status.name == "COMPLETED"
            return await handle.result(), []

        return await eventually(settled, within=30, interval=0.2)


async def test_the_guard_refuses_workflow_code_that_reads_the_clock(
    ts_env: WorkflowEnvironment, settings: Settings, guarded: Settings
) -> None:
    result, failures = await task_failures(ts_env.client, guarded)
    assert result == "" and "datetime.datetime.now" in failures[0]
    # Without the guard, as the worker runs, the same code goes through.
    result, failures = await task_failures(ts_env.client, settings)
    assert failures == [] and result
