"""The reporting database: every step event of a process written once, by a local
activity or (the database slow to answer) an activity, on SQLite and on a real PostgreSQL
server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.reporting import ReportingActivities
from common.converter import data_converter
from common.models import ReportBatch
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.database import ReportingDatabase
from reporting.recorder import record_batch
from reporting.schema import Process, StepEvent
from tests.conftest import end_left_running, serving, worker_replacing
from tests.scenario import KABAG, KARO, MENTERI, Scenario
from tests.support import (
    activities_scheduled,
    local_activities,
    local_activity_type,
    settle,
    workflow_tasks,
)
from workflows import sop
from workflows.iku import IkuWorkflow


def _events(db: ReportingDatabase, workflow_id: str) -> list[StepEvent]:
    with db.session() as s:
        return list(
            s.scalars(
                select(StepEvent)
                .join(Process)
                .where(Process.workflow_id == workflow_id)
                .order_by(StepEvent.seq)
            )
        )


async def test_every_step_of_a_walk_with_a_return_is_recorded_once_with_its_working_time(
    ts_env: WorkflowEnvironment, reporting_settings: Settings
):
    settings = reporting_settings
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to(9)
        await p.return_(KARO, "Indikator 3 belum memiliki formula.")
        await p.approve(KABAG, new_draft="Draf IKU v2")
        await p.walk_to_end()
        await p.result()  # the process ends only once its events are written
        status = await p.status()
    db = ReportingDatabase(settings)
    rows = _events(db, p.id)
    kinds = Counter(r.kind for r in rows)
    assert kinds["started"] == 1 and kinds["archived"] == 1
    assert kinds["entered"] == 16 + 2  # the Kabag's step 8 and the Karo's 9 once more
    assert kinds["returned"] == 1 and kinds["decided"] == 17
    assert len({r.event_key for r in rows}) == len(rows)
    # Exactly the riwayat's counted entries, in its order.
    counted = [h.seq for h in status.history if h.event.value in {k for k in kinds} | {"decided"}]
    assert [r.seq for r in rows] == counted
    returned = next(r for r in rows if r.kind == "returned")
    assert (returned.step, returned.role, returned.person, returned.round) == (9, "karo", KARO, 1)
    assert returned.note == "Indikator 3 belum memiliki formula."
    signed = next(r for r in rows if r.kind == "decided" and r.step == 11)
    assert signed.person == MENTERI and signed.sha256 == status.signature.sha256
    # Each paraf is a version of its own: the team's draft, the Kabag's paraf, his revision
    # after the return (with his paraf), the Karo's and the Sekjen's paraf: he signs v5.
    assert signed.doc_kind == "draf_iku" and signed.doc_version == 5
    for r in rows:
        assert r.year == 2027 and r.sop_number == status.process.sop_number
        if r.kind in ("decided", "returned"):
            entered = next(e for e in rows if e.kind == "entered" and e.task_id == r.task_id)
            assert r.entered_at == entered.at and r.clock_start == entered.at
            assert r.standard_time == sop.step(r.step).standard_time
            calendar = WorkCalendar.from_settings(settings)
            assert r.deadline == calendar.deadline(entered.at, r.standard_time)
            assert r.working_hours == calendar.working_hours_between(entered.at, r.at)
            assert r.overdue is False and r.escalations == 0
            assert r.run_id == p.first_run_id
    with db.session() as s:
        process = s.scalars(select(Process).where(Process.workflow_id == p.id)).one()
        assert process.state == "archived" and process.bag_name == status.archive.bag_name
        assert process.step == 16 and process.last_seq == rows[-1].seq
    db.dispose()


def _batch(p: Scenario, history: list, started_at) -> ReportBatch:
    return ReportBatch(workflow_id=p.id, started_at=started_at, process=p.process, entries=history)


async def test_a_retried_write_and_two_writers_at_once_count_each_event_once(
    ts_env: WorkflowEnvironment, reporting_settings: Settings
):
    settings = reporting_settings
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to(4)
        # Its reporter has written everything so far (it runs behind the decisions).
        assert await settle(p.handle, within=60)
        status = await p.status()
    started_at = status.history[0].at
    db = ReportingDatabase(settings)
    before = len(_events(db, p.id))
    assert before > 0
    calendar = WorkCalendar.from_settings(settings)
    batch = _batch(p, status.history, started_at)
    with db.session() as s:
        assert record_batch(s, batch, settings=settings, calendar=calendar) == 0

    # Two writers (a backfill and a late retry) on the same entries, at the same moment.
    fresh = Scenario(ts_env.client, settings)
    fresh_batch = _batch(fresh, status.history, started_at)
    barrier = threading.Barrier(2)
    written: list[int] = []

    def write() -> None:
        barrier.wait()
        for _ in range(3):  # the activity's retry
            try:
                with db.session() as s:
                    written.append(
                        record_batch(s, fresh_batch, settings=settings, calendar=calendar)
                    )
                return
            except IntegrityError:
                continue

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(written) == [0, before]
    assert len(_events(db, fresh.id)) == before
    db.dispose()


class _DiesAfterWriting(ReportingActivities):
    """A worker that dies right after the database committed: Temporal never hears of the
    success and runs the activity again."""

    calls = 0

    @activity.defn(name="record_events")
    def record_events(self, batch: ReportBatch) -> int:
        written = super().record_events(batch)
        _DiesAfterWriting.calls += 1
        if _DiesAfterWriting.calls == 1:
            raise RuntimeError("worker lost after the commit")
        return written


async def test_events_are_written_once_when_the_write_is_retried_and_the_worker_is_replaced(
    dev_env: WorkflowEnvironment, settings: Settings
):
    dying = {"record_events": _DiesAfterWriting(settings).record_events}
    async with worker_replacing(dev_env.client, settings, dying):
        p = await Scenario(dev_env.client, settings).start()
        await p.walk_to(3)
    # That worker went away mid-process; another takes over and the walk goes on.
    async with serving(dev_env, settings, listed=True):
        await p.walk_to_end()
        await p.result(within=timedelta(seconds=60))
        status = await p.status()
    assert _DiesAfterWriting.calls >= 1  # its first write was committed, then retried
    db = ReportingDatabase(settings)
    rows = _events(db, p.id)
    assert len({r.seq for r in rows}) == len(rows)
    counted = {"started", "entered", "decided", "archived"}
    assert [r.seq for r in rows] == [h.seq for h in status.history if h.event.value in counted]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(StepEvent)) == len(rows)
    db.dispose()


async def test_a_decision_and_the_step_it_opens_are_written_in_one_local_write(
    ts_env: WorkflowEnvironment, settings: Settings
):
    """The Kasubbag's submission and the Kabag's review it opens go to the database
    together, each batch as a local activity (one history event, where an activity costs
    six) in the workflow task the step's mail brings when it is sent: neither the answer to
    the decision nor the step's timer waits for the write."""
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await settle(p.handle)
        await p.do_step()
        await settle(p.handle)
        history = await p.handle.fetch_history()
    # How many new events each write brought: started + entered, then decided + entered.
    assert local_activities(history, "record_events") == [b"2", b"2"]
    assert activities_scheduled(history, "record_events") == 0
    writes = [
        task
        for task in workflow_tasks(history)
        if any(local_activity_type(e) == "record_events" for e in task)
    ]
    assert len(writes) == 2
    for task in writes:
        woken_by = [e.event_type for e in task]
        assert EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in woken_by  # the mail, sent
        assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED not in woken_by
        assert EventType.EVENT_TYPE_TIMER_STARTED not in woken_by
    assert [(r.seq, r.kind) for r in _events(ReportingDatabase(settings), p.id)] == [
        (1, "started"),
        (2, "entered"),
        (3, "decided"),
        (4, "entered"),
    ]


# The database does not answer the second write for this long: well past what a local write
# may take (workflows/timeouts.py, REPORT_LOCALLY: 3 s), so a busy CI machine's slower answer
# still tells the two apart.
_HUNG = 15.0


class _HangsOnce(ReportingActivities):
    """A reporting database that does not answer one write (the Kasubbag's submission)
    for a while, and then writes it."""

    calls = 0
    hung_write_over = threading.Event()

    @activity.defn(name="record_events")
    def record_events(self, batch: ReportBatch) -> int:
        _HangsOnce.calls += 1
        if _HangsOnce.calls != 2:
            return super().record_events(batch)
        try:
            time.sleep(_HUNG)
            return super().record_events(batch)
        finally:  # written, or cancelled into its thread once the sleep ends
            _HangsOnce.hung_write_over.set()


async def test_the_database_hangs_on_the_submission_an_activity_writes_it_the_next_is_local(
    dev_env: WorkflowEnvironment, settings: Settings
):
    hanging = {"record_events": _HangsOnce(settings).record_events}
    async with worker_replacing(dev_env.client, settings, hanging):
        p = await Scenario(dev_env.client, settings).start()
        await settle(p.handle)
        started = time.monotonic()
        await p.do_step()  # the Kasubbag submits: its write hangs
        answered = time.monotonic() - started
        await settle(p.handle)
        await p.do_step()  # the Kabag forwards: the database answers again
        await settle(p.handle)
        history = await p.handle.fetch_history()
        await end_left_running(dev_env.client, settings.task_queue)
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(history)
    # The Kasubbag was answered once the local write gave up, not after the whole hang.
    assert answered < _HUNG - 5, answered
    # The hung local write, then the activity's; the next batch locally again.
    assert local_activities(history, "record_events") == [b"2", None, b"2"]
    assert activities_scheduled(history, "record_events") == 1

    # Also once the hung write, given up by the workflow, is over.
    assert await asyncio.to_thread(_HangsOnce.hung_write_over.wait, _HUNG + 10)
    db = ReportingDatabase(settings)
    assert [(r.seq, r.kind) for r in _events(db, p.id)] == [
        (1, "started"),
        (2, "entered"),
        (3, "decided"),
        (4, "entered"),
        (5, "decided"),
        (6, "entered"),
    ]
    db.dispose()


def test_the_tables_are_mapped_when_the_worker_loads_them_not_by_a_first_write() -> None:
    """A write is a synchronous activity, cancelled (a local one past its 3 s) by an
    exception raised into its thread; had the first write still to configure SQLAlchemy's
    mappers, one landing then broke them for the worker's life and every later write
    failed (seen on the smallest worker under load). A fresh interpreter, as the worker."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import activities.reporting\n"
            "from reporting.schema import Base\n"
            "print([m.class_.__name__ for m in Base.registry.mappers if not m.configured])",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
