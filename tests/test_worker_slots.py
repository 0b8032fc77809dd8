"""What one worker takes on at once comes from its settings (IKU_WORKER_*), and the
smallest worker, two workflow tasks (one for its own queue, one for the shared one), one
lookup and one activity at a time, and two processes kept in memory, still walks three
processes to their archive: a workflow task waiting on its lookups never waits for a slot
it holds itself, and a process put out of memory is replayed where it stood."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from common.settings import Settings
from tests.conftest import serving
from tests.scenario import KABAG, KARO, Scenario


@pytest.fixture
def smallest(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "worker_workflow_tasks": 2,
            "worker_local_activities": 1,
            "worker_activities": 1,
            "worker_cached_processes": 2,
        }
    )


async def test_the_smallest_worker_walks_three_at_once_one_returned_by_the_karo_all_archived(
    ts_env: WorkflowEnvironment, smallest: Settings
) -> None:
    async with serving(ts_env, smallest) as worker:
        config = worker.config()
        assert config.get("max_concurrent_workflow_tasks") == 2
        assert config.get("max_concurrent_local_activities") == 1
        assert config.get("max_concurrent_activities") == 1
        assert config.get("max_cached_workflows") == 2
        # A thread for each activity slot: a lookup never waits for one.
        assert getattr(config.get("activity_executor"), "_max_workers", None) == 2

        async def returned_and_revised() -> str:
            p = await Scenario(ts_env.client, smallest).start()
            await p.walk_to(9)
            await p.return_(KARO, "Target indikator 3 belum terukur.")
            await p.approve(KABAG, new_draft="draf v2")
            return (await p.walk_to_end()).outcome

        async def straight() -> str:
            p = await Scenario(ts_env.client, smallest).start()
            return (await p.walk_to_end()).outcome

        assert await asyncio.gather(returned_and_revised(), straight(), straight()) == [
            "archived",
            "archived",
            "archived",
        ]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("worker_workflow_tasks", 1),
        ("worker_local_activities", 0),
        ("worker_activities", 0),
        ("worker_cached_processes", 1),
    ],
)
def test_a_worker_too_small_to_serve_is_refused_at_start(setting: str, value: int) -> None:
    with pytest.raises(ValidationError, match=setting):
        Settings(**{setting: value})  # type: ignore[arg-type]


def test_a_worker_keeping_fewer_processes_than_it_runs_tasks_at_once_is_refused() -> None:
    with pytest.raises(ValidationError, match="IKU_WORKER_CACHED_PROCESSES must be at least"):
        Settings(worker_workflow_tasks=100, worker_cached_processes=50)
