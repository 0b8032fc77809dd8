"""A task's clock wakes (a reminder, a deadline): the calendar and the directory's acting
officials are asked again in one lookup, one history event where there were two; when that
lookup fails, or hangs until it times out, each is asked on its own, the reminder still goes
out, and the history replays."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio import activity
from temporalio.api.history.v1 import History
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from common.converter import data_converter
from common.models import ClockRefresh, ClockRefreshRequest
from common.settings import Settings
from tests.conftest import MailBox, end_left_running, worker_replacing
from tests.scenario import Scenario
from tests.support import local_activity_type, short_deadlines, workflow_tasks
from workflows.iku import IkuWorkflow


@activity.defn(name="refresh_clock")
def broken_refresh(request: ClockRefreshRequest) -> ClockRefresh:
    raise ApplicationError("the lookup together is broken")


@activity.defn(name="refresh_clock")
async def hung_refresh(request: ClockRefreshRequest) -> ClockRefresh:
    """Never answers: each try runs into its timeout (workflows/timeouts.py, LOOKUP)."""
    await asyncio.sleep(3600)
    raise AssertionError("not reached")


def lookups_at_first_wake(history: History) -> list[str]:
    """The lookups (local activities other than the reporting write) run between the first
    timer firing and the next timer."""
    fired = False
    found: list[str] = []
    for event in history.events:
        if event.HasField("timer_fired_event_attributes"):
            fired = True
        elif fired and event.HasField("timer_started_event_attributes"):
            return found
        elif fired and (kind := local_activity_type(event)) not in (None, "record_events"):
            found.append(str(kind))
    raise AssertionError("no timer was set again after the first wake")


async def reminded(
    env: WorkflowEnvironment,
    settings: Settings,
    mail: MailBox,
    replaced: dict[str, object],
    within: float = 60,
) -> History:
    """Step 1 on ``settings``' short deadline: the Kasubbag is reminded (within ``within``
    seconds). The activities ``replaced``, by name."""
    async with worker_replacing(env.client, settings, replaced):
        p = await Scenario(env.client, settings).start()
        await mail.wait_for(p.id, "reminder", within=within)
        history = await p.handle.fetch_history()
        await end_left_running(env.client, settings.task_queue)
    return history


async def test_the_kasubbag_is_reminded_after_one_lookup(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    ours = short_deadlines(settings, tmp_path, step=1, minutes=0.2)
    history = await reminded(dev_env, ours, mail, {})
    assert lookups_at_first_wake(history) == ["refresh_clock"]
    # The reminder's riwayat entry is written once its mail is sent, not in the task that
    # sets the next timer (which would fire as late as that write took).
    woken = next(
        t
        for t in workflow_tasks(history)
        if any(e.HasField("timer_fired_event_attributes") for e in t)
    )
    assert any(e.HasField("timer_started_event_attributes") for e in woken)
    assert "record_events" not in [local_activity_type(e) for e in woken]


async def test_the_lookup_together_fails_each_is_asked_alone_and_the_kasubbag_is_reminded(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    ours = short_deadlines(settings, tmp_path, step=1, minutes=0.2)
    history = await reminded(dev_env, ours, mail, {"refresh_clock": broken_refresh})
    # The failed lookup, then the calendar and the directory.
    assert lookups_at_first_wake(history) == ["refresh_clock", "plan_schedule", "find_people"]


async def test_the_lookup_together_hangs_each_is_asked_alone_and_the_history_replays(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    # Due in 90 s, the reminder at 45 s: the hung lookup's three tries (about 33 s) end
    # before the deadline, so the Kasubbag is still reminded.
    ours = short_deadlines(settings, tmp_path, step=1, minutes=1.5)
    history = await reminded(dev_env, ours, mail, {"refresh_clock": hung_refresh}, within=120)
    assert lookups_at_first_wake(history) == ["refresh_clock", "plan_schedule", "find_people"]
    # Replayed, a timed-out lookup is a bare TimeoutError, not the ActivityError it was live.
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(history)
