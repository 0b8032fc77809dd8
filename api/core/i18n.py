"""The reader's language, and the pages' way to the words of ``common.catalogue``.

Bahasa Indonesia first, English on request.
"""

from __future__ import annotations

from datetime import datetime

from common import catalogue
from common.dates import format_when
from common.models import Action, StepKind
from workflows import sop

Lang = catalogue.Lang
LANGS = catalogue.LANGS
DEFAULT_LANG = catalogue.DEFAULT_LANG


def negotiate(query_lang: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` wins; else the first of id/en the browser prefers; else Indonesian."""
    if query_lang in LANGS:
        return query_lang  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        # "in" is the withdrawn ISO 639 code for Indonesian that old Android still sends.
        primary = "id" if primary == "in" else primary
        if primary in LANGS and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANG  # type: ignore[return-value]


# --- the words ----------------------------------------------------------------------------

TEXTS = catalogue.TEXTS


def text(lang: Lang, key: str, **values: object) -> str:
    return catalogue.text(lang, key, **values)


def refusal(lang: Lang, code: str) -> str:
    """A refusal in the workflow's own words (or a problem of the web layer), in the
    reader's language."""
    return catalogue.refusal(code, lang)


def when(moment: datetime, lang: Lang, timezone: str) -> str:
    return format_when(moment, lang, timezone)


def size(n: int) -> str:
    """A byte count as people read it (the same in both languages, apart from the comma)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n} B"


# --- SOP words --------------------------------------------------------------------------


def role_name(lang: Lang, code: str) -> str:
    role = sop.ROLES.get(code)
    if role is None:
        return code
    return role.name_en if lang == "en" else role.name_id


def role_label(lang: Lang, code: str) -> str:
    """A role named as a label ("Langkah 2 dari 16 (Kabag)", a chip, a column): the short
    title, in the reader's words (``catalogue.ROLE_LABELS``). ``role_name`` is the full
    title, for a role standing alone."""
    return catalogue.role_label(code, lang)


def doc_kind(lang: Lang, code: str) -> str:
    return sop.doc_name(code, lang)


def activity(lang: Lang, number: int) -> str:
    step = sop.step(number)
    return step.activity_en if lang == "en" else step.activity_id


def button(lang: Lang, action: Action, step_number: int) -> str:
    """The button's words: approving at a paraf or the signature step says so."""
    step = sop.step(step_number)
    approval = step.approval.value if step.kind is StepKind.REVIEW else None
    return catalogue.button_word(action.value, approval, lang)


def action_done(lang: Lang, action: Action | None, step_number: int | None) -> str:
    """What a recorded decision did, in a few words ("diparaf" at a paraf step)."""
    if action is None:
        return ""
    approval = sop.step(step_number).approval.value if step_number is not None else None
    return catalogue.done_word(action.value, approval, lang)
