"""The changes since the first release are decided once, as each run starts: a run whose
first lookups outlast their workflow task (a slow directory, a busy worker) still replays
when a worker that forgot it picks it up again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from common.converter import data_converter
from common.models import EarlierRun, EarlierRunRequest, ProcessOpening, WorkflowInput
from common.settings import Settings
from tests.conftest import end_left_running, worker_replacing
from tests.scenario import Scenario
from workflows.iku import IkuWorkflow

WORKFLOW_TASK = timedelta(seconds=1)


@activity.defn(name="find_earlier_run")
async def slow_lineage(request: EarlierRunRequest) -> EarlierRun | None:
    """Visibility answering slowly: longer than the start's workflow task may take."""
    await asyncio.sleep(2 * WORKFLOW_TASK.total_seconds())
    return None


@activity.defn(name="registered_sop_number")
async def slow_registry() -> str:
    """The registry as slow (a worker so busy that each lookup outlasts its task)."""
    await asyncio.sleep(2 * WORKFLOW_TASK.total_seconds())
    return ""


@activity.defn(name="open_process")
async def slow_opening(request: EarlierRunRequest) -> ProcessOpening:
    """Both lookups in one (a process started now), as slow as the two apart."""
    await asyncio.sleep(4 * WORKFLOW_TASK.total_seconds())
    return ProcessOpening()


async def test_a_start_whose_lookup_outlasts_its_workflow_task_replays(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    slow = {
        "find_earlier_run": slow_lineage,
        "registered_sop_number": slow_registry,
        "open_process": slow_opening,
    }
    async with worker_replacing(dev_env.client, settings, slow):
        p = Scenario(dev_env.client, settings)
        await dev_env.client.start_workflow(
            IkuWorkflow.run,
            WorkflowInput(**p.process.model_dump()),
            id=p.id,
            task_queue=settings.task_queue,
            task_timeout=WORKFLOW_TASK,
        )
        p.handle = dev_env.client.get_workflow_handle_for(IkuWorkflow.run, p.id)
        await p.until(lambda s: s.task is not None)
        history = await p.handle.fetch_history()
        await end_left_running(dev_env.client, settings.task_queue)

    # The lookups outlasted their workflow tasks, and whatever the timing, the changes
    # are marked in the run's first one: a replay finds them before it needs them.
    first_task: list[str] = []
    completed = 0
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            completed += 1
        elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and completed == 1:
            first_task.append(event.marker_recorded_event_attributes.marker_name)
    assert completed > 3
    assert first_task[:1] == ["core_patch"], first_task
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(history)
