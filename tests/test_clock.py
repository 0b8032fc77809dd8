"""The clock of a waiting task, in working time (SOP.md, "The clock, precisely").

The time-skipping server starts at the real date, so the holiday is placed relative to it
through the overrides file, as ops would when the government revises cuti bersama.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from common import search_attributes as sa
from common.models import HistoryEvent
from common.settings import Settings
from common.workcalendar import WorkCalendar
from tests.scenario import KABAG, KASUBAG, Scenario
from tests.support import sleep_until
from workflows.sop import WIB

MINUTE = timedelta(minutes=1)


def add_holiday(settings: Settings, *days: object) -> None:
    assert settings.calendar_overrides_file is not None
    lines = ["holidays:"] + [f"  - date: {d}\n    name: Cuti bersama tambahan" for d in days]
    settings.calendar_overrides_file.write_text("\n".join(lines) + "\n")


async def events(p: Scenario, event: HistoryEvent) -> list:
    return [h for h in (await p.status()).history if h.event is event]


async def test_reminder_escalation_and_repeated_escalation_across_an_injected_holiday(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail
):
    settings.standard_times = {1: "2d"}
    start = await clock_env.get_current_time()
    holiday = WorkCalendar.from_settings(settings).next_working_day(start.astimezone(WIB).date())
    add_holiday(settings, holiday)
    calendar = WorkCalendar.from_settings(settings)

    p = await Scenario(clock_env.client, settings).start()
    task = await p.task()
    expected = calendar.schedule(task.entered_at, "2d", 4.0, 1, 3)
    assert task.deadline == expected.deadline and task.reminder_at == expected.reminder_at
    # The injected holiday is skipped: the two working days end after it.
    assert expected.deadline.astimezone(WIB).date() > holiday
    assert not calendar.is_working_day(holiday)
    assert expected.reminder_at is not None and len(expected.escalations) == 3

    # Pengingat: nothing a minute before, the Kasubag is reminded a minute after.
    await sleep_until(clock_env, expected.reminder_at - MINUTE)
    assert mail.for_process(p.id, "reminder") == []
    await sleep_until(clock_env, expected.reminder_at + MINUTE)
    reminder = (await mail.wait_for(p.id, "reminder"))[0]
    assert "rina.wulandari@" in reminder["To"]
    (entry,) = await events(p, HistoryEvent.REMINDER)
    assert abs(entry.at - expected.reminder_at) < MINUTE

    # Tenggat: overdue at the deadline, searchable as such, but no escalation yet.
    await sleep_until(clock_env, expected.deadline + MINUTE)
    status = await p.until(lambda s: s.task is not None and s.task.overdue)
    assert (await p.handle.describe()).typed_search_attributes.get(sa.OVERDUE) is True
    assert status.task is not None and status.task.escalations_sent == 0
    assert mail.for_process(p.id, "escalation") == []

    # Eskalasi: at the next office opening, then every working day, to the Kabag, capped.
    for number, moment in enumerate(expected.escalations, start=1):
        await sleep_until(clock_env, moment - MINUTE)
        assert len(mail.for_process(p.id, "escalation")) == number - 1
        await sleep_until(clock_env, moment + MINUTE)
        sent = await mail.wait_for(p.id, "escalation", count=number)
        assert "ahmad.fauzi@" in sent[-1]["To"]  # the Kabag, superior of the Kasubag
        assert "Rina Wulandari" in sent[-1].get_body(("plain",)).get_content()
        entries = await events(p, HistoryEvent.ESCALATION)
        assert entries[-1].detail == f"{number}/3" and entries[-1].target == "kabag"
        assert abs(entries[-1].at - moment) < MINUTE
        assert moment.astimezone(WIB).date() != holiday
    await clock_env.sleep(timedelta(days=14))
    assert len(mail.for_process(p.id, "escalation")) == 3
    assert len(await events(p, HistoryEvent.ESCALATION)) == 3

    # A decision still closes the overdue task.
    await p.do_step()
    assert (await p.task()).step == 2
    assert (await p.handle.describe()).typed_search_attributes.get(sa.OVERDUE) is False


async def test_a_holiday_added_while_waiting_moves_the_deadline_at_the_next_wake_up(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail
):
    settings.standard_times = {1: "2d"}
    p = await Scenario(clock_env.client, settings).start()
    first = await p.task()
    assert first.deadline is not None and first.reminder_at is not None

    # The government declares the deadline day cuti bersama; nobody restarts anything.
    add_holiday(settings, first.deadline.astimezone(WIB).date())
    await sleep_until(clock_env, first.reminder_at + MINUTE)
    moved = await p.until(lambda s: s.task is not None and s.task.deadline != first.deadline)
    assert moved.task is not None and moved.task.deadline is not None
    assert moved.task.deadline > first.deadline
    assert mail.for_process(p.id, "reminder") == []  # the old reminder moment is no longer due

    await sleep_until(clock_env, first.deadline + MINUTE)
    assert not (await p.task()).overdue
    await sleep_until(clock_env, moved.task.deadline + MINUTE)
    assert (await p.until(lambda s: s.task is not None and s.task.overdue)).task is not None
    assert len(await mail.wait_for(p.id, "reminder")) == 1


async def test_a_reminder_already_past_at_assignment_is_skipped(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail
):
    settings.standard_times = {1: "2h"}  # shorter than the 4 working hours of notice
    p = await Scenario(clock_env.client, settings).start()
    task = await p.task()
    assert task.reminder_at is None and task.deadline is not None
    first_escalation = p.escalation_times(task)[0]
    await sleep_until(clock_env, first_escalation + MINUTE)
    await p.until(lambda s: s.task is not None and s.task.escalations_sent >= 1)
    assert mail.for_process(p.id, "reminder") == []
    assert await events(p, HistoryEvent.REMINDER) == []


async def test_escalation_of_the_ministers_review_goes_to_the_sekjen(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail
):
    p = await Scenario(clock_env.client, settings).start()
    await p.walk_to(11)
    task = await p.task()
    assert task.deadline is not None
    await sleep_until(clock_env, p.escalation_times(task)[0] + MINUTE)
    (first, *_) = await mail.wait_for(p.id, "escalation", task_id=task.id)
    assert "hendra.gunawan@" in first["To"]  # the Sekjen, who submitted it
    entry = (await events(p, HistoryEvent.ESCALATION))[0]
    assert entry.target == "sekjen" and entry.step == 11
    assert KABAG not in first["To"] and KASUBAG not in first["To"]
