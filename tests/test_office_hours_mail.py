"""Reminders and escalations go out in office hours only (SOP.md, "The clock, precisely";
patch ``mails-in-office-hours``). Their planned moments are always in office hours, but a
task can learn late that they fell due: the calendar is revised in the evening, or the
worker was away and comes back after closing. They then wait for the next opening; being
overdue is recorded as it is learnt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from common.models import HistoryEvent
from common.settings import Settings
from common.workcalendar import WorkCalendar
from common.workflow_calls import RECHECK_CALENDAR
from tests.processes import WorkerProcess, polled, workers
from tests.scenario import Scenario
from tests.support import always_open, eventually, sleep_until
from tests.test_acting_hand_over import wake_summaries
from tests.test_clock import MINUTE, add_holiday, events
from workflows.iku import WAKE_OFFICE_OPENS
from workflows.sop import WIB


async def waits_for_the_opening(p: Scenario) -> None:
    """Until the task's next wake is set for the office's opening (the Temporal UI says so)."""

    async def set_for_it() -> None:
        summaries = wake_summaries(await p.handle.fetch_history())
        assert any(f"{WAKE_OFFICE_OPENS}, step 1" in s for s in summaries), summaries

    await eventually(set_for_it, within=120)


async def test_cuti_bersama_taken_back_in_the_evening_escalates_at_the_next_opening(
    clock_env: WorkflowEnvironment, clock_worker, settings: Settings, mail
):
    # By the calendar, the Kasubbag's deadline and first eskalasi fall on two days that are
    # cuti bersama when the task opens.
    settings.standard_times = {1: "2d"}
    settings.escalation_interval_days = 2
    calendar = WorkCalendar.from_settings(settings)
    start = await clock_env.get_current_time()
    revised = calendar.schedule(start, "2d", 4.0, 2, 3)
    off = [revised.deadline.astimezone(WIB).date(), revised.escalations[0].astimezone(WIB).date()]
    add_holiday(settings, *off)
    p = await Scenario(clock_env.client, settings).start()
    planned = await p.task()
    assert planned.reminder_at is not None
    assert calendar.schedule(planned.entered_at, "2d", 4.0, 2, 3) == revised

    # At 20.00 on the second of them, a revised decree takes both back: the deadline was
    # the day before, the first eskalasi this morning.
    assert settings.calendar_overrides_file is not None
    settings.calendar_overrides_file.write_text("holidays: []\n")
    evening = calendar.closing(off[-1]) + timedelta(hours=4)
    assert revised.escalations[0] < evening < planned.reminder_at
    await sleep_until(clock_env, evening)
    await p.handle.signal(RECHECK_CALENDAR)

    # The task is overdue at once; the eskalasi waits for the office to open.
    status = await p.until(lambda s: s.task is not None and s.task.overdue)
    assert status.task is not None and status.task.deadline == revised.deadline
    (overdue,) = await events(p, HistoryEvent.OVERDUE)
    assert evening <= overdue.at < evening + MINUTE

    await waits_for_the_opening(p)
    opening = calendar.next_opening(evening)
    assert opening.astimezone(WIB).date() > off[-1] and opening < revised.escalations[1]
    await sleep_until(clock_env, opening - MINUTE)
    assert mail.for_process(p.id, "escalation") == []
    assert await events(p, HistoryEvent.ESCALATION) == []

    # At the opening the Kabag is told, once.
    await sleep_until(clock_env, opening + MINUTE)
    (sent,) = await mail.wait_for(p.id, "escalation")
    assert "ahmad.fauzi@" in sent["To"]
    (escalated,) = await events(p, HistoryEvent.ESCALATION)
    assert escalated.detail == "1/3" and opening <= escalated.at < opening + MINUTE
    assert mail.for_process(p.id, "reminder") == []  # past the deadline, no reminder


@pytest.mark.devserver
@pytest.mark.timeout(600)
async def test_a_worker_killed_before_the_eskalasi_and_back_after_closing_holds_it_for_the_opening(
    dev_env: WorkflowEnvironment, settings: Settings, mail, tmp_path: Path
):
    now = datetime.now(WIB)
    if (now + timedelta(minutes=3)).date() != now.date():  # the day's closing, not tomorrow's
        after_midnight = (now + timedelta(minutes=4)).replace(hour=0, minute=0, second=5)
        await asyncio.sleep((after_midnight - now).total_seconds())
    # The Kasubbag's task due 14.4 s after it opens, its one eskalasi then, in an office open
    # all day.
    ours = always_open(
        settings,
        tmp_path,
        standard_times={1: "0.0040h"},
        reminder_before_hours=0.002,
        escalation_cap=1,
    )
    address = dev_env.client.service_client.config.target_host
    log = tmp_path / "worker.log"
    with workers() as ws:
        ws.append(WorkerProcess(ours, address, log).start())
        await polled(dev_env.client, ours.task_queue)
        p = await Scenario(dev_env.client, ours).start()
        try:
            task = await p.task()
            assert task.deadline is not None
            # The worker dies before the eskalasi. The office closes a few seconds after it
            # was due, and the worker is back after that: by the calendar it comes back
            # with, the deadline and the eskalasi were the same, in office hours.
            ws[-1].kill()
            closing = max(task.deadline, datetime.now(UTC)).astimezone(WIB) + timedelta(seconds=5)
            after = ours.model_copy(
                update={"office_close": closing.time(), "office_close_friday": closing.time()}
            )
            again = WorkCalendar.from_settings(after).deadline(task.entered_at, "0.0040h")
            assert abs(again - task.deadline) < timedelta(seconds=1)
            await asyncio.sleep((closing - datetime.now(WIB)).total_seconds() + 2)
            ws.append(WorkerProcess(after, address, log).start())

            await waits_for_the_opening(p)
            status = await p.status()
            assert status.task is not None and status.task.overdue
            assert mail.for_process(p.id, "escalation") == []
            assert await events(p, HistoryEvent.ESCALATION) == []
            # Its wake is set for tomorrow's opening (the worker, started with office hours
            # other than its data folder remembers, told the task of them too: it looked
            # again and held again).
            opening = WorkCalendar.from_settings(after).next_opening(closing)
            assert opening.astimezone(WIB).date() == closing.date() + timedelta(days=1)
            history = await p.handle.fetch_history()
            *_, held = [
                e
                for e in history.events
                if e.HasField("timer_started_event_attributes")
                and WAKE_OFFICE_OPENS in e.user_metadata.summary.data.decode()
            ]
            fires = held.event_time.ToDatetime(UTC) + (
                held.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
            )
            assert abs(fires - opening) < timedelta(seconds=5)
        finally:
            await p.handle.terminate("test finished")
