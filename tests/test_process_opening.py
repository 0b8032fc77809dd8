"""A new process's first lookups: was its id used before, and the SOP's registered number.
A process started now asks both in one local activity (one marker); should that fail, it
asks each on its own, so a moment without visibility leaves no process without the SOP's
number."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from common.models import EarlierRunRequest, HistoryEvent, ProcessOpening
from common.settings import Settings
from tests.conftest import end_left_running, worker_replacing
from tests.scenario import Scenario
from tests.support import local_activity_type

pytestmark = pytest.mark.devserver

REGISTERED = "1/123/OT.04.00/I/2027"
MILLISECOND = timedelta(milliseconds=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sop_number": REGISTERED})


async def lookups_before_step_1(p: Scenario) -> list[str]:
    found = [local_activity_type(e) for e in (await p.handle.fetch_history()).events]
    named = [name for name in found if name is not None]
    return named[: named.index("open_step")]


async def test_a_process_started_without_the_sop_number_takes_the_registered_one_in_one_lookup(
    dev_env: WorkflowEnvironment, dev_worker, settings: Settings
) -> None:
    p = await Scenario(dev_env.client, settings).start()
    assert p.process.sop_number == ""
    assert (await p.status()).process.sop_number == REGISTERED
    assert await lookups_before_step_1(p) == ["open_process"]


@activity.defn(name="open_process")
async def broken_opening(request: EarlierRunRequest) -> ProcessOpening:
    raise ApplicationError("visibility away", non_retryable=True)


async def test_when_the_one_lookup_fails_each_is_asked_on_its_own(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    async with worker_replacing(dev_env.client, settings, {"open_process": broken_opening}):
        p = await Scenario(dev_env.client, settings).start()
        assert (await p.status()).process.sop_number == REGISTERED
        assert await lookups_before_step_1(p) == [
            "open_process",
            "find_earlier_run",
            "registered_sop_number",
        ]
        await end_left_running(dev_env.client, settings.task_queue)


@activity.defn(name="open_process")
async def slow_opening(request: EarlierRunRequest) -> ProcessOpening:
    await asyncio.sleep(0.5)
    return ProcessOpening(earlier=None, sop_number=REGISTERED)


async def test_a_process_starts_at_its_first_workflow_task_however_long_its_lookups_take(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    """Its start time keys the reporting database: a worker replaying the process after a
    crash must find the same one, so it is read before the lookups, not after."""
    async with worker_replacing(dev_env.client, settings, {"open_process": slow_opening}):
        p = await Scenario(dev_env.client, settings).start()
        started = (await p.status()).history[0]
        events = (await p.handle.fetch_history()).events
        first_task = next(
            e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
        )
        assert started.event is HistoryEvent.STARTED
        # The same moment (workflow time is kept to the microsecond), not half a second on.
        assert abs(started.at - first_task.event_time.ToDatetime(tzinfo=UTC)) < MILLISECOND
        await end_left_running(dev_env.client, settings.task_queue)
