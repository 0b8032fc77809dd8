"""Writes riwayat entries to the reporting database, once each.

Every entry is keyed by process and sequence: an entry already there is skipped, so a
retried activity, a backfill over a live record, or both at once count nothing twice (two
writers racing on one entry: the unique key refuses the second, whose retry then skips it).
Entries are taken in order; a decision's working time comes from its task's entry, which
an earlier batch (or the same one) wrote.
"""

from __future__ import annotations

from datetime import datetime

import bagit
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.archive_bag import UnsafeBagName, resolve_bag
from common.archive_metadata import archive_metadata, from_bag_info
from common.models import Action, HistoryEntry, HistoryEvent, ReportBatch
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.events import event_key, event_kind, reported, slim
from reporting.schema import Process, StepEvent
from workflows import sop


def find_process(session: Session, workflow_id: str, started_at: datetime) -> Process | None:
    return session.scalars(
        select(Process).where(Process.workflow_id == workflow_id, Process.started_at == started_at)
    ).one_or_none()


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


def record_batch(
    session: Session,
    batch: ReportBatch,
    *,
    settings: Settings,
    calendar: WorkCalendar,
    run_id: str | None = None,
) -> int:
    """Write the batch's reported entries not yet there; how many were new."""
    process = _process(session, batch, run_id)
    session.flush()
    seqs = [e.seq for e in batch.entries]
    present = set(
        session.scalars(
            select(StepEvent.seq).where(StepEvent.process_id == process.id, StepEvent.seq.in_(seqs))
        )
    )
    archived = _has_archive(session, process.id)
    written = 0
    for entry in sorted(batch.entries, key=lambda e: e.seq):
        if not reported(entry) or entry.seq in present:
            continue
        if entry.event is HistoryEvent.ARCHIVED:
            # A bag's riwayat stops before its own archiving, so the backfill adds that
            # entry under a sequence of its own guess: one archive per process counts.
            if archived:
                continue
            archived = True
        row = _row(session, batch, process, slim(entry), run_id, settings, calendar)
        session.add(row)
        _follow(process, entry)
        if entry.event is HistoryEvent.ARCHIVED:
            _describe_archive(process, entry, batch, settings)
        session.flush()  # the next decision of this batch finds this task's entry
        written += 1
    return written


def _has_archive(session: Session, process_id: int) -> bool:
    found = session.scalar(
        select(func.count()).where(
            StepEvent.process_id == process_id, StepEvent.kind == HistoryEvent.ARCHIVED.value
        )
    )
    return bool(found)


def _row(
    session: Session,
    batch: ReportBatch,
    process: Process,
    entry: HistoryEntry,
    run_id: str | None,
    settings: Settings,
    calendar: WorkCalendar,
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
        row.deadline = calendar.deadline(entry.at, standard)
        row.allowed_hours = calendar.working_hours_between(entry.at, row.deadline)
    elif entry.event is HistoryEvent.DECIDED and entry.task_id:
        _measure(session, process.id, entry, row, standard, calendar)
    return row


def _measure(
    session: Session,
    process_id: int,
    entry: HistoryEntry,
    row: StepEvent,
    standard: str,
    calendar: WorkCalendar,
) -> None:
    """What the decided step took: from its clock's start (entry, or the first assignment
    of a task that waited unassigned) to the decision, in working hours, against the
    deadline its standard time gives."""
    same_task = (StepEvent.process_id == process_id, StepEvent.task_id == entry.task_id)
    entered = session.scalars(
        select(StepEvent)
        .where(*same_task, StepEvent.kind.in_(("entered", "unassigned")))
        .order_by(StepEvent.seq)
        .limit(1)
    ).one_or_none()
    row.decided_at = entry.at
    row.standard_time = standard
    if entered is None:
        return  # its entry was never recorded (a lost batch); the decision still counts
    row.entered_at = entered.at
    if entered.kind == "entered":
        row.clock_start = entered.at
    else:
        row.clock_start = session.scalar(
            select(func.min(StepEvent.at)).where(*same_task, StepEvent.kind == "assigned")
        )
    details = session.scalars(
        select(StepEvent.detail).where(*same_task, StepEvent.kind == "escalation")
    ).all()
    row.escalations = max((_escalation_number(d) for d in details), default=0)
    marked_overdue = (
        session.scalar(select(func.count()).where(*same_task, StepEvent.kind == "overdue")) or 0
    ) > 0
    if row.clock_start is None:
        row.overdue = marked_overdue
        return
    row.deadline = calendar.deadline(row.clock_start, standard)
    row.working_hours = calendar.working_hours_between(row.clock_start, entry.at)
    row.allowed_hours = calendar.working_hours_between(row.clock_start, row.deadline)
    row.overdue = marked_overdue or entry.at > row.deadline


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
