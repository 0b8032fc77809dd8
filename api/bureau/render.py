"""Rendering the bureau pages: their language, their frame, their stylesheet.

The reader's language is ``?lang=`` when given (and then remembered in a cookie, so every
following page of the session speaks it), else the remembered choice, else the browser's
Accept-Language, else Bahasa Indonesia.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from api.core.auth import SignedIn, get_sessions
from api.core.i18n import LANGS, Lang, negotiate, text
from api.core.pages import TEMPLATES_DIR, render
from api.core.problems import PageError

BUREAU_CSS = (TEMPLATES_DIR / "bureau" / "bureau.css").read_text(encoding="utf-8")
LANG_COOKIE = "iku_lang"


async def bureau_lang(request: Request) -> Lang:
    asked = request.query_params.get("lang")
    remembered = request.cookies.get(LANG_COOKIE)
    lang = negotiate(
        asked if asked in LANGS else remembered, request.headers.get("accept-language")
    )
    request.state.lang = lang  # for the error pages, which have no dependencies
    return lang


LangDep = Annotated[Lang, Depends(bureau_lang)]


def url_with(request: Request, **changes: str | None) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def render_page(
    request: Request,
    name: str,
    lang: Lang,
    context: Mapping[str, Any],
    *,
    signed: SignedIn | None,
    status: int = 200,
    nav: str = "",
) -> HTMLResponse:
    other: Lang = "en" if lang == "id" else "id"
    me = None
    if signed is not None:
        me = {
            "who": signed.identity.who,
            "kind": text(lang, "kind_ops" if signed.identity.is_ops else "kind_bureau"),
            "is_ops": signed.identity.is_ops,
        }
    response = render(
        name,
        lang,
        {
            **context,
            "bureau_css": BUREAU_CSS,
            "me": me,
            "csrf": signed.csrf if signed else "",
            "nav": nav,
            "other_lang": other,
            "other_lang_url": url_with(request, lang=other),
        },
        status=status,
    )
    asked = request.query_params.get("lang")
    if asked in LANGS:
        # Only a language code, for a year: no need to hide it from script or other sites.
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            path="/",
            samesite="lax",
            httponly=True,
            secure=get_sessions(request).secure,
        )
    return response


def bureau_problem(
    request: Request,
    error: PageError,
    lang: Lang,
    *,
    links: Sequence[tuple[str, str]] | None = None,
) -> HTMLResponse:
    """Why not, in the bureau frame (the signed-in identity's, when the route knew it), with
    the way back to the list unless other links are given."""
    signed = getattr(request.state, "signed", None)
    back = [("/proses", text(lang, "back_to_list"))]
    response = render_page(
        request,
        "bureau/problem.html",
        lang,
        {
            "title": error.title,
            "lines": error.lines,
            "status": error.status,
            "links": list(links if links is not None else back),
        },
        signed=signed if isinstance(signed, SignedIn) else None,
        status=error.status,
    )
    response.headers.update(error.headers)
    return response
