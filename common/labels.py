"""What the record's codes are called, in Bahasa Indonesia and English: shared by the pages
and the printed archive record, so both say the same thing."""

from __future__ import annotations

from collections.abc import Mapping

EVENTS: Mapping[str, tuple[str, str]] = {
    "started": ("Proses dimulai", "Started"),
    "entered": ("Masuk langkah", "Step entered"),
    "unassigned": ("Belum ada pelaksana", "Nobody holds the role"),
    "assigned": ("Ditugaskan", "Assigned"),
    "decided": ("Keputusan", "Decision"),
    "refused": ("Keputusan tidak diterima", "Refused"),
    "reminder": ("Pengingat", "Reminder"),
    "resent": ("Dikirim ulang", "Sent again"),
    "notify_failed": ("Email gagal terkirim", "Mail could not be sent"),
    "overdue": ("Lewat tenggat", "Overdue"),
    "escalation": ("Eskalasi", "Escalation"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "archived": ("Diarsipkan", "Archived"),
    "archive_failed": ("Arsip gagal dibuat", "Archive failed"),
    "schedule_failed": ("Tenggat belum dapat dihitung", "Deadline could not be computed"),
}

STATES: Mapping[str, tuple[str, str]] = {
    "running": ("Berjalan", "Running"),
    "archived": ("Diarsipkan", "Archived"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "stopped": ("Dihentikan (Temporal)", "Stopped (Temporal)"),
}


def label(table: Mapping[str, tuple[str, str]], code: str, lang: str = "id") -> str:
    """The label of ``code`` in ``lang``; an unknown code is shown as it is."""
    pair = table.get(code, (code, code))
    return pair[1] if lang == "en" else pair[0]
