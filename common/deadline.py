"""The one line that says where a task stands against its deadline.

"Kamis, 26 Maret 2026 pukul 16.00 WIB — sisa 2 hari kerja" / "… — terlambat": the task
page, the result page, the bureau's pages and the mail all say it with this helper, so
they count the same working days and use the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from common.dates import DEFAULT_LANG, format_when
from common.models import HistoryEntry, HistoryEvent
from common.workcalendar import WorkCalendar

_WORDS = {
    "id": ("sisa 1 hari kerja", "sisa {n} hari kerja", "terlambat"),
    "en": ("1 working day left", "{n} working days left", "overdue"),
}


@dataclass(frozen=True)
class DeadlineLine:
    when: str  # the deadline as officials read it
    left: str  # "sisa 2 hari kerja" / "terlambat"
    days_left: int  # working days, today included while its office is open; 0 once overdue
    overdue: bool

    def __str__(self) -> str:
        return f"{self.when} — {self.left}"


def deadline_line(
    deadline: datetime,
    now: datetime,
    calendar: WorkCalendar,
    lang: str = DEFAULT_LANG,
    *,
    overdue: bool = False,
    when: Callable[[datetime], str] | None = None,
) -> DeadlineLine:
    """``overdue``: the workflow already marked the task late (its clock may run ahead of
    this one's); ``when`` writes the moment (by default the long form, in Jakarta time)."""
    one, many, late = _WORDS["en" if lang == "en" else "id"]
    days = calendar.working_days_left(now, deadline)
    is_late = overdue or now >= deadline
    left = late if is_late else (one if days == 1 else many.format(n=days))
    written = when(deadline) if when else format_when(deadline, lang, str(calendar.tz))
    return DeadlineLine(when=written, left=left, days_left=0 if is_late else days, overdue=is_late)


# The riwayat entries that write their task's deadline in their detail (runs of the fold
# changes-after-v0.1.0-g and after): its entry, and every move of it.
_WRITES_DEADLINE = frozenset({HistoryEvent.ENTERED, HistoryEvent.DEADLINE_MOVED})


def written_deadline(event: str, detail: str) -> datetime | None:
    """The deadline an entry of ``event`` (or the reporting database's kind of the same
    name) wrote in its ``detail``; None where it wrote none."""
    if event not in _WRITES_DEADLINE or not detail:
        return None
    try:
        return datetime.fromisoformat(detail)
    except ValueError:
        return None


def moved_to(entry: HistoryEntry) -> datetime | None:
    """The deadline a ``deadline_moved`` riwayat entry moved the task's to; None for any
    other entry."""
    if entry.event is not HistoryEvent.DEADLINE_MOVED:
        return None
    return written_deadline(entry.event, entry.detail)


def deadline_said(entry: HistoryEntry) -> tuple[str, datetime] | None:
    """What an entry says of its task's deadline, as the catalogue's words for it and the
    moment: the deadline a task entered with, or the one it moved to."""
    found = written_deadline(entry.event, entry.detail)
    if found is None:
        return None
    return ("deadline_now" if entry.event is HistoryEvent.DEADLINE_MOVED else "deadline_set"), found
