"""Which riwayat entries the reporting database counts, and what of them it needs.

Pure and deterministic: the workflow trims the entries it sends with ``slim`` (the
activity's input is kept in workflow history), and the backfill reads the archived
riwayat through the same functions, so both record the same figures.
"""

from __future__ import annotations

from datetime import UTC, datetime

from common.models import Action, ChecklistAnswer, HistoryEntry, HistoryEvent

# What the figures count. Refusals, resent mail and mail failures are the record's
# business, not the SOP's performance.
REPORTED = frozenset(
    {
        HistoryEvent.STARTED,
        HistoryEvent.ENTERED,
        HistoryEvent.UNASSIGNED,
        HistoryEvent.ASSIGNED,
        HistoryEvent.DECIDED,
        HistoryEvent.REMINDER,
        HistoryEvent.OVERDUE,
        HistoryEvent.ESCALATION,
        HistoryEvent.DEADLINE_MOVED,  # what a decision is measured against, not counted
        HistoryEvent.CANCELLED,
        HistoryEvent.ARCHIVED,
        HistoryEvent.ARCHIVE_FAILED,
    }
)
NOTE_LIMIT = 500


def reported(entry: HistoryEntry) -> bool:
    return entry.event in REPORTED


def slim(entry: HistoryEntry) -> HistoryEntry:
    """The entry with only what the figures use: a note and the unmet checklist items
    for a return (its reasons) or a cancellation, nothing of other notes or remarks."""
    keeps_note = entry.action is Action.RETURN or entry.event is HistoryEvent.CANCELLED
    return entry.model_copy(
        update={
            "note": entry.note[:NOTE_LIMIT] if keeps_note else "",
            "checklist": [
                ChecklistAnswer(item=a.item, ok=False) for a in entry.checklist if not a.ok
            ]
            if entry.action is Action.RETURN
            else [],
        }
    )


def event_kind(entry: HistoryEntry) -> str:
    """The event's name in the database: a return is its own kind."""
    if entry.event is HistoryEvent.DECIDED and entry.action is Action.RETURN:
        return "returned"
    return entry.event.value


def process_key(workflow_id: str, started_at: datetime) -> str:
    """One process: its id and the moment it started, to the microsecond, in UTC."""
    return f"{workflow_id}@{started_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}"


def event_key(workflow_id: str, started_at: datetime, seq: int) -> str:
    return f"{process_key(workflow_id, started_at)}#{seq}"
