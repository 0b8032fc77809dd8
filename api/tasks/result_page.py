"""The page after a decision: what happened and who is next, from the update's own reply."""

from __future__ import annotations

from typing import Any

from api.core.deps import today
from api.core.i18n import Lang, activity, role_name, text, when
from api.core.people import People
from common.models import Approval, DecisionResult
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows import sop


def outcome_line(lang: Lang, result: DecisionResult) -> str:
    if result.outcome == "archive_failed":
        # The decision stands; only the bag could not be built, and step 16 is open again.
        return text(lang, "outcome_archive_failed", error=result.archive_error or "—")
    key = f"outcome_{result.outcome}"
    if result.outcome == "approved":
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
            days = calendar.working_days_left(now, task.deadline)
            deadline = {
                "when": when(task.deadline, lang, settings.timezone),
                "left": text(lang, "day_left") if days == 1 else text(lang, "days_left", n=days),
            }
        nxt = {
            "step": text(
                lang,
                "next_step",
                n=task.step,
                total=len(sop.STEPS),
                activity=activity(lang, task.step),
            ),
            "role": role_name(lang, task.role),
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
        "archive_failed": result.outcome == "archive_failed",
        "next": nxt,
        "pending_next": task is None and result.outcome not in ("archived", "archive_failed"),
        "archive": text(lang, "archive_done", name=archive.bag_name, files=archive.files)
        if archive is not None
        else "",
    }
