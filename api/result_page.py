"""The page after a decision: what happened and who is next, from the update's own reply."""

from __future__ import annotations

from typing import Any

from api.deps import today
from api.i18n import Lang, activity, role_name, text, when
from api.people import People, acting_today
from common.models import Approval, DecisionResult
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows import sop


def outcome_line(lang: Lang, result: DecisionResult) -> str:
    key = f"outcome_{result.outcome}"
    if result.outcome == "approved":
        meaning = sop.step(result.from_step).approval
        if meaning is Approval.PARAF:
            key = "outcome_approved_paraf"
        elif meaning is Approval.SIGNATURE:
            key = "outcome_approved_signature"
    return text(lang, key)


def result_page(result: DecisionResult, *, lang: Lang, settings: Settings,
                people: People) -> dict[str, Any]:
    step = sop.step(result.from_step)
    nxt: dict[str, Any] | None = None
    task = result.next_task
    if task is not None:
        day = today().date()
        assignees = []
        for person in task.assignees:
            deputy = acting_today(task, person, day)
            assignees.append({
                "name": people.name(person), "position": people.position(person),
                "acting": f"{deputy.kind.capitalize()}: {people.name(deputy.person)}"
                if deputy else "",
            })
        deadline = None
        if task.deadline is not None:
            days = WorkCalendar.from_settings(settings).working_days_left(today(), task.deadline)
            deadline = {"when": when(task.deadline, lang, settings.timezone),
                        "left": text(lang, "day_left") if days == 1
                        else text(lang, "days_left", n=days)}
        nxt = {
            "step": text(lang, "next_step", n=task.step, total=len(sop.STEPS),
                         activity=activity(lang, task.step)),
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
        "next": nxt,
        "pending_next": task is None and result.outcome != "archived",
        "archive": text(lang, "archive_done", name=archive.bag_name, files=archive.files)
        if archive is not None else "",
    }
