"""The bureau forms' shared pieces: a posted form checked for origin and CSRF token, its
fields bounded, the people a picker offers, a step's activity in short."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from api.core.auth import SignedIn, get_sessions
from api.core.i18n import Lang
from api.core.people import People
from api.core.problems import PageError
from api.core.security import check_same_origin
from common.settings import Settings
from workflows import sop


async def checked_form(
    request: Request, signed: SignedIn, lang: Lang, settings: Settings
) -> FormData | None:
    """The posted form, when it comes from our origin with this session's CSRF token."""
    try:
        check_same_origin(request, settings.public_base_url, lang)
    except PageError:
        return None  # answered like a bad token: the form did not come from our page
    form = await request.form()
    if not get_sessions(request).csrf_ok(signed.session, str(form.get("csrf") or "")):
        return None
    return form


def field(form: FormData, name: str, limit: int = 4000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def people_options(people: People, role: str | None) -> list[dict[str, Any]]:
    active = people.selectable()
    holders = [p for p in active if role and role in p.roles]
    others = sorted((p for p in active if p not in holders), key=lambda p: p.name)
    return [
        {"id": p.id, "name": p.name, "position": p.position, "holds": p in holders}
        for p in [*holders, *others]
    ]


def short_activity(lang: Lang, number: int | None, limit: int = 70) -> str:
    """The activity's first sentence ("Memeriksa usulan"), cut to ``limit`` characters."""
    if number is None or number not in sop.STEP_BY_NUMBER:
        return ""
    step = sop.step(number)
    words = (step.activity_en if lang == "en" else step.activity_id).split(". ")[0]
    return words if len(words) <= limit else words[: limit - 3].rstrip() + "…"
