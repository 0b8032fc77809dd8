"""Dates as officials read them: ``Kamis, 26 Maret 2026 pukul 16.00 WIB``.

Written out by hand so no locale has to be installed on the worker or the web host.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("id", "en")
DEFAULT_LANG = "id"

_DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
# Indonesia's three zones by their official abbreviations (tzdata says "+07").
_ZONE_ABBR = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def month_name(month: int, lang: str = DEFAULT_LANG) -> str:
    """``Maret`` / ``March``: month 1 to 12."""
    return _MONTHS[lang if lang in LANGUAGES else DEFAULT_LANG][month - 1]


def format_when(
    moment: datetime, lang: str = DEFAULT_LANG, tz: str = "Asia/Jakarta", *, seconds: bool = False
) -> str:
    """``Kamis, 26 Maret 2026 pukul 16.00 WIB`` / ``Thursday, 26 March 2026, 16:00 WIB``;
    with ``seconds``, ``16.00.07`` (where several events fall in one minute)."""
    if moment.tzinfo is None:  # Temporal and pydantic give aware times; be safe anyway
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(tz))
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    abbr = _ZONE_ABBR.get(tz) or local.tzname() or tz
    weekday, month = _DAYS[lang][local.weekday()], _MONTHS[lang][local.month - 1]
    day = f"{weekday}, {local.day} {month} {local.year}"
    if lang == "en":
        return f"{day}, {local:{'%H:%M:%S' if seconds else '%H:%M'}} {abbr}"
    return f"{day} pukul {local:{'%H.%M.%S' if seconds else '%H.%M'}} {abbr}"


def format_date(day: date, lang: str = DEFAULT_LANG) -> str:
    """``26 Maret 2026`` / ``26 March 2026``: a day without its hour (a decree's date)."""
    return f"{day.day} {_MONTHS['en' if lang == 'en' else 'id'][day.month - 1]} {day.year}"


_SHORT_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def format_short(moment: datetime, lang: str = DEFAULT_LANG, tz: str = "Asia/Jakarta") -> str:
    """``26 Mar 2026 16.00`` / ``26 Mar 2026 16:00``: for tables, where a weekday is noise."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(tz))
    month = _SHORT_MONTHS["en" if lang == "en" else "id"][local.month - 1]
    clock = f"{local:%H:%M}" if lang == "en" else f"{local:%H.%M}"
    return f"{local.day} {month} {local.year} {clock}"
