"""``/outbox``: every mail the local sink kept, so a newcomer can walk a process from one browser.

Only in the local run (``outbox_enabled``), only to a client on the loopback interface, and
only with the ops credential: the mails hold everyone's personal task links.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from markupsafe import Markup, escape

from api.core.auth import get_credentials, get_sessions
from api.core.deps import LangDep, SettingsDep, SignInThrottleDep
from api.core.i18n import Lang, text, when
from api.core.pages import render
from api.core.problems import PageError
from api.core.throttle import FAILURE_DELAY_SECONDS
from common.catalogue import NOTICE_KINDS, label
from common.mailstore import InvalidMessageName, StoredMessage, list_messages, read_message
from common.text import clean_line

router = APIRouter(tags=["ops"])

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
REALM = "IKU outbox"
LIMIT = 500
_LINK = re.compile(r"https?://[^\s<>\"']+")
_basic = HTTPBasic(auto_error=False, realm=REALM)


# Headers a proxy adds: a request carrying one was relayed, so it is not a local browser's,
# unless a trusted proxy relayed it (then api.core.edge made request.client the client).
_RELAYED = ("x-forwarded-for", "forwarded", "x-real-ip")


async def ops_only(
    request: Request,
    settings: SettingsDep,
    lang: LangDep,
    throttle: SignInThrottleDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> None:
    if not settings.outbox_enabled:
        raise PageError(404, text(lang, "not_found_title"), [])
    # request.client is the peer, or the client a trusted proxy names (api.core.edge):
    # either way, a remote browser is refused; so is one relayed by a proxy not trusted.
    host = request.client.host if request.client else ""
    relayed = any(h in request.headers for h in _RELAYED)
    if host not in LOOPBACK or (relayed and not settings.is_trusted_proxy(_peer(request))):
        raise PageError(403, text(lang, "cross_site_title"), [])
    identity = None
    if credentials is not None:
        # The sign-in's own throttle and check (constant time, passwords read once), ops only.
        user = clean_line(credentials.username)[:256]
        sessions = get_sessions(request)
        known = sessions.knows_browser(request.cookies.get(sessions.known_cookie), user)
        wait = throttle.retry_after(host, user, known_browser=known)
        if wait:
            raise PageError(
                429,
                text(lang, "unavailable_title"),
                [text(lang, "signin_throttled", minutes=-(-wait // 60))],
                headers={"Retry-After": str(wait)},
            )
        identity = get_credentials(request).password(user, credentials.password)
        if identity is None:
            throttle.failed(host, user)
            await asyncio.sleep(FAILURE_DELAY_SECONDS)
        else:
            throttle.succeeded(host, user)
    if identity is None or not identity.is_ops:
        raise PageError(
            401,
            text(lang, "outbox"),
            [],
            headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        )


def _peer(request: Request) -> str | None:
    """The TCP peer itself, before api.core.edge put a trusted proxy's client in its place."""
    peer = request.scope.get("iku.peer") or request.scope.get("client")
    return peer[0] if peer else None


OpsOnly = Annotated[None, Depends(ops_only)]


def _links(body: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).rstrip(".,;)") for m in _LINK.finditer(body)))


def linkify(body: str) -> Markup:
    """The text body, escaped, with its links clickable."""
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(body):
        url = match.group(0).rstrip(".,;)")
        out.append(str(escape(body[last : match.start()])))
        out.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        last = match.start() + len(url)
    out.append(str(escape(body[last:])))
    return Markup("".join(out))


def _summary(message: StoredMessage, lang: Lang, timezone: str) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in message.iku_headers.items()}
    return {
        "name": message.name,
        "received": when(message.received, lang, timezone),
        "subject": message.subject,
        "to": ", ".join(message.envelope_to) or message.to,
        # A kind by its name, not its code (an unknown one as it came).
        "kind": label(NOTICE_KINDS, headers["x-iku-kind"], lang)
        if headers.get("x-iku-kind")
        else "",
        "workflow": headers.get("x-iku-workflow-id", ""),
        "step": headers.get("x-iku-step", ""),
        "links": [link for link in _links(message.body) if "/t/" in link],
    }


@router.get("/outbox", response_class=HTMLResponse, summary="Mails the local sink received")
async def outbox(_: OpsOnly, lang: LangDep, settings: SettingsDep) -> HTMLResponse:
    # Up to LIMIT files parsed: off the event loop.
    messages = await asyncio.to_thread(list_messages, settings.mail_dir, limit=LIMIT)
    return render(
        "outbox.html",
        lang,
        {
            "messages": [_summary(m, lang, settings.timezone) for m in messages],
        },
    )


@router.get("/outbox/{name}", response_class=HTMLResponse, summary="One mail, as text")
async def outbox_message(
    name: str, _: OpsOnly, lang: LangDep, settings: SettingsDep
) -> HTMLResponse:
    try:
        message = await asyncio.to_thread(read_message, settings.mail_dir, name)
    except (InvalidMessageName, FileNotFoundError):
        raise PageError(404, text(lang, "not_found_title"), []) from None
    return render(
        "outbox_message.html",
        lang,
        {
            "m": _summary(message, lang, settings.timezone),
            "sender": message.sender,
            "body": linkify(message.body),
        },
    )
