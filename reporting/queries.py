"""The figures' input from the reporting database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.workcalendar import WorkCalendar
from reporting.events import process_key
from reporting.figures import DECISIONS, Event, Figures, Filters, ProcessFacts, compute
from reporting.schema import Process, StepEvent


def load(session: Session) -> tuple[list[Event], list[ProcessFacts]]:
    processes = list(session.scalars(select(Process)))
    keys = {p.id: process_key(p.workflow_id, p.started_at) for p in processes}
    rows = session.scalars(
        select(StepEvent)
        .where(StepEvent.kind.in_((*DECISIONS, "escalation")))
        .order_by(StepEvent.process_id, StepEvent.seq)
    )
    events = [
        Event(
            process=keys[r.process_id],
            year=r.year,
            code=r.code,
            sop_number=r.sop_number,
            kind=r.kind,
            at=r.at,
            step=r.step,
            role=r.role,
            task_id=r.task_id,
            person=r.person,
            acting_for=r.acting_for,
            standard_time=r.standard_time,
            working_hours=r.working_hours,
            allowed_hours=r.allowed_hours,
            overdue=r.overdue,
            escalations=r.escalations,
            reasons=r.reasons,
        )
        for r in rows
    ]
    facts = [
        ProcessFacts(
            process=keys[p.id],
            workflow_id=p.workflow_id,
            year=p.year,
            code=p.code,
            sop_number=p.sop_number,
            state=p.state,
            started_at=p.started_at,
            ended_at=p.ended_at,
            step=p.step,
            role=p.role,
            since=p.since,
        )
        for p in processes
    ]
    return events, facts


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
