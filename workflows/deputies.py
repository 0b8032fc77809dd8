"""Who an open task reaches on a given day (its holders, or their Plh/Plt while an acting
appointment runs) and when that next changes: pure, on the record's own task."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from common.models import Assignee, Task
from workflows import sop

# The moment of an acting day's hand-over: the start of a working morning, the same date in
# every Indonesian zone (and in UTC), so the mail's own "today" agrees with the workflow's.
HAND_OVER_AT = time(7, 0)


def take_acting(task: Task, found: list[Assignee]) -> None:
    """The assignees as the directory has them today (their acting officials)."""
    fresh = {a.person: a for a in found}
    task.assignees = [fresh.get(a.person, a) for a in task.assignees]


def reaches(assignee: Assignee, day: date) -> str:
    """Who a mail to ``assignee`` reaches on ``day``: their Plh/Plt, or themselves."""
    deputy = assignee.acting_on(day)
    return deputy.person if deputy is not None else assignee.person


def next_hand_over(task: Task, now: datetime) -> datetime | None:
    """The first hand-over moment after ``now`` on a day an acting appointment of one of
    the task's holders begins or ends (the day after its last)."""
    days = {
        day
        for a in task.assignees
        for d in a.deputies
        for day in (d.start, d.end + timedelta(days=1))
    }
    moments = [datetime.combine(day, HAND_OVER_AT, tzinfo=sop.WIB) for day in days]
    return min((m for m in moments if m > now), default=None)
