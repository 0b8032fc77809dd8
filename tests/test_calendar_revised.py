"""A revised calendar takes effect on an open task at once (patch ``follows-calendar``):
the worker's calendar watcher tells every running process, and the task asks for its
deadline again. Before, it learnt of the revision only at its next wake-up (its reminder, or
the old deadline), so a deadline the revision brought forward passed unnoticed."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.calendar_watch import CALENDAR_TOLD, watch_calendar
from activities.file_watch import remember, running, told_before
from api.core.i18n_bureau import short_when
from common.converter import data_converter
from common.dates import format_when
from common.deadline import moved_to, written_deadline
from common.models import HistoryEvent
from common.settings import Settings
from common.workcalendar import WorkCalendar
from common.workflow_calls import RECHECK_ACTING, RECHECK_CALENDAR
from reporting.backfill import running_batch
from reporting.database import ReportingDatabase
from reporting.recorder import record_batch
from reporting.schema import StepEvent
from signing.printable import riwayat
from tests.bureau import signed_in
from tests.scenario import Scenario
from tests.support import eventually, free_port, settle, sleep_until
from tests.test_clock import MINUTE, add_holiday, events
from tests.test_printable import rendered
from tests.web import Web
from workflows.iku import IkuWorkflow
from workflows.sop import WIB


def working_days_after(settings: Settings, day: date, count: int) -> list[date]:
    """The ``count`` working days after ``day``, by the calendar as it is."""
    calendar = WorkCalendar.from_settings(settings)
    days: list[date] = []
    while len(days) < count:
        day = calendar.next_working_day(day)
        days.append(day)
    return days


def step_one_decided(db: ReportingDatabase) -> list[StepEvent]:
    with db.session() as session:
        found = session.scalars(
            select(StepEvent).where(StepEvent.step == 1, StepEvent.kind == "decided")
        )
        rows = list(found)
    db.dispose()
    return rows


async def test_cuti_bersama_taken_back_brings_the_kasubbags_deadline_forward_and_it_is_escalated(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail, tmp_path: Path
):
    # The next three working days are cuti bersama when the Kasubbag's task opens.
    settings.standard_times = {1: "2d"}
    start = await clock_env.get_current_time()
    off = working_days_after(settings, start.astimezone(WIB).date(), 3)
    add_holiday(settings, *off)
    p = await Scenario(clock_env.client, settings).start()
    first = await p.task()
    assert first.deadline is not None and first.reminder_at is not None

    # A revised joint decree takes the three days back; the watcher has not told anyone yet.
    assert settings.calendar_overrides_file is not None
    settings.calendar_overrides_file.write_text("holidays: []\n")
    revised = WorkCalendar.from_settings(settings).schedule(first.entered_at, "2d", 4.0, 1, 3)
    # The old plan sleeps past the new deadline and its first escalation.
    assert revised.escalations[0] < first.reminder_at

    # Past the revised deadline and its first escalation (at the office's next opening), the
    # task does not know it yet: nothing woke it.
    await sleep_until(clock_env, revised.escalations[0] + MINUTE)
    waiting = await p.task()
    assert waiting.deadline == first.deadline and not waiting.overdue

    # The watcher's signal: the task asks the calendar again, and is overdue and escalated
    # to the Kabag now, not at its old deadline days later.
    await p.handle.signal(RECHECK_CALENDAR)
    status = await p.until(lambda s: s.task is not None and s.task.overdue)
    assert status.task is not None and status.task.deadline == revised.deadline
    escalation = (await mail.wait_for(p.id, "escalation"))[0]
    assert "ahmad.fauzi@" in escalation["To"]
    (overdue,) = await events(p, HistoryEvent.OVERDUE)
    assert overdue.at > revised.deadline  # when it was learnt, as the riwayat tells it
    assert mail.for_process(p.id, "reminder") == []  # past the deadline, no reminder
    # The riwayat says the deadline moved, and to when; the next wake (the second
    # escalation, the calendar as it was) moves nothing.
    (moved,) = await events(p, HistoryEvent.DEADLINE_MOVED)
    assert moved.at == overdue.at and moved_to(moved) == revised.deadline
    await sleep_until(clock_env, revised.escalations[1] + MINUTE)
    await p.until(lambda s: s.task is not None and s.task.escalations_sent == 2)
    assert len(await events(p, HistoryEvent.DEADLINE_MOVED)) == 1
    (entered,) = await events(p, HistoryEvent.ENTERED)
    assert written_deadline(entered.event, entered.detail) == first.deadline

    # The Kasubbag submits, late; the figures measure the step against the revised deadline.
    await p.do_step()
    await settle(p.handle)
    (decided,) = step_one_decided(ReportingDatabase(settings))
    assert decided.deadline == revised.deadline and decided.overdue
    # The printed record's SOP chart says it too.
    chart = rendered(riwayat(await p.status(), lambda person: person or ""), tmp_path, "late")
    assert f"(tenggat: {format_when(revised.deadline, 'id')}, terlambat)" in " ".join(chart.split())
    # A year on, the three days are cuti bersama again in the file, and the figures are
    # rebuilt from the riwayat: the step is held to the deadline it had, not the one
    # today's calendar would give it.
    add_holiday(settings, *off)
    assert WorkCalendar.from_settings(settings).deadline(first.entered_at, "2d") == first.deadline
    rebuilt = ReportingDatabase(
        settings.model_copy(
            update={"reporting_database_url": SecretStr(f"sqlite:///{tmp_path / 'rebuilt.db'}")}
        )
    )
    with rebuilt.session() as session:
        record_batch(
            session,
            running_batch(await p.status()),
            settings=settings,
            calendar=WorkCalendar.from_settings(settings),
        )
    (decided,) = step_one_decided(rebuilt)
    assert decided.deadline == revised.deadline and decided.overdue

    # The history replays on today's code.
    history = await p.handle.fetch_history()
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(
        WorkflowHistory.from_json(p.id, history.to_json())
    )


async def test_a_revision_signalled_while_the_process_hands_over_is_taken_by_its_next_run(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail
):
    # As in the first scenario, but the relay is down when the Kasubbag's task opens.
    settings.standard_times = {1: "2d"}
    start = await clock_env.get_current_time()
    add_holiday(settings, *working_days_after(settings, start.astimezone(WIB).date(), 3))
    relay_port, settings.smtp_port = settings.smtp_port, free_port()
    p = await Scenario(clock_env.client, settings, history_event_limit=5).start()
    first = await p.task()
    assert first.deadline is not None and first.reminder_at is not None
    first_run = clock_env.client.get_workflow_handle(p.id, run_id=p.first_run_id)

    async def kinds() -> list[str | None]:
        return [e.WhichOneof("attributes") for e in (await first_run.fetch_history()).events]

    # The directory watcher's signal wakes the run; it asks the directory, finds itself due
    # to continue as new, and waits for its task mail to go first.
    await p.handle.signal(RECHECK_ACTING)

    async def waits_to_hand_over() -> None:
        history = await kinds()
        assert history[-1] == "marker_recorded_event_attributes", history[-4:]

    await eventually(waits_to_hand_over)

    # The calendar's signal comes meanwhile; the relay comes back, the mail goes, the run
    # hands over, and its next run takes the signal the first one had.
    assert settings.calendar_overrides_file is not None
    settings.calendar_overrides_file.write_text("holidays: []\n")
    await p.handle.signal(RECHECK_CALENDAR)
    settings.smtp_port = relay_port
    revised = WorkCalendar.from_settings(settings).schedule(first.entered_at, "2d", 4.0, 1, 3)
    assert revised.escalations[0] < first.reminder_at

    await sleep_until(clock_env, revised.escalations[0] + MINUTE)
    status = await p.until(lambda s: s.task is not None and s.task.overdue)
    assert status.task is not None and status.task.deadline == revised.deadline
    assert "ahmad.fauzi@" in (await mail.wait_for(p.id, "escalation"))[0]["To"]
    handed_over = await kinds()  # both signals reached the first run, which then handed over
    assert handed_over.count("workflow_execution_signaled_event_attributes") == 2
    assert handed_over[-1] == "workflow_execution_continued_as_new_event_attributes"
    latest = await p.handle.fetch_history()
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(
        WorkflowHistory.from_json(p.id, latest.to_json())
    )


async def test_a_holiday_added_on_the_deadline_day_moves_the_deadline_within_seconds(
    dev_env: WorkflowEnvironment, web: Web, caplog: pytest.LogCaptureFixture, tmp_path: Path
):
    settings = web.settings
    settings.standard_times = {1: "2d"}
    p = await Scenario(dev_env.client, settings).start()
    first = await p.task()
    assert first.deadline is not None

    # Two workers watch the file, as in a deployment scaled out.
    caplog.set_level(logging.INFO, logger="worker.watch")
    watchers = [watch_calendar(dev_env.client, settings, every=0.2) for _ in range(2)]
    async with running(*watchers):
        await asyncio.sleep(0.5)  # the watchers have read the calendar as it was
        add_holiday(settings, first.deadline.astimezone(WIB).date())
        moved = await p.until(
            lambda s: s.task is not None and s.task.deadline != first.deadline, within=30
        )

        def both_told() -> None:
            told = [r for r in caplog.records if "the calendar changed" in r.getMessage()]
            assert len(told) == 2, told

        await eventually(both_told)
    assert moved.task is not None and moved.task.deadline is not None
    assert moved.task.deadline - first.deadline >= timedelta(hours=8)  # a working day later
    assert not moved.task.overdue and web.mail.for_process(p.id, "escalation") == []
    # Both told it of the same edit: the server took one signal, and the task looked once.
    history = await p.handle.fetch_history()
    signaled = "workflow_execution_signaled_event_attributes"
    assert sum(1 for e in history.events if e.HasField(signaled)) == 1

    # The bureau's page and the printed riwayat say the deadline the task entered with, that
    # it moved, and to when.
    old_deadline = format_when(first.deadline, "id")
    new_deadline = format_when(moved.task.deadline, "id")
    async with signed_in(web, "bureau") as biro:
        page = await biro.page(f"/proses/{p.id}")
        html = page.response.text
        assert f"tenggat: {old_deadline}" in html
        notices = html[html.index('id="notices"') :].split("</ul>")[0]
        assert "Tenggat berubah" in notices and f"tenggat baru: {new_deadline}" in notices
        run = (await p.handle.describe()).run_id
        printed = await biro.http.get(f"/proses/{p.id}/{run}/riwayat.pdf")
    text = " ".join(rendered(printed.content, tmp_path, "riwayat").split())
    assert f"tenggat: {old_deadline}" in text
    assert "Tenggat berubah" in text and f"tenggat baru: {new_deadline}" in text

    # The Kasubbag submits: the SOP table, on the page and printed, says the step was on
    # time by the deadline it moved to.
    await p.do_step()
    async with signed_in(web, "bureau") as biro:
        html = (await biro.page(f"/proses/{p.id}")).response.text
        printed = await biro.http.get(f"/proses/{p.id}/{run}/riwayat.pdf")
    step_one = html[html.index('id="langkah-1"') :].split('id="langkah-2"')[0]
    meta = step_one[step_one.index('class="pass-meta"') :].split("</p>")[0]
    assert f"Tenggat {short_when(moved.task.deadline, 'id')}" in meta and "tepat waktu" in meta
    text = " ".join(rendered(printed.content, tmp_path, "decided").split())
    assert f"(tenggat: {new_deadline}, tepat waktu)" in text


async def test_a_deadline_appears_within_seconds_once_ops_fix_a_broken_overrides_file(
    dev_env: WorkflowEnvironment, dev_worker, settings, mail
):
    # A broken overrides file: the Kasubbag's task opens without a deadline.
    assert settings.calendar_overrides_file is not None
    settings.calendar_overrides_file.write_text("holidays: [ {date: 2027-01-0\n")
    p = await Scenario(dev_env.client, settings).start()
    task = await p.task()
    assert task.deadline is None and await events(p, HistoryEvent.SCHEDULE_FAILED)

    # Ops fix it: the task is told, where it would ask again only after an hour.
    async with running(watch_calendar(dev_env.client, settings, every=0.2)):
        await asyncio.sleep(0.5)  # the watcher has found the file broken
        settings.calendar_overrides_file.write_text("holidays: []\n")
        fixed = await p.until(lambda s: s.task is not None and s.task.deadline is not None)
    assert fixed.task is not None and fixed.task.id == task.id
    expected = WorkCalendar.from_settings(settings).schedule(task.entered_at, "3d", 4.0, 1, 3)
    assert fixed.task.deadline == expected.deadline
    (moved,) = await events(p, HistoryEvent.DEADLINE_MOVED)
    assert moved_to(moved) == expected.deadline


async def test_what_changed_while_no_worker_watched_reaches_the_open_task_when_one_starts(
    dev_env: WorkflowEnvironment, dev_worker, settings: Settings, tmp_path: Path
):
    settings.standard_times = {1: "2d"}
    p = await Scenario(dev_env.client, settings).start()
    first = await p.task()
    assert first.deadline is not None

    async def a_worker_starts() -> None:
        """A worker's calendar watcher, from its start until it has looked once."""
        async with running(watch_calendar(dev_env.client, settings, every=0.2)):
            await asyncio.sleep(1)

    async def signals() -> int:
        kind = "workflow_execution_signaled_event_attributes"
        return sum(1 for e in (await p.handle.fetch_history()).events if e.HasField(kind))

    # The first worker on this data folder remembers the calendar it found, and tells nobody.
    await a_worker_starts()
    assert (settings.data_dir / CALENDAR_TOLD).is_file()
    assert await signals() == 0

    # Ops give the Kasubbag three working days and start the workers again: the task takes
    # it at once, not at its old reminder.
    settings.standard_times = {1: "3d"}
    await a_worker_starts()
    longer = await p.until(lambda s: s.task is not None and s.task.deadline != first.deadline)
    assert longer.task is not None and longer.task.deadline is not None
    calendar = WorkCalendar.from_settings(settings)
    assert longer.task.deadline == calendar.deadline(first.entered_at, "3d")
    (moved,) = await events(p, HistoryEvent.DEADLINE_MOVED)
    assert moved_to(moved) == longer.task.deadline

    # Restarted with nothing changed, a worker tells nobody.
    await a_worker_starts()
    assert await signals() == 1

    # The government makes the new deadline day cuti bersama while no worker runs: the next
    # worker to start tells the task.
    add_holiday(settings, longer.task.deadline.astimezone(WIB).date())
    await a_worker_starts()
    longest = longer.task.deadline
    later = await p.until(
        lambda s: s.task is not None and s.task.deadline not in (first.deadline, longest)
    )
    assert later.task is not None and later.task.deadline is not None
    assert later.task.deadline > longest
    assert await signals() == 2

    # A worker with a data folder of its own (a new machine) has nothing to compare with.
    settings.standard_times = {1: "4d"}
    settings.data_dir = tmp_path / "elsewhere"
    await a_worker_starts()
    assert await signals() == 2


def test_a_data_folder_that_cannot_keep_what_was_told_is_logged_and_left_clean(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING, logger="worker.watch")
    # No folder can be made there: a file stands in the way.
    (tmp_path / "a-file").write_text("")
    settings.data_dir = tmp_path / "a-file" / "data"
    remember(settings, CALENDAR_TOLD, "digest")
    assert told_before(settings, CALENDAR_TOLD) is None
    # A folder where the file should be: the temporary copy is not left behind.
    settings.data_dir = tmp_path / "another"
    (settings.data_dir / CALENDAR_TOLD).mkdir(parents=True)
    remember(settings, CALENDAR_TOLD, "digest")
    assert [p.name for p in settings.data_dir.iterdir()] == [CALENDAR_TOLD]
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2 and all("calendar-told could not be written" in w for w in warned)
