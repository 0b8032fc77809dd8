"""What every response carries, and the cross-site check a decision must pass.

Task links are bearer secrets in the URL: no page may leak them through ``Referer``, be
framed, run script, or be cached by a shared proxy; and the path must never be logged as
it is (``redact``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.i18n import Lang, text
from api.core.problems import PageError

_TOKEN_PATH = re.compile(r"/t/[^/?#\s\"']+")
# Where records end up: the root logger's handlers, and uvicorn's own (its loggers do not
# propagate). A filter on a logger would miss its children's records (``api.tasks.decisions``),
# so the filter sits on these handlers. uvicorn's access log is off (--no-access-log), but
# uvicorn turns it back on whenever the logger has a handler (a --log-config file).
_HANDLER_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")


def redact(path: str) -> str:
    """A request path fit for a log line: ``/t/<token>/…`` becomes ``/t/…/…``."""
    return _TOKEN_PATH.sub("/t/…", path)


class RedactTokens(logging.Filter):
    """Rewrites task-link tokens out of a record's message, arguments, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif not record.args:  # an exception or other object logged as the message
            record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            # Kept a tuple: uvicorn's access formatter unpacks it.
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        if record.exc_info and not record.exc_text:
            # Formatted now, so the formatter prints this text and not the raw traceback,
            # whose exception messages and locals may quote a request path.
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


def redact_request_logs() -> None:
    """Second line of defence behind --no-access-log and logging only ids: every handler
    records reach (root's and uvicorn's) drops tokens, whichever logger a record came from.
    Called again at startup, for handlers configured after the app was made."""
    handlers = [h for name in _HANDLER_LOGGERS for h in logging.getLogger(name).handlers]
    if logging.lastResort is not None:  # prints warnings when root has no handler at all
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline stylesheet and nothing else."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(*styles: str) -> str:
    # No script at all; the inline stylesheets by hash; forms post only to us.
    return "; ".join(
        (
            "default-src 'none'",
            "style-src " + " ".join(style_hash(css) for css in styles),
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def security_headers(csp: str) -> dict[str, str]:
    return {
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": csp,
        "Cross-Origin-Opener-Policy": "same-origin",
        # Pages carry personal links and nonces; downloads carry official papers.
        "Cache-Control": "no-store",
    }


class SecurityHeaders:
    """Pure ASGI middleware (it does not buffer bodies, so downloads still stream)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- cross-site requests ----------------------------------------------------------------

_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin_of(url: str) -> tuple[str, str] | None:
    """(scheme, host:port) with the default port spelt out, or None if not a URL."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    port = str(parts.port) if parts.port else _DEFAULT_PORTS[parts.scheme]
    return parts.scheme, f"{parts.hostname.lower()}:{port}"


def _host_with_port(host: str, scheme: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal keeps its brackets, its port follows them
        bracket = host.find("]")
        return host if host[bracket + 1 :].startswith(":") else f"{host}:{_DEFAULT_PORTS[scheme]}"
    return host if ":" in host else f"{host}:{_DEFAULT_PORTS[scheme]}"


def check_same_origin(request: Request, public_base_url: str, lang: Lang) -> None:
    """Refuse a POST another site made the browser send.

    ``Sec-Fetch-Site`` (sent by every current browser) must say same-origin or none (the
    user's own navigation). ``Origin``, when it names one, must be our public address or
    the host the request came to. ``Origin: null`` names none: our own pages send it,
    because ``Referrer-Policy: no-referrer`` makes browsers hide the origin of a form POST
    (Fetch standard, "serializing a request origin"); the page's nonce still holds then.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in _ALLOWED_FETCH_SITES:
        raise _cross_site(lang)
    origin = request.headers.get("origin")
    if origin is None or origin.strip().lower() == "null":
        return
    theirs = _origin_of(origin.strip())
    if theirs is None:
        raise _cross_site(lang)
    if theirs == _origin_of(public_base_url):
        return
    host = request.headers.get("host")
    # Behind a proxy that ends TLS we see http while the browser says https: the host is
    # what has to agree.
    if host and theirs[1] == _host_with_port(host, theirs[0]):
        return
    raise _cross_site(lang)


def _cross_site(lang: Lang) -> PageError:
    return PageError(403, text(lang, "cross_site_title"), [text(lang, "cross_site")])
