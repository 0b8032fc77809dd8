"""The page after a decision: what happened and who is next, from the update's own reply."""

from __future__ import annotations

from typing import Any

from api.core.deps import today
from api.core.i18n import Lang, activity, role_label, role_name, text, when
from api.core.people import People
from common.deadline import deadline_line
from common.formats import Outcome
from common.models import Approval, ArrivalKind, DecisionResult
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows import sop


def outcome_line(lang: Lang, result: DecisionResult) -> str:
    if result.outcome is Outcome.ARCHIVE_FAILED:
        # The decision stands; only the bag could not be built, and step 16 is open again.
        return text(lang, "outcome_archive_failed", error=result.archive_error or "—")
    key = f"outcome_{result.outcome}"
    if result.outcome is Outcome.APPROVED:
        meaning = sop.step(result.from_step).approval
        if meaning is Approval.PARAF:
            key = "outcome_approved_paraf"
        elif meaning is Approval.SIGNATURE:
            key = "outcome_approved_signature"
    return text(lang, key)


def result_page(
    result: DecisionResult,
    *,
    lang: Lang,
    settings: Settings,
    people: People,
    calendar: WorkCalendar,
) -> dict[str, Any]:
    step = sop.step(result.from_step)
    nxt: dict[str, Any] | None = None
    task = result.next_task
    if task is not None:
        now = today()
        assignees = [
            {
                "name": people.name(p),
                "position": people.position(p),
                "acting": people.acting_line(task, p, now.date()),
            }
            for p in task.assignees
        ]
        deadline = None
        if task.deadline is not None:
            line = deadline_line(
                task.deadline,
                now,
                calendar,
                lang,
                overdue=task.overdue,
                when=lambda m: when(m, lang, settings.timezone),
            )
            deadline = {"when": line.when, "left": line.left}
        why = ""
        arrival = task.arrival
        if arrival is not None and arrival.kind in (
            ArrivalKind.NEW_VERSION,
            ArrivalKind.REINITIAL,
        ):
            why = text(
                lang,
                f"next_{arrival.kind.value}",
                role=role_label(lang, sop.step(arrival.from_step).role),
                step=task.step,
            )
        nxt = {
            "why": why,
            "step": text(
                lang,
                "next_step",
                n=task.step,
                total=len(sop.STEPS),
                activity=activity(lang, task.step),
            ),
            # A label beside the people (the short title); the full one, as the directory
            # writes posts, only tells whether every post already says it.
            "role": role_label(lang, task.role),
            "role_title": role_name("id", task.role),
            "assignees": assignees,
            "unassigned": task.unassigned,
            "deadline": deadline,
        }
    archive = result.archive
    return {
        "process": result.process,
        "from_step": text(lang, "step_of", n=step.number, total=len(sop.STEPS)),
        "from_activity": activity(lang, step.number),
        "outcome": outcome_line(lang, result),
        "archive_failed": result.outcome is Outcome.ARCHIVE_FAILED,
        "next": nxt,
        "pending_next": task is None
        and result.outcome not in (Outcome.ARCHIVED, Outcome.ARCHIVE_FAILED),
        "archive": text(lang, "archive_done", name=archive.bag_name, files=archive.files)
        if archive is not None
        else "",
    }
