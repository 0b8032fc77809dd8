"""An open task follows its holder's acting official (Plh/Plt) on the day the appointment
begins or ends: on that morning the task is mailed to whoever holds it that day, and the
riwayat says it changed hands. Before, it reached them only at the next reminder, or when
ops resent it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

import pytest
from temporalio import activity
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.directory_watch import DIRECTORY_TOLD, appointments_changed, watch_directory
from activities.file_watch import running
from activities.notify import NotifyActivities
from common.converter import data_converter
from common.directory import load_directory
from common.models import HistoryEvent, StatusView
from common.settings import Settings
from common.workcalendar import WorkCalendar
from common.workflow_calls import RECHECK_ACTING
from tests.conftest import MailBox, end_left_running, worker_replacing
from tests.scenario import KABAG, KARO, Scenario, appointment, rewrite_acting, write_directory
from tests.support import eventually
from workflows.iku import WAKE_HAND_OVER, WAKE_OFFICE_OPENS, IkuWorkflow
from workflows.sop import WIB

PLH_KABAG = "p-011"  # Dewi Lestari, the Kasubbag Evaluasi Kinerja


def server_time() -> datetime:
    """The mail's "today" by the server's clock, which the time-skipping server moves on
    (a worker's own clock stays in the real today)."""
    return activity.info().current_attempt_scheduled_time


@pytest.fixture
async def day_worker(clock_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[None]:
    """Our worker on a time-skipping server of the test's own (these tests move its time),
    its mail routed to the acting officials of the server's day."""
    mailer = NotifyActivities(settings, clock=server_time)
    async with worker_replacing(
        clock_env.client, settings, {"send_notification": mailer.send_notification}
    ):
        yield
        await end_left_running(clock_env.client, settings.task_queue)


async def jakarta_today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).astimezone(WIB).date()


async def morning_of(env: WorkflowEnvironment, day: date) -> None:
    """Time skips to a few minutes past the hand-over moment (07:00 WIB) of ``day``."""
    target = datetime.combine(day, time(7, 5), tzinfo=WIB)
    await env.sleep(target - await env.get_current_time())


def handed_over(status: StatusView) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (h.target, h.acting_for, h.acting_kind)
        for h in status.history
        if h.event is HistoryEvent.HANDED_OVER
    ]


async def at_the_kabags_review(
    env: WorkflowEnvironment, settings: Settings, mail: MailBox, acting: list[dict[str, str]]
) -> tuple[Scenario, str, EmailMessage]:
    """A process walked to step 2 under a directory with these appointments: the process,
    the Kabag's task and its first mail."""
    settings.directory_file = write_directory(settings.directory_file.parent, acting=acting)
    p = await Scenario(env.client, settings).start()
    await p.walk_to(2)
    task = await p.task()
    (first,) = await mail.wait_for(p.id, "task", task.id)
    return p, task.id, first


def wake_summaries(history: History) -> list[str]:
    return [
        e.user_metadata.summary.data.decode()
        for e in history.events
        if e.HasField("timer_started_event_attributes")
    ]


async def test_a_plh_appointed_from_the_day_after_tomorrow_gets_the_kabags_review_that_morning(
    clock_env: WorkflowEnvironment, day_worker, settings, mail
):
    first_day = await jakarta_today(clock_env) + timedelta(days=2)
    p, task_id, first = await at_the_kabags_review(
        clock_env,
        settings,
        mail,
        [appointment(PLH_KABAG, KABAG, first_day, first_day + timedelta(days=3))],
    )
    assert "ahmad.fauzi@" in first["To"]  # the Kabag himself: the Plh starts later

    await morning_of(clock_env, first_day)
    second = (await mail.wait_for(p.id, "task", task_id, count=2))[-1]
    assert "dewi.lestari@" in second["To"] and "Plh. " in second.get_body(("plain",)).get_content()
    status = await p.status()
    assert handed_over(status) == [(PLH_KABAG, KABAG, "plh")]
    assert status.task is not None and status.task.id == task_id  # the same task, not a new one

    # The link she got is good: she decides as the Kabag's Plh.
    result = await p.approve(PLH_KABAG, "Setuju, teruskan kepada Karo. (Plh Kabag)")
    assert result.next_step == 3
    decided = [h for h in (await p.status()).history if h.event is HistoryEvent.DECIDED][-1]
    assert (decided.person, decided.acting_for) == (PLH_KABAG, KABAG)

    # The wake is named in the Web UI, and the history replays on today's code.
    history = await p.handle.fetch_history()
    assert any(WAKE_HAND_OVER in s for s in wake_summaries(history))
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(
        WorkflowHistory.from_json(p.id, history.to_json())
    )


async def test_when_the_plhs_appointment_ends_the_task_is_back_with_the_kabag_the_next_morning(
    clock_env: WorkflowEnvironment, day_worker, settings, mail
):
    # To tomorrow, not today: a window closing at midnight WIB could close mid-test.
    last_day = await jakarta_today(clock_env) + timedelta(days=1)
    p, task_id, first = await at_the_kabags_review(
        clock_env,
        settings,
        mail,
        [appointment(PLH_KABAG, KABAG, last_day - timedelta(days=2), last_day)],
    )
    assert "dewi.lestari@" in first["To"]  # the Plh holds it today

    await morning_of(clock_env, last_day + timedelta(days=1))
    back = (await mail.wait_for(p.id, "task", task_id, count=2))[-1]
    assert "ahmad.fauzi@" in back["To"]
    assert handed_over(await p.status()) == [(KABAG, None, None)]
    result = await p.approve(KABAG, "Setuju, teruskan kepada Karo.")
    assert result.next_step == 3


async def test_a_task_with_no_acting_appointment_wakes_for_none(
    clock_env: WorkflowEnvironment, day_worker, settings, mail
):
    p, _, _ = await at_the_kabags_review(clock_env, settings, mail, [])
    await morning_of(clock_env, await jakarta_today(clock_env) + timedelta(days=2))
    assert handed_over(await p.status()) == []
    assert len(mail.for_process(p.id, "task")) == 2  # step 1's and step 2's, no more
    history = await p.handle.fetch_history()
    assert not any(WAKE_HAND_OVER in s for s in wake_summaries(history))


async def test_a_plh_taking_the_overdue_review_at_seven_leaves_its_eskalasi_at_half_past(
    clock_env: WorkflowEnvironment, day_worker, settings, mail
):
    # The Kabag's review is overdue; his Plh's appointment begins on the morning its first
    # eskalasi falls due, at the office's opening (07.30), half an hour after the hand-over.
    start = await clock_env.get_current_time()
    calendar = WorkCalendar.from_settings(settings)
    morning = calendar.schedule(start, "2d", 4.0, 1, 3).escalations[0].astimezone(WIB)
    p, task_id, _ = await at_the_kabags_review(
        clock_env,
        settings,
        mail,
        [appointment(PLH_KABAG, KABAG, morning.date(), morning.date() + timedelta(days=3))],
    )
    assert p.escalation_times(await p.task())[0] == morning

    # At 07.00, before the office opens, the task is handed over and nothing is held: the
    # eskalasi is not due yet, and its wake keeps its name.
    await morning_of(clock_env, morning.date())
    second = (await mail.wait_for(p.id, "task", task_id, count=2))[-1]
    assert "dewi.lestari@" in second["To"]
    assert mail.for_process(p.id, "escalation") == []
    summaries = wake_summaries(await p.handle.fetch_history())
    assert "escalation 1/3, step 2" in summaries[-1], summaries
    assert not any(WAKE_OFFICE_OPENS in s for s in summaries)

    # At the opening the Karo is told.
    await clock_env.sleep(morning + timedelta(minutes=1) - await clock_env.get_current_time())
    (escalation,) = await mail.wait_for(p.id, "escalation")
    assert "bambang.sutrisno@" in escalation["To"]
    (entry,) = [h for h in (await p.status()).history if h.event is HistoryEvent.ESCALATION]
    assert morning <= entry.at < morning + timedelta(minutes=1)


def test_the_watcher_names_those_whose_appointments_from_today_on_changed(tmp_path):
    today = date(2027, 3, 10)
    before = load_directory(
        write_directory(
            tmp_path,
            acting=[
                appointment(PLH_KABAG, KABAG, today - timedelta(days=9), today - timedelta(days=2)),
                appointment(PLH_KABAG, KARO, today + timedelta(days=5), today + timedelta(days=6)),
            ],
        )
    )
    same = load_directory(
        write_directory(
            tmp_path,
            acting=[
                appointment(PLH_KABAG, KARO, today + timedelta(days=5), today + timedelta(days=6)),
            ],
        )
    )
    # An appointment that ended before today no longer matters: dropping it changes nothing.
    assert appointments_changed(before, same, today) == []
    moved = load_directory(
        write_directory(
            tmp_path,
            acting=[
                appointment(PLH_KABAG, KARO, today + timedelta(days=6), today + timedelta(days=6)),
                appointment(PLH_KABAG, KABAG, today, today),
            ],
        )
    )
    # The Karo's appointment moved a day, the Kabag got one for today: both are told.
    assert appointments_changed(before, moved, today) == sorted([KABAG, KARO])


async def test_a_plh_added_later_for_the_day_after_tomorrow_is_learnt_at_once_and_handed_over_then(
    clock_env: WorkflowEnvironment, day_worker, settings, mail
):
    p, task_id, _ = await at_the_kabags_review(clock_env, settings, mail, [])

    # The bureau adds the Plh to the directory; the worker's watcher tells the process.
    first_day = await jakarta_today(clock_env) + timedelta(days=2)
    rewrite_acting(settings.directory_file, [appointment(PLH_KABAG, KABAG, first_day, first_day)])
    await p.handle.signal(RECHECK_ACTING)
    await p.until(lambda s: s.task is not None and KABAG in s.task.acting)
    assert len(mail.for_process(p.id, "task")) == 2  # nothing to mail before her day

    await morning_of(clock_env, first_day)
    second = (await mail.wait_for(p.id, "task", task_id, count=2))[-1]
    assert "dewi.lestari@" in second["To"]
    assert handed_over(await p.status()) == [(PLH_KABAG, KABAG, "plh")]


async def test_a_plh_added_to_the_directory_for_today_gets_the_kabags_review_within_seconds(
    dev_env: WorkflowEnvironment, dev_worker, settings, mail, caplog: pytest.LogCaptureFixture
):
    p, task_id, first = await at_the_kabags_review(dev_env, settings, mail, [])
    assert "ahmad.fauzi@" in first["To"]

    # Two workers watch the file, as in a deployment scaled out.
    caplog.set_level(logging.INFO, logger="worker.watch")
    watchers = [watch_directory(dev_env.client, settings, every=0.2) for _ in range(2)]
    async with running(*watchers):
        await asyncio.sleep(0.5)  # the watchers have read the directory as it was
        today = datetime.now(WIB).date()
        rewrite_acting(
            settings.directory_file,
            [appointment(PLH_KABAG, KABAG, today - timedelta(days=1), today + timedelta(days=1))],
        )
        second = (await mail.wait_for(p.id, "task", task_id, count=2, within=30))[-1]

        def both_told() -> None:
            told = [r for r in caplog.records if "1 processes told" in r.getMessage()]
            assert len(told) == 2, told

        await eventually(both_told)
    assert "dewi.lestari@" in second["To"]
    assert handed_over(await p.status()) == [(PLH_KABAG, KABAG, "plh")]
    # Both told it of the same edit: the server took one signal.
    history = await p.handle.fetch_history()
    signaled = "workflow_execution_signaled_event_attributes"
    assert sum(1 for e in history.events if e.HasField(signaled)) == 1
    result = await p.approve(PLH_KABAG, "Setuju, teruskan kepada Karo. (Plh Kabag)")
    assert result.next_step == 3


async def test_a_plh_entered_while_no_worker_watched_gets_the_kabags_review_when_one_starts(
    dev_env: WorkflowEnvironment, dev_worker, settings, mail
):
    p, task_id, first = await at_the_kabags_review(dev_env, settings, mail, [])
    assert "ahmad.fauzi@" in first["To"]

    async def a_worker_starts() -> None:
        """A worker's directory watcher, from its start until it has looked once."""
        async with running(watch_directory(dev_env.client, settings, every=0.2)):
            await asyncio.sleep(1)

    # The first worker on this data folder remembers the appointments it found.
    await a_worker_starts()
    assert (settings.data_dir / DIRECTORY_TOLD).is_file()

    # The bureau enters the Kabag's Plh for today while no worker runs; the next worker to
    # start tells every running process, and the review is hers within seconds.
    today = datetime.now(WIB).date()
    rewrite_acting(
        settings.directory_file,
        [appointment(PLH_KABAG, KABAG, today - timedelta(days=1), today + timedelta(days=1))],
    )
    await a_worker_starts()
    second = (await mail.wait_for(p.id, "task", task_id, count=2, within=30))[-1]
    assert "dewi.lestari@" in second["To"]
    assert handed_over(await p.status()) == [(PLH_KABAG, KABAG, "plh")]

    # Started again with nothing changed, a worker tells nobody.
    await a_worker_starts()
    history = await p.handle.fetch_history()
    signaled = "workflow_execution_signaled_event_attributes"
    assert sum(1 for e in history.events if e.HasField(signaled)) == 1
