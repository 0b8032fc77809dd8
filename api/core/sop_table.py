"""The SOP table as the source draws it, with where one process stands in it.

16 rows, one executor column per role (Kasubag … Fungsional Umum), the activity, and the
Mutu Baku columns (Persyaratan/Kelengkapan, Waktu, Output) and Ket. Into each row go its
passes: every time the process entered the step (a return brings it back, in a new round),
who held it, who decided what and when, how long that took in working time against the
standard time, and the reminders and escalations of that pass. All of it comes from the
status query's riwayat; the directory gives the names and the work calendar the hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from api.core.i18n import Lang, action_done, doc_kind, role_label, text
from api.core.i18n_bureau import short_when
from api.core.people import People
from api.core.worktime import duration, standard
from common.catalogue import acting_label
from common.deadline import deadline_line, moved_to, written_deadline
from common.models import Action, HistoryEntry, HistoryEvent, ProcessState, StatusView, StepKind
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows import sop

ROLE_COLUMNS: tuple[str, ...] = tuple(sop.ROLES)  # the source's order of executor columns


@dataclass
class Pass:
    """One entry into a step (one task): from entering to the decision, or still open."""

    task_id: str
    round: int
    entered: str
    came_back_from: int | None = None  # a return from this step brought the work here
    holders: list[str] = field(default_factory=list)
    decided_by: str = ""
    acting_for: str = ""
    acting_kind: str = ""
    outcome: str = ""
    returned_to: int | None = None
    concerning: str = ""  # the versions the decision was about: "Draf IKU v2"
    decided_at: str = ""
    took: str = ""
    on_time: bool | None = None
    note: str = ""
    current: bool = False
    unassigned: bool = False
    deadline: str = ""
    overdue: bool = False
    days_left: str = ""
    events: list[str] = field(default_factory=list)  # reminders, escalations, resends


@dataclass
class Row:
    number: int
    role: str
    role_name: str  # the role as its column heads it ("Kabag"), in the reader's words
    kind: str  # submit, review, handover, archive: the shape drawn in its executor column
    terminal: bool  # the first and the last step: the flowchart's start and end
    activity: str
    requires: list[str]
    produces: list[str]
    time: str
    related: list[str]
    branches: list[str]  # ["Ya → 3", "Tidak → 1"] under a review's diamond
    passes: list[Pass]
    state: str  # todo, current, done, returned, cancelled
    ended: str = ""  # where the process was cancelled: by whom, when, why


@dataclass
class Table:
    columns: list[tuple[str, str]]  # (role code, header)
    rows: list[Row]


Names = Callable[[str | None], str]


def build_table(
    status: StatusView,
    *,
    lang: Lang,
    settings: Settings,
    people: People,
    calendar: WorkCalendar,
    now: datetime,
    stopped: bool = False,
) -> Table:
    """``stopped``: Temporal ended the run (terminated) while the record says running."""
    passes = _passes(
        status,
        lang=lang,
        settings=settings,
        names=lambda person: people.who_name(person, lang),
        calendar=calendar,
        now=now,
        stopped=stopped,
    )
    rows = []
    for step in sop.STEPS:
        mine = [p for number, p in passes if number == step.number]
        state = _state(status, mine, stopped)
        rows.append(
            Row(
                number=step.number,
                role=step.role,
                role_name=role_label(lang, step.role),
                kind=step.kind.value,
                terminal=step.number in (1, len(sop.STEPS)),
                activity=step.activity_en if lang == "en" else step.activity_id,
                requires=[doc_kind(lang, k) for k in step.requires],
                produces=[doc_kind(lang, k) for k in step.produces],
                time=standard(settings.standard_time(step.number, step.standard_time), lang),
                related=list(step.related_sop),
                branches=_branches(step, lang),
                passes=mine,
                state=state,
                ended=_cancelled(status, lang, settings, people) if state == "cancelled" else "",
            )
        )
    return Table([(code, role_label(lang, code)) for code in ROLE_COLUMNS], rows)


def _branches(step: sop.Step, lang: Lang) -> list[str]:
    """The labels of a decision's arrows, as the source's flowchart has them (Y / T)."""
    if step.kind is not StepKind.REVIEW or step.on_return is None:
        return []
    yes, no = ("Ya", "Tidak") if lang == "id" else ("Yes", "No")
    return [f"{yes} → {step.next}", f"{no} → {step.on_return}"]


def _cancelled(status: StatusView, lang: Lang, settings: Settings, people: People) -> str:
    """Who cancelled the process, when and why, as its riwayat says."""
    entry = next((h for h in reversed(status.history) if h.event is HistoryEvent.CANCELLED), None)
    if entry is None:
        return ""
    return text(
        lang,
        "cancelled_by",
        name=people.who_name(entry.person, lang),
        when=short_when(entry.at, lang, settings.timezone),
        reason=status.cancel_reason or entry.note or "—",
    )


def _state(status: StatusView, passes: list[Pass], stopped: bool) -> str:
    if not passes:
        return "todo"
    last = passes[-1]
    if last.current:
        return "current"
    if last.returned_to is not None:
        return "returned"
    if not last.outcome:  # entered, and the process ended there without a decision
        if stopped:
            return "stopped"
        return "cancelled" if status.state is ProcessState.CANCELLED else "todo"
    return "done"


def _passes(
    status: StatusView,
    *,
    lang: Lang,
    settings: Settings,
    names: Names,
    calendar: WorkCalendar,
    now: datetime,
    stopped: bool,
) -> list[tuple[int, Pass]]:
    """One pass per task, in the order the tasks began, read in one walk of the riwayat."""
    by_task: dict[str, list[HistoryEntry]] = {}
    came_back: dict[str, int | None] = {}  # the step whose return brought each task about
    last_decision: HistoryEntry | None = None
    for entry in status.history:
        if entry.task_id is not None:
            if entry.task_id not in by_task:
                came_back[entry.task_id] = (
                    last_decision.step
                    if last_decision is not None and last_decision.action is Action.RETURN
                    else None
                )
            by_task.setdefault(entry.task_id, []).append(entry)
        if entry.event is HistoryEvent.DECIDED:
            last_decision = entry
    open_task = status.task if status.state is ProcessState.RUNNING and not stopped else None
    found: list[tuple[int, Pass]] = []
    for task_id, entries in by_task.items():
        first = entries[0]
        if first.step is None:
            continue
        one = Pass(
            task_id=task_id,
            round=first.round or 1,
            entered=short_when(first.at, lang, settings.timezone),
            came_back_from=came_back[task_id],
        )
        _fill(
            one,
            first.step,
            entries,
            status,
            lang=lang,
            settings=settings,
            names=names,
            calendar=calendar,
            now=now,
            is_open=open_task is not None and open_task.id == task_id,
        )
        found.append((first.step, one))
    return found


def _fill(
    one: Pass,
    number: int,
    entries: list[HistoryEntry],
    status: StatusView,
    *,
    lang: Lang,
    settings: Settings,
    names: Names,
    calendar: WorkCalendar,
    now: datetime,
    is_open: bool,
) -> None:
    tz = settings.timezone
    clock_start: datetime | None = None
    held_to: datetime | None = None  # the last deadline the riwayat wrote for the task
    for entry in entries:
        when = short_when(entry.at, lang, tz)
        held_to = written_deadline(entry.event, entry.detail) or held_to
        if entry.event is HistoryEvent.ENTERED:
            clock_start = clock_start or entry.at
        elif entry.event is HistoryEvent.UNASSIGNED:
            one.events.append(text(lang, "ev_unassigned_short", when=when))
        elif entry.event is HistoryEvent.ASSIGNED:
            # The clock starts when someone first holds the task, and a reassignment
            # keeps it (as the workflow does).
            clock_start = clock_start or entry.at
            one.events.append(
                text(
                    lang,
                    "ev_assigned_short",
                    when=when,
                    name=names(entry.target),
                    by=names(entry.person),
                )
            )
        elif entry.event is HistoryEvent.REMINDER:
            one.events.append(text(lang, "ev_reminder_short", when=when))
        elif entry.event is HistoryEvent.OVERDUE:
            one.events.append(text(lang, "ev_overdue_short", when=when))
        elif entry.event is HistoryEvent.ESCALATION:
            one.events.append(
                text(
                    lang,
                    "ev_escalation_short",
                    when=when,
                    role=role_label(lang, entry.target or ""),
                    n=entry.detail or "",
                )
            )
        elif entry.event is HistoryEvent.RESENT:
            one.events.append(text(lang, "ev_resent_short", when=when, by=names(entry.person)))
        elif entry.event is HistoryEvent.HANDED_OVER:
            one.events.append(
                text(lang, "ev_handed_over_short", when=when, name=names(entry.target))
            )
        elif entry.event is HistoryEvent.NOTIFY_FAILED:
            one.events.append(text(lang, "ev_notify_failed_short", when=when))
        elif (moved := moved_to(entry)) is not None:
            deadline = short_when(moved, lang, tz)
            one.events.append(text(lang, "ev_deadline_moved_short", when=when, deadline=deadline))
        elif entry.event is HistoryEvent.ARCHIVE_FAILED:
            one.events.append(text(lang, "ev_archive_failed_short", when=when))
        elif entry.event is HistoryEvent.DECIDED:
            one.decided_by = names(entry.person)
            one.acting_for = names(entry.acting_for) if entry.acting_for else ""
            one.acting_kind = acting_label(entry.acting_kind)
            one.decided_at = when
            one.note = entry.note
            # What the decision was about: the work a submission produced, the documents
            # a review or a hand-over was given.
            step = sop.step(number)
            about = step.produces if step.kind is StepKind.SUBMIT else step.requires
            one.concerning = ", ".join(
                f"{doc_kind(lang, v.kind)} v{v.version}" for v in entry.documents if v.kind in about
            )
            if entry.action is Action.RETURN:
                one.returned_to = sop.step(number).on_return
                one.outcome = text(lang, "returned_to", n=one.returned_to)
            else:
                one.outcome = action_done(lang, entry.action, number)
            # Late is what the workflow recorded (an OVERDUE entry for this task), not what
            # today's calendar would compute again: holidays and standard times change.
            one.on_time = not any(e.event is HistoryEvent.OVERDUE for e in entries)
            if held_to is not None:
                one.deadline = short_when(held_to, lang, tz)
            if clock_start is not None:
                hours = calendar.working_hours_between(clock_start, entry.at)
                one.took = duration(calendar, hours, lang)
    if is_open and status.task is not None:
        task = status.task
        one.current = True
        one.unassigned = task.unassigned
        one.holders = [names(p) for p in task.assignees]
        one.overdue = task.overdue or bool(task.deadline and now >= task.deadline)
        if task.deadline is not None:
            one.deadline = short_when(task.deadline, lang, tz)
            one.days_left = deadline_line(
                task.deadline, now, calendar, lang, overdue=task.overdue, when=str
            ).left
        if clock_start is not None:
            one.took = duration(calendar, calendar.working_hours_between(clock_start, now), lang)
