"""The figures' input from the reporting database."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.workcalendar import WorkCalendar
from reporting.events import process_key
from reporting.figures import DECISIONS, Event, Figures, Filters, ProcessFacts, compute
from reporting.schema import Process, StepEvent

T = TypeVar("T", Event, ProcessFacts)


def _facts(kind: type[T], row: object, process: str) -> T:
    """``kind`` (Event or ProcessFacts) from the row's columns of the same names, keyed by
    the process's key."""
    names = [f.name for f in fields(kind) if f.name != "process"]
    return kind(process=process, **{name: getattr(row, name) for name in names})


def load(session: Session) -> tuple[list[Event], list[ProcessFacts]]:
    processes = list(session.scalars(select(Process)))
    keys = {p.id: process_key(p.workflow_id, p.started_at) for p in processes}
    rows = session.scalars(
        select(StepEvent)
        .where(StepEvent.kind.in_((*DECISIONS, "escalation")))
        .order_by(StepEvent.process_id, StepEvent.seq)
    )
    events = [_facts(Event, r, keys[r.process_id]) for r in rows]
    return events, [_facts(ProcessFacts, p, keys[p.id]) for p in processes]


def figures(session: Session, filters: Filters, calendar: WorkCalendar, now: datetime) -> Figures:
    events, facts = load(session)
    return compute(
        events,
        facts,
        filters,
        now=now,
        hours_between=calendar.working_hours_between,
        month=lambda t: t.astimezone(calendar.tz).strftime("%Y-%m"),
    )
