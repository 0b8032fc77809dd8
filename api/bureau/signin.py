"""``/masuk`` and ``/keluar``: signing in to the bureau pages, and out.

The form carries a token bound to a nonce cookie (no session exists yet to bind it to), is
checked for a same-origin POST, and every failure waits a little and counts towards a
lock-out of that user name from that address, and towards a growing delay of the account
from anywhere that a browser which signed in as that user before does not feel
(``api.core.throttle``). The address is the peer's, or what a trusted proxy names
(``api.core.edge``): never what the client writes in X-Forwarded-For.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.bureau.render import bureau_lang, render_page
from api.core.auth import SignInRequired, get_credentials, get_sessions, safe_next, sign_in_url
from api.core.deps import SettingsDep, SignInThrottleDep
from api.core.i18n import Lang, text
from api.core.problems import PageError
from api.core.security import check_same_origin
from api.core.sessions import Sessions
from api.core.throttle import FAILURE_DELAY_SECONDS
from common.text import clean_line

router = APIRouter(tags=["bureau"], include_in_schema=False)
log = logging.getLogger("api.signin")

NONCE_COOKIE = "iku_signin"
NONCE_SECONDS = 3600
FIELD_MAX = 256

LangDep = Annotated[Lang, Depends(bureau_lang)]


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _form_page(
    request: Request,
    lang: Lang,
    sessions: Sessions,
    *,
    next_path: str,
    user: str = "",
    error: str = "",
    status: int = 200,
    signed_out: bool = False,
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(18)
    response = render_page(
        request,
        "bureau/signin.html",
        lang,
        {
            "next": next_path,
            "user": user,
            "error": error,
            "token": sessions.signin_token(nonce),
            "signed_out": signed_out,
            # Where the passwords are kept (setting and file names) is said on the local run
            # only, the one run that turns the outbox on; elsewhere the page sends to ops.
            "local_run": sessions.settings.outbox_enabled,
        },
        signed=None,
        status=status,
    )
    name = f"__Host-{NONCE_COOKIE}" if sessions.secure else NONCE_COOKIE
    response.set_cookie(
        name,
        nonce,
        max_age=NONCE_SECONDS,
        path="/",
        secure=sessions.secure,
        httponly=True,
        samesite="lax",
    )
    return response


def _nonce(request: Request, sessions: Sessions) -> str | None:
    return request.cookies.get(f"__Host-{NONCE_COOKIE}" if sessions.secure else NONCE_COOKIE)


@router.get("/masuk", response_class=HTMLResponse)
async def sign_in_form(request: Request, lang: LangDep) -> Response:
    sessions = get_sessions(request)
    next_path = safe_next(request.query_params.get("next"))
    if sessions.read(request.cookies.get(sessions.cookie)) is not None:
        return RedirectResponse(next_path, status_code=303)
    return _form_page(
        request,
        lang,
        sessions,
        next_path=next_path,
        signed_out=request.query_params.get("keluar") == "1",
    )


@router.post("/masuk", response_class=HTMLResponse)
async def sign_in(
    request: Request, lang: LangDep, settings: SettingsDep, throttle: SignInThrottleDep
) -> Response:
    sessions = get_sessions(request)
    try:
        check_same_origin(request, settings.public_base_url, lang)
    except PageError:
        return _form_page(
            request,
            lang,
            sessions,
            next_path="/proses",
            error=text(lang, "signin_stale"),
            status=403,
        )
    form = await request.form()
    user = clean_line(str(form.get("user") or ""))[:FIELD_MAX]
    password = str(form.get("password") or "")[:FIELD_MAX]
    next_path = safe_next(str(form.get("next") or ""))
    address = _address(request)
    known = sessions.knows_browser(request.cookies.get(sessions.known_cookie), user)
    wait = throttle.retry_after(address, user, known_browser=known)
    if wait:
        response = _form_page(
            request,
            lang,
            sessions,
            next_path=next_path,
            user=user,
            error=text(lang, "signin_throttled", minutes=-(-wait // 60)),
            status=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    if not sessions.signin_ok(_nonce(request, sessions), str(form.get("token") or "")):
        return _form_page(
            request,
            lang,
            sessions,
            next_path=next_path,
            user=user,
            error=text(lang, "signin_stale"),
            status=403,
        )
    credentials = get_credentials(request)
    identity = credentials.password(user, password)
    if identity is None:
        throttle.failed(address, user)
        named = credentials.user_name(user)
        who = repr(named) if named else "a user name that is none of ours"
        log.warning("failed sign-in for %s from %s", who, address)
        await asyncio.sleep(FAILURE_DELAY_SECONDS)
        return _form_page(
            request,
            lang,
            sessions,
            next_path=next_path,
            user=user,
            error=text(lang, "signin_failed"),
            status=401,
        )
    throttle.succeeded(address, user)
    log.info("%s signed in from %s", identity.who, address)
    response = RedirectResponse(next_path, status_code=303)
    sessions.issue(response, identity.who, identity.kind)
    sessions.remember_browser(response, user)
    response.delete_cookie(
        f"__Host-{NONCE_COOKIE}" if sessions.secure else NONCE_COOKIE,
        path="/",
        secure=sessions.secure,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/keluar")
async def sign_out(request: Request, lang: LangDep, settings: SettingsDep) -> Response:
    sessions = get_sessions(request)
    session = sessions.read(request.cookies.get(sessions.cookie))
    if session is None:
        raise SignInRequired("/proses")
    refused = PageError(403, text(lang, "cross_site_title"), [text(lang, "csrf_failed")])
    try:
        check_same_origin(request, settings.public_base_url, lang)
    except PageError:
        raise refused from None
    form = await request.form()
    if not sessions.csrf_ok(session, str(form.get("csrf") or "")):
        raise refused
    response = RedirectResponse(f"{sign_in_url('/proses')}&keluar=1", status_code=303)
    sessions.end(response, session)
    log.info("%s signed out", session.who)
    return response
