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

from api.core.auth import get_credentials
from api.core.deps import LangDep, SettingsDep
from api.core.i18n import Lang, text, when
from api.core.pages import render
from api.core.problems import PageError
from common.mailstore import InvalidMessageName, StoredMessage, list_messages, read_message

router = APIRouter(tags=["ops"])

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
REALM = "IKU outbox"
LIMIT = 500
_LINK = re.compile(r"https?://[^\s<>\"']+")
_basic = HTTPBasic(auto_error=False, realm=REALM)


async def ops_only(
    request: Request,
    settings: SettingsDep,
    lang: LangDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> None:
    if not settings.outbox_enabled:
        raise PageError(404, text(lang, "not_found_title"), [])
    # request.client is the peer, or the client a trusted local proxy names (uvicorn's
    # proxy headers): either way, a remote browser is refused.
    host = request.client.host if request.client else ""
    if host not in LOOPBACK:
        raise PageError(403, text(lang, "cross_site_title"), [])
    # The sign-in's own check (constant time, passwords read once and kept), ops only.
    identity = (
        get_credentials(request).password(credentials.username, credentials.password)
        if credentials is not None
        else None
    )
    if identity is None or not identity.is_ops:
        raise PageError(
            401,
            text(lang, "outbox"),
            [],
            headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        )


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
        "kind": headers.get("x-iku-kind", ""),
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
