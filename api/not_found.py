"""An address nothing answers at (a typo, a link a mail program cut short) or a method an
address does not take: a page in the reader's language, not Starlette's
``{"detail": "Not Found"}``.

- under ``/t``: the task link's "unknown link" page (its holder learns nothing else);
- under ``/v``: the public verification page's "unknown code";
- any other page: the bureau frame, with the way back to the list of processes;
- the JSON API (``/api``) and the schema (``/openapi.json``, ``/docs``) keep their JSON
  answers (``api.core.json_errors``), as does every other status Starlette raises.
"""

from __future__ import annotations

from contextlib import suppress

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.bureau.render import bureau_lang, bureau_problem
from api.core.answers import unknown_link
from api.core.auth import SignInRequired, signed_in
from api.core.deps import get_lang
from api.core.i18n import Lang, text
from api.core.json_errors import http_error_handler
from api.core.pages import render_problem
from api.core.problems import PageError

_JSON = ("/api", "/openapi.json", "/docs")
_PAGES = (404, 405)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _wrong_method(lang: Lang) -> PageError:
    return PageError(
        405, text(lang, "method_not_allowed_title"), [text(lang, "method_not_allowed")]
    )


def _allowed(request: Request) -> str:
    """Every method the address takes: Starlette's 405 names only those of the first route
    whose path matched (GET and POST on /api/processes are two routes). HEAD goes where GET
    does (``api.core.head``)."""
    routes = request.app.router.routes
    takes = [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    if "GET" in takes:
        takes.insert(1, "HEAD")
    return ", ".join(takes)


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    path = request.url.path
    if error.status_code == 405 and (allowed := _allowed(request)):
        error.headers = {**(error.headers or {}), "Allow": allowed}
    if error.status_code not in _PAGES or any(_under(path, prefix) for prefix in _JSON):
        return await http_error_handler(request, error)
    # A 405 names the methods the address takes (Allow): the page keeps it.
    headers = dict(error.headers or {})
    if _under(path, "/t") or _under(path, "/v"):
        lang = await get_lang(request)
        if error.status_code == 405:
            page = _wrong_method(lang)
        elif _under(path, "/t"):
            page = unknown_link(lang)
        else:
            page = PageError(404, text(lang, "verify_title"), [text(lang, "verify_unknown")])
        page.headers.update(headers)
        return render_problem(page, lang)
    lang = await bureau_lang(request)
    # A signed-in reader keeps the frame's menu; nobody signed in gets the frame without
    # it (a wrong address is not sent to the sign-in page).
    with suppress(SignInRequired):
        await signed_in(request)
    if error.status_code == 405:
        page = _wrong_method(lang)
    else:
        page = PageError(404, text(lang, "not_found_title"), [text(lang, "page_unknown")])
    page.headers.update(headers)
    return bureau_problem(request, page, lang)
