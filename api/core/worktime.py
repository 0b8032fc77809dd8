"""How long a step took in working time, said the way the SOP's "Waktu" column would say it."""

from __future__ import annotations

from datetime import datetime

from api.core.i18n import Lang
from common.workcalendar import WorkCalendar, parse_standard_time


def office_hours(calendar: WorkCalendar) -> float:
    """The length of an ordinary (Monday–Thursday) office day, in hours."""
    span = datetime.combine(datetime.min, calendar.office_close) - datetime.combine(
        datetime.min, calendar.office_open
    )
    return span.total_seconds() / 3600


def number(value: float, lang: Lang) -> str:
    """One decimal at most; Indonesian writes a decimal comma."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "id" else text


def duration(calendar: WorkCalendar, hours: float, lang: Lang) -> str:
    """``45 menit kerja``, ``3,5 jam kerja`` or ``2,2 hari kerja`` (days of office hours)."""
    if hours < 1:
        minutes = max(1, round(hours * 60)) if hours > 0 else 0
        return f"{minutes} menit kerja" if lang == "id" else f"{minutes} working min"
    per_day = office_hours(calendar)
    if hours < per_day:
        return (
            f"{number(hours, lang)} jam kerja"
            if lang == "id"
            else f"{number(hours, lang)} working h"
        )
    days = hours / per_day
    return (
        f"{number(days, lang)} hari kerja" if lang == "id" else f"{number(days, lang)} working days"
    )


def standard(value: str, lang: Lang) -> str:
    """The standard time ``2d`` / ``4h`` as words."""
    try:
        amount, unit = parse_standard_time(value)
    except ValueError:
        return value
    shown = number(float(amount), lang)
    if unit == "d":
        return (
            f"{shown} hari kerja"
            if lang == "id"
            else (f"{shown} working day" + ("" if amount == 1 else "s"))
        )
    return f"{shown} jam kerja" if lang == "id" else f"{shown} working hours"
