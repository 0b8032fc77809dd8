"""Small helpers of the bureau pages and the JSON API over ``common.catalogue``: a problem
in both languages, a short date, a state's or an event's name."""

from __future__ import annotations

from datetime import datetime

from common import catalogue
from common.dates import format_short


def problem_texts(code: str) -> tuple[str, str]:
    """(English, Bahasa Indonesia) of a refusal or problem code; an unknown code as it is."""
    return catalogue.refusal(code, "en"), catalogue.refusal(code, "id")


def short_when(moment: datetime, lang: str, tz: str = "Asia/Jakarta") -> str:
    return format_short(moment, lang, tz)


def state_name(lang: str, state: str) -> str:
    return catalogue.label(catalogue.STATES, state, lang)


def event_name(lang: str, event: str) -> str:
    return catalogue.label(catalogue.EVENTS, event, lang)
