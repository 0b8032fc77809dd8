"""The conformance figures (Kinerja SOP): how the SOP is kept, computed from step events.

Pure: events and processes in, figures out; ``reporting.queries`` loads them from the
database. Working time is in working hours of the office calendar. Percentiles are by
nearest rank (the p90 of n times is the ⌈0.9·n⌉-th smallest): a figure a person can check
by counting. A pass is one decision at a step (approved, returned, handed over, archived).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from workflows import sop

DECISIONS = ("decided", "returned")
# A return with no checklist item marked, among a step's reasons.
NO_ITEM = "(tanpa butir)"


@dataclass(frozen=True)
class Event:
    """The part of a step event the figures use."""

    process: str  # process key
    year: int
    code: str
    sop_number: str
    kind: str
    at: datetime
    step: int | None
    role: str | None
    task_id: str | None = None
    person: str | None = None
    acting_for: str | None = None
    standard_time: str | None = None
    working_hours: float | None = None
    allowed_hours: float | None = None
    overdue: bool | None = None
    escalations: int | None = None
    reasons: str = ""


@dataclass(frozen=True)
class ProcessFacts:
    process: str
    workflow_id: str
    year: int
    code: str
    sop_number: str
    state: str
    started_at: datetime
    ended_at: datetime | None
    step: int | None
    role: str | None
    since: datetime | None


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None  # decisions at or after
    end: datetime | None = None  # decisions before
    code: str | None = None  # the unit
    sop_number: str | None = None  # the SOP as issued (a revised SOP has its own number)
    year: int | None = None  # the IKU's year

    def keeps(self, code: str, sop_number: str, year: int) -> bool:
        return (
            (self.code is None or code == self.code)
            and (self.sop_number is None or sop_number == self.sop_number)
            and (self.year is None or year == self.year)
        )

    def in_period(self, at: datetime) -> bool:
        return (self.start is None or at >= self.start) and (self.end is None or at < self.end)


@dataclass
class StepFigures:
    step: int
    role: str
    standard_time: str
    passes: int = 0
    approvals: int = 0
    returns: int = 0
    measured: int = 0  # passes with a working time (their clock had started)
    median_hours: float | None = None
    p90_hours: float | None = None
    median_allowed_hours: float | None = None
    on_time: int = 0
    on_time_share: float | None = None
    escalations: int = 0
    by_acting: int = 0  # decided by a Plh/Plt
    return_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Waiting:
    workflow_id: str
    year: int
    code: str
    step: int | None
    role: str | None
    started_at: datetime
    since: datetime | None
    running_hours: float  # working hours since the start
    waiting_hours: float  # working hours at the current step


@dataclass
class YearFigures:
    year: int
    processes: int
    archived: int
    cancelled: int
    running: int
    passes: int
    returns: int
    escalations: int
    on_time_share: float | None
    median_process_hours: float | None  # start to archive, finished processes


@dataclass
class Figures:
    steps: list[StepFigures]
    on_time_by_role: dict[str, dict[str, float]]  # role → month (YYYY-MM) → share
    longest_running: list[Waiting]
    years: list[YearFigures]


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def step_figures(decisions: Iterable[Event]) -> list[StepFigures]:
    """Per step and role, in the SOP's order; a step nobody passed is listed with zeros."""
    by_step: dict[tuple[int, str], list[Event]] = defaultdict(list)
    for e in decisions:
        if e.step is not None and e.role is not None:
            by_step[(e.step, e.role)].append(e)
    rows = []
    keys = {(s.number, s.role) for s in sop.STEPS} | set(by_step)
    for number, role in sorted(keys):
        events = by_step.get((number, role), [])
        standard = Counter(e.standard_time for e in events if e.standard_time).most_common(1)
        default = sop.STEP_BY_NUMBER[number].standard_time if number in sop.STEP_BY_NUMBER else ""
        row = StepFigures(
            step=number, role=role, standard_time=standard[0][0] if standard else default
        )
        measured = [e for e in events if e.working_hours is not None]
        hours = [e.working_hours for e in measured if e.working_hours is not None]
        row.passes = len(events)
        row.returns = sum(1 for e in events if e.kind == "returned")
        row.approvals = row.passes - row.returns
        row.measured = len(measured)
        row.median_hours = _median(hours)
        row.p90_hours = nearest_rank(hours, 0.9)
        row.median_allowed_hours = _median(
            [e.allowed_hours for e in measured if e.allowed_hours is not None]
        )
        row.on_time = sum(1 for e in measured if not e.overdue)
        row.on_time_share = _share(row.on_time, row.measured)
        row.escalations = sum(e.escalations or 0 for e in events)
        row.by_acting = sum(1 for e in events if e.acting_for)
        reasons: Counter[str] = Counter()
        for e in events:
            if e.kind == "returned":
                reasons.update(e.reasons.split(",") if e.reasons else [NO_ITEM])
        row.return_reasons = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
        rows.append(row)
    return rows


def on_time_by_role(
    decisions: Iterable[Event], month: Callable[[datetime], str]
) -> dict[str, dict[str, float]]:
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for e in decisions:
        if e.role is None or e.working_hours is None:
            continue
        cell = counts[e.role][month(e.at)]
        cell[1] += 1
        cell[0] += 0 if e.overdue else 1
    return {
        role: {m: ok / n for m, (ok, n) in sorted(months.items())}
        for role, months in sorted(counts.items())
    }


def compute(
    events: Iterable[Event],
    processes: Iterable[ProcessFacts],
    filters: Filters,
    *,
    now: datetime,
    hours_between: Callable[[datetime, datetime], float],
    month: Callable[[datetime], str],
    longest: int = 10,
) -> Figures:
    """Every figure of the Kinerja SOP page for ``filters``; ``hours_between`` is the
    calendar's working hours between two moments, ``month`` a moment's month as the
    office reads it (YYYY-MM)."""
    events = [e for e in events if filters.keeps(e.code, e.sop_number, e.year)]
    processes = [p for p in processes if filters.keeps(p.code, p.sop_number, p.year)]
    decisions = [e for e in events if e.kind in DECISIONS and filters.in_period(e.at)]

    waiting = [
        Waiting(
            workflow_id=p.workflow_id,
            year=p.year,
            code=p.code,
            step=p.step,
            role=p.role,
            started_at=p.started_at,
            since=p.since,
            running_hours=hours_between(p.started_at, now),
            waiting_hours=hours_between(p.since, now) if p.since else 0.0,
        )
        for p in processes
        if p.state == "running"
    ]
    waiting.sort(key=lambda w: (-w.running_hours, w.workflow_id))

    years = []
    all_decisions = [e for e in events if e.kind in DECISIONS]
    for year in sorted({p.year for p in processes}):
        mine = [p for p in processes if p.year == year]
        decided = [e for e in all_decisions if e.year == year]
        measured = [e for e in decided if e.working_hours is not None]
        finished = [
            hours_between(p.started_at, p.ended_at)
            for p in mine
            if p.state == "archived" and p.ended_at is not None
        ]
        years.append(
            YearFigures(
                year=year,
                processes=len(mine),
                archived=sum(1 for p in mine if p.state == "archived"),
                cancelled=sum(1 for p in mine if p.state == "cancelled"),
                running=sum(1 for p in mine if p.state == "running"),
                passes=len(decided),
                returns=sum(1 for e in decided if e.kind == "returned"),
                escalations=sum(e.escalations or 0 for e in decided),
                on_time_share=_share(sum(1 for e in measured if not e.overdue), len(measured)),
                median_process_hours=_median(finished),
            )
        )
    return Figures(
        steps=step_figures(decisions),
        on_time_by_role=on_time_by_role(decisions, month),
        longest_running=waiting[:longest],
        years=years,
    )
