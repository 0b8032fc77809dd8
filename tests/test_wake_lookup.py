"""A task's clock wakes (a reminder, a deadline): the calendar and the directory's acting
officials are asked again in one lookup, one history event where there were two; when that
lookup fails each is asked on its own, and the reminder still goes out."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity
from temporalio.api.history.v1 import History
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from common.models import ClockRefresh, ClockRefreshRequest
from common.settings import Settings
from tests.conftest import MailBox, end_left_running, worker_replacing
from tests.scenario import Scenario
from tests.support import short_deadlines


@activity.defn(name="refresh_clock")
def broken_refresh(request: ClockRefreshRequest) -> ClockRefresh:
    raise ApplicationError("the lookup together is broken")


def lookups_at_first_wake(history: History) -> list[str]:
    """The local activities run between the first timer firing and the next timer."""
    fired = False
    found: list[str] = []
    for event in history.events:
        if event.HasField("timer_fired_event_attributes"):
            fired = True
        elif fired and event.HasField("timer_started_event_attributes"):
            return found
        elif fired and event.HasField("marker_recorded_event_attributes"):
            found.append(event.marker_recorded_event_attributes.marker_name)
    raise AssertionError("no timer was set again after the first wake")


async def reminded(
    env: WorkflowEnvironment, settings: Settings, mail: MailBox, replaced: dict[str, object]
) -> History:
    """Step 1 due 12 s after it opens, the reminder at 6 s: the Kasubbag is reminded. The
    activities ``replaced``, by name."""
    async with worker_replacing(env.client, settings, replaced):
        p = await Scenario(env.client, settings).start()
        await mail.wait_for(p.id, "reminder", within=60)
        history = await p.handle.fetch_history()
        await end_left_running(env.client, settings.task_queue)
    return history


async def test_the_kasubbag_is_reminded_after_one_lookup(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    ours = short_deadlines(settings, tmp_path, step=1, minutes=0.2)
    history = await reminded(dev_env, ours, mail, {})
    assert lookups_at_first_wake(history) == ["core_local_activity"]


async def test_the_lookup_together_fails_each_is_asked_alone_and_the_kasubbag_is_reminded(
    dev_env: WorkflowEnvironment, settings: Settings, mail: MailBox, tmp_path: Path
) -> None:
    ours = short_deadlines(settings, tmp_path, step=1, minutes=0.2)
    history = await reminded(dev_env, ours, mail, {"refresh_clock": broken_refresh})
    # The failed lookup, then the calendar and the directory.
    assert lookups_at_first_wake(history) == ["core_local_activity"] * 3
