"""Writes riwayat entries to the reporting database, once each.

Every entry is keyed by process and sequence: an entry already there is skipped, so a
retried activity, a backfill over a live record, or both at once count nothing twice (two
writers racing on one entry: the unique key refuses the second, whose retry then skips it).
Entries are taken in order; a decision's working time comes from its task's entry, which
an earlier batch (or the same one) wrote. Should a task's entry come after its decision (a
batch lost, then backfilled), the decision is measured again then: the database ends the
same whatever order its batches came in. Writers of one process take turns (its row is
locked), so one never misses what another was writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import bagit
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from common.archives.bag import UnsafeBagName, resolve_bag
from common.archives.metadata import archive_metadata, from_bag_info
from common.deadline import written_deadline
from common.models import Action, HistoryEntry, HistoryEvent, ReportBatch
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.events import event_key, event_kind, reported, slim
from reporting.schema import Process, StepEvent
from workflows import sop

# The writer's queries, built once with parameters: building a statement costs more than
# SQLite takes to run it, on every step of every process.
_PROCESS = select(Process).where(
    Process.workflow_id == bindparam("workflow_id"), Process.started_at == bindparam("started_at")
)
_PRESENT = select(StepEvent.seq).where(
    StepEvent.process_id == bindparam("process_id"),
    StepEvent.seq.in_(bindparam("seqs", expanding=True)),
)

# The kinds of a task's events that a decision's working time reads.
_MEASURED = ("entered", "unassigned", "assigned", "escalation", "overdue", "deadline_moved")
_TASK_MARKS = (
    select(StepEvent.task_id, StepEvent.seq, StepEvent.kind, StepEvent.at, StepEvent.detail)
    .where(
        StepEvent.process_id == bindparam("process_id"),
        StepEvent.task_id.in_(bindparam("task_ids", expanding=True)),
        StepEvent.kind.in_(_MEASURED),
    )
    .order_by(StepEvent.seq)
)

# The decisions already recorded of some tasks (measured again when an entry comes late).
_DECIDED = select(StepEvent).where(
    StepEvent.process_id == bindparam("process_id"),
    StepEvent.task_id.in_(bindparam("task_ids", expanding=True)),
    StepEvent.decided_at.is_not(None),
)


def find_process(session: Session, workflow_id: str, started_at: datetime) -> Process | None:
    """The process's row, locked until the commit: its writers take turns (PostgreSQL;
    SQLite's writers take turns anyway)."""
    found = session.scalars(
        _PROCESS.with_for_update(), {"workflow_id": workflow_id, "started_at": started_at}
    )
    return found.one_or_none()


def _process(session: Session, batch: ReportBatch, run_id: str | None) -> Process:
    found = find_process(session, batch.workflow_id, batch.started_at)
    if found is None:
        p = batch.process
        found = Process(
            workflow_id=batch.workflow_id,
            started_at=batch.started_at,
            year=p.year,
            code=p.code,
            sop_number=p.sop_number,
            revision=p.revision,
            title=p.title,
            state="running",
            last_seq=0,
        )
        session.add(found)
    if run_id:
        found.run_id = run_id
    return found


@dataclass(frozen=True)
class _Mark:
    """What a decision's working time needs of an earlier event of its task."""

    seq: int
    kind: str
    at: datetime
    detail: str


def record_batch(
    session: Session,
    batch: ReportBatch,
    *,
    settings: Settings,
    calendar: WorkCalendar,
    run_id: str | None = None,
) -> int:
    """Write the batch's reported entries not yet there; how many were new. A few queries
    whatever the batch holds: the write runs in a workflow task, on every step."""
    process = _process(session, batch, run_id)
    if process.id is None:
        session.flush()  # a new process: its id, for its events
    seqs = [e.seq for e in batch.entries]
    present = set(session.scalars(_PRESENT, {"process_id": process.id, "seqs": seqs}))
    new = [
        e
        for e in sorted(batch.entries, key=lambda e: e.seq)
        if reported(e) and e.seq not in present
    ]
    marks = _marks(session, process.id, {e.task_id for e in new if e.task_id and _decides(e)})
    archived = any(e.event is HistoryEvent.ARCHIVED for e in new) and _has_archive(
        session, process.id
    )
    rows: list[StepEvent] = []
    for entry in new:
        if entry.event is HistoryEvent.ARCHIVED:
            # A bag's riwayat stops before its own archiving, so the backfill adds that
            # entry under a sequence of its own guess: one archive per process counts.
            if archived:
                continue
            archived = True
        row = _row(batch, process, slim(entry), run_id, settings, calendar, marks)
        rows.append(row)
        if entry.task_id and row.kind in _MEASURED:
            # A decision later in this batch reads its task's entry from here.
            marks.setdefault(entry.task_id, []).append(
                _Mark(entry.seq, row.kind, entry.at, row.detail)
            )
        _follow(process, entry)
        if entry.event is HistoryEvent.ARCHIVED:
            _describe_archive(process, entry, batch, settings)
    session.add_all(rows)
    _measure_again(session, process.id, rows, settings, calendar)
    return len(rows)


def _measure_again(
    session: Session,
    process_id: int,
    rows: list[StepEvent],
    settings: Settings,
    calendar: WorkCalendar,
) -> None:
    """Decisions recorded before an entry of their task that this batch brings: measured
    again with it."""
    marked = {r.task_id for r in rows if r.task_id and r.kind in _MEASURED}
    if not marked:
        return
    ours = {id(r) for r in rows}
    found = session.scalars(_DECIDED, {"process_id": process_id, "task_ids": list(marked)})
    earlier = [r for r in found if id(r) not in ours]
    if not earlier:
        return  # in order, as nearly always: one query
    marks = _marks(session, process_id, marked)  # this batch's among them (autoflush)
    for row in earlier:
        if row.task_id is None or row.step is None or row.decided_at is None:
            continue
        step = sop.STEP_BY_NUMBER[row.step]
        standard = settings.standard_time(step.number, step.standard_time)
        _measure(marks.get(row.task_id, []), row.decided_at, row, standard, calendar)


def _decides(entry: HistoryEntry) -> bool:
    return entry.event is HistoryEvent.DECIDED and bool(entry.task_id)


def _marks(session: Session, process_id: int, task_ids: set[str]) -> dict[str, list[_Mark]]:
    """The events already recorded of the tasks this batch decides, by task, in order."""
    found: dict[str, list[_Mark]] = {}
    if not task_ids:
        return found
    rows = session.execute(_TASK_MARKS, {"process_id": process_id, "task_ids": list(task_ids)})
    for task_id, seq, kind, at, detail in rows:
        found.setdefault(task_id, []).append(_Mark(seq, kind, at, detail))
    return found


def _has_archive(session: Session, process_id: int) -> bool:
    found = session.scalar(
        select(func.count()).where(
            StepEvent.process_id == process_id, StepEvent.kind == HistoryEvent.ARCHIVED.value
        )
    )
    return bool(found)


def _row(
    batch: ReportBatch,
    process: Process,
    entry: HistoryEntry,
    run_id: str | None,
    settings: Settings,
    calendar: WorkCalendar,
    marks: dict[str, list[_Mark]],
) -> StepEvent:
    step = sop.STEP_BY_NUMBER.get(entry.step) if entry.step is not None else None
    doc = entry.documents[0] if entry.documents else None
    row = StepEvent(
        event_key=event_key(batch.workflow_id, batch.started_at, entry.seq),
        process_id=process.id,
        run_id=run_id,
        seq=entry.seq,
        kind=event_kind(entry),
        at=entry.at,
        year=process.year,
        code=process.code,
        sop_number=process.sop_number,
        revision=process.revision,
        step=entry.step,
        role=step.role if step else None,
        task_id=entry.task_id,
        round=entry.round,
        person=entry.person,
        acting_for=entry.acting_for,
        acting_kind=entry.acting_kind,
        via=entry.via,
        action=entry.action.value if entry.action else None,
        target=entry.target,
        detail=entry.detail[:200],
        doc_kind=doc.kind if doc else None,
        doc_version=doc.version if doc else None,
        sha256=doc.sha256 if doc else None,
        reasons=",".join(a.item for a in entry.checklist)[:500],
        note=entry.note,
    )
    if step is None:
        return row
    standard = settings.standard_time(step.number, step.standard_time)
    if entry.event is HistoryEvent.ENTERED:
        row.entered_at = row.clock_start = entry.at
        row.standard_time = standard
        row.deadline = written_deadline(row.kind, row.detail) or calendar.deadline(
            entry.at, standard
        )
        row.allowed_hours = calendar.working_hours_between(entry.at, row.deadline)
    elif entry.event is HistoryEvent.DEADLINE_MOVED:
        row.deadline = written_deadline(row.kind, row.detail)
    elif _decides(entry):
        _measure(marks.get(entry.task_id or "", []), entry.at, row, standard, calendar)
    return row


def _measure(
    marks: list[_Mark],
    decided_at: datetime,
    row: StepEvent,
    standard: str,
    calendar: WorkCalendar,
) -> None:
    """What the decided step took: from its clock's start (entry, or the first assignment
    of a task that waited unassigned) to the decision, in working hours, against its
    deadline: the last the riwayat wrote for the task, else the one its standard time gives
    by the calendar as it is now (a run before the riwayat wrote deadlines)."""
    row.decided_at = decided_at
    row.standard_time = standard
    opened = [m for m in marks if m.kind in ("entered", "unassigned")]
    entered = min(opened, key=lambda m: m.seq, default=None)
    if entered is None:
        return  # its entry was never recorded (a lost batch); the decision still counts
    row.entered_at = entered.at
    if entered.kind == "entered":
        row.clock_start = entered.at
    else:
        row.clock_start = min((m.at for m in marks if m.kind == "assigned"), default=None)
    row.escalations = max(
        (_escalation_number(m.detail) for m in marks if m.kind == "escalation"), default=0
    )
    marked_overdue = any(m.kind == "overdue" for m in marks)
    if row.clock_start is None:
        row.overdue = marked_overdue
        return
    written = {m.seq: d for m in marks if (d := written_deadline(m.kind, m.detail)) is not None}
    last = written[max(written)] if written else None
    row.deadline = last or calendar.deadline(row.clock_start, standard)
    row.working_hours = calendar.working_hours_between(row.clock_start, decided_at)
    row.allowed_hours = calendar.working_hours_between(row.clock_start, row.deadline)
    row.overdue = marked_overdue or decided_at > row.deadline


def _describe_archive(
    process: Process, entry: HistoryEntry, batch: ReportBatch, settings: Settings
) -> None:
    """The archive's classification, access class and retention: as its bag says, or as
    the settings would say now when the bag cannot be read here."""
    meta = None
    try:
        bag = resolve_bag(settings.archive_dir, entry.detail)
        meta = from_bag_info(bagit.Bag(str(bag)).info)
    except (UnsafeBagName, OSError, bagit.BagError):
        pass
    if meta is None:
        meta = archive_metadata(settings, batch.process, process.official_number, entry.at)
    process.classification = meta.classification
    process.access_class = meta.access_class
    process.retention_active_years = meta.active_years
    process.retention_inactive_years = meta.inactive_years
    process.final_disposition = meta.disposition
    process.official_number = process.official_number or meta.official_number


def _escalation_number(detail: str) -> int:
    """ "2/3" is the second of three escalations."""
    head = detail.split("/", 1)[0]
    return int(head) if head.isdigit() else 1


def _follow(process: Process, entry: HistoryEntry) -> None:
    """Where the process stands, from its entries in order."""
    if entry.seq <= process.last_seq:
        return
    process.last_seq = entry.seq
    if entry.event in (HistoryEvent.ENTERED, HistoryEvent.UNASSIGNED):
        step = sop.STEP_BY_NUMBER.get(entry.step or 0)
        process.step = entry.step
        process.role = step.role if step else None
        process.since = entry.at
    elif entry.event is HistoryEvent.CANCELLED:
        process.state = "cancelled"
        process.ended_at = entry.at
    elif entry.event is HistoryEvent.DECIDED and entry.action is Action.ARCHIVE:
        # A process ends with its archive decision (the bag is built moments later; a
        # backfill knows only the bag's own timestamp for that).
        process.ended_at = entry.at
    elif entry.event is HistoryEvent.ARCHIVED:
        process.state = "archived"
        process.ended_at = process.ended_at or entry.at
        process.archived_at = entry.at
        process.bag_name = entry.detail or None
