"""The reporting database: every step event of a process written once, by an activity,
on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.reporting import ReportingActivities
from common.models import ReportBatch
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.database import ReportingDatabase
from reporting.recorder import record_batch
from reporting.schema import Process, StepEvent
from tests.conftest import serving, worker_replacing
from tests.scenario import KABAG, KARO, MENTERI, Scenario
from tests.support import settle
from workflows import sop


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


async def test_a_decision_and_the_step_it_opens_are_written_in_one_batch(
    ts_env: WorkflowEnvironment, settings: Settings
):
    """Every write is an activity (six history events): the Kasubag's submission and the
    Kabag's review it opens go to the database together, not one after the other."""
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await settle(p.handle)
        await p.do_step()
        await settle(p.handle)
        batches = [
            e.activity_task_scheduled_event_attributes.input
            async for e in p.handle.fetch_history_events()
            if e.activity_task_scheduled_event_attributes.activity_type.name == "record_events"
        ]
    converter = ts_env.client.data_converter
    written = [
        [entry.event.value for entry in batch.entries]
        for batch in [
            (await converter.decode(payloads.payloads, [ReportBatch]))[0] for payloads in batches
        ]
    ]
    assert written == [["started", "entered"], ["decided", "entered"]]
