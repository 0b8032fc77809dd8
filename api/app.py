"""The web layer: task links, bureau pages and the JSON API, served by uvicorn.

Three front doors over one core: ``api.tasks`` (an official's task link), ``api.bureau``
(the planning bureau's pages), ``api.rest`` (the JSON API under ``/api``); ``api.core``
holds what they share and imports none of them. This module puts them together.

    uv run uvicorn api.app:app --host 127.0.0.1 --port 8000 --no-access-log --no-proxy-headers \
        --loop=uvloop --http=httptools

Access logs stay off: task links carry their token in the path. uvicorn's own proxy headers
stay off: ``api.core.edge`` believes X-Forwarded-For only from IKU_TRUSTED_PROXIES.
Anything this app logs about a request names its path through ``api.core.security.redact``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import bureau, rest, tasks, verify
from api.bureau.render import BUREAU_CSS, bureau_problem
from api.core import health
from api.core.answers import Audience, audience_of, for_bureau_page, for_json, for_task_page
from api.core.auth import Credentials, SignInRequired, sign_in_redirect
from api.core.body_limit import BodyLimit
from api.core.deps import Keys
from api.core.edge import AllowedHosts, ClientAddress
from api.core.gateway import ProcessError
from api.core.head import HeadAsGet
from api.core.i18n import LANGS, Lang, negotiate, text
from api.core.json_errors import (
    API_PREFIX,
    ApiProblem,
    api_problem_handler,
    problem_response,
    unexpected_response,
    validation_handler,
)
from api.core.observability import observe
from api.core.pages import CSS, render_problem
from api.core.problems import PageError
from api.core.security import (
    SecurityHeaders,
    content_security_policy,
    redact,
    redact_request_logs,
    security_headers,
)
from api.core.sessions import Sessions
from api.core.shared_counts import SharedCounts
from api.core.sliding_window import KeyLimit
from api.core.temporal_client import TemporalConnection
from api.core.throttle import SignInThrottle
from api.core.upload_budget import UploadBudget
from api.core.visibility import CountsCache, PageTokens
from api.not_found import http_error
from common import tracing
from common.documents import StoreUnavailable
from common.logs import configure_logging
from common.settings import SETTINGS_ERRORS, Settings, get_settings, settings_problem
from common.version import VERSION
from reporting.service import ReportingUnavailable

log = logging.getLogger("api")


def create_app(settings: Settings | None = None, *, own_logging: bool = False) -> FastAPI:
    """The app; with ``own_logging`` (the served app, not a test's) it sets the process's
    logging up (IKU_LOG_FORMAT) as it is made: uvicorn sets up its own before it imports
    the app, and its first lines ("Started server process") come after, in our format."""
    settings = settings or get_settings()
    if own_logging:
        configure_logging(settings, "web")
    redact_request_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact_request_logs()  # again: a server may set its handlers up after import
        # With documents on S3: sign-outs and throttle counts shared with the other replicas.
        exchanging = [
            asyncio.create_task(shared.keep_exchanging())
            for shared in (app.state.sessions.shared, app.state.shared_counts)
            if shared is not None
        ]
        yield
        for task in exchanging:
            task.cancel()
        await app.state.temporal.close()
        tracing.shutdown()

    # FastAPI's /docs and /redoc load script from a CDN, which the pages' policy (no script)
    # and offline machines both rule out: /docs is our own page (api.bureau.docs).
    # /openapi.json stays.
    app = FastAPI(
        title="IKU — Penyusunan Indikator Kinerja Utama",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.temporal = TemporalConnection(settings)
    app.state.keys = Keys(settings)
    app.state.credentials = Credentials(settings)
    app.state.sessions = Sessions(settings)
    app.state.signin_throttle = SignInThrottle()
    # Wrong passphrases per official: a few typos are normal, guessing is not.
    app.state.passphrase_throttle = KeyLimit(limit=5, window=15 * 60.0)
    app.state.verify_rate = KeyLimit(limit=30, window=60.0)  # per address, the public /v/ pages
    app.state.shared_counts = (
        SharedCounts(
            settings,
            {
                "sign-in": app.state.signin_throttle.counts,
                "passphrase": app.state.passphrase_throttle.counts,
                "verify": app.state.verify_rate.counts,
            },
        )
        if settings.document_store == "s3"
        else None
    )
    app.state.upload_budget = UploadBudget(lambda: settings.link_upload_budget_bytes)
    app.state.page_tokens = PageTokens(settings.session_secrets)
    app.state.counts = CountsCache()
    app.state.security_headers = security_headers(content_security_policy(CSS, BUREAU_CSS))
    # Inside SecurityHeaders, so a refused body still gets the headers.
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, headers=app.state.security_headers)
    # Outermost: a request to a name we do not serve is refused before anything reads it,
    # and every route sees the client's own address (never one the client wrote itself).
    app.add_middleware(ClientAddress, settings=settings)
    app.add_middleware(AllowedHosts, settings=settings)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(ProcessError, _process_error)
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(ApiProblem, api_problem_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    # An unknown address or a wrong method: a page outside the JSON API (api.not_found).
    app.add_exception_handler(StarletteHTTPException, http_error)
    # Raised before a decision is sent (files are stored first), so none was.
    app.add_exception_handler(
        StoreUnavailable, _outage("document store", "store_unavailable", retry_after=10)
    )
    # Only the figures, their exports and the archive list read it.
    app.add_exception_handler(
        ReportingUnavailable,
        _outage("reporting database", "reporting_unavailable", retry_after=30),
    )
    app.add_exception_handler(Exception, _unexpected)
    app.include_router(health.router)
    for router in (*tasks.ROUTERS, *bureau.ROUTERS, *rest.ROUTERS, *verify.ROUTERS):
        app.include_router(router)
    # Last: its middleware is then the outermost of ours, and times the others too.
    observe(app, settings)
    # Outside even that: a HEAD is timed and counted as the GET it is answered as.
    app.add_middleware(HeadAsGet)
    return app


def _lang_of(request: Request) -> Lang:
    lang = getattr(request.state, "lang", None)  # set by the get_lang dependency
    if lang in LANGS:
        return lang  # type: ignore[no-any-return]
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


async def _page_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    return render_problem(error, _lang_of(request))


def _outage(
    what: str, code: str, retry_after: int
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """A part the request needs is away (the document store, the reporting database): 503
    and "try again", to every audience, and a warning for ops naming the part."""

    async def handler(request: Request, error: Exception) -> Response:
        log.warning(
            "%s unavailable on %s %s: %s", what, request.method, redact(request.url.path), error
        )
        return await _process_error(request, ProcessError(503, code, retry_after=retry_after))

    return handler


async def _process_error(request: Request, error: Exception) -> Response:
    """A refusal or failure of the process that a route let rise, said as its audience
    (known by the path) reads it: ``api.core.answers`` words it."""
    assert isinstance(error, ProcessError)
    audience = audience_of(request.url.path)
    if audience is Audience.JSON:
        return problem_response(for_json(error))
    lang = _lang_of(request)
    if audience is Audience.TASK_PAGE:
        return render_problem(for_task_page(error, lang), lang)
    return bureau_problem(request, for_bureau_page(error, lang), lang)


async def _unexpected(request: Request, error: Exception) -> Response:
    # The path is redacted: it may hold a task link's token.
    log.error(
        "unhandled %s on %s %s", type(error).__name__, request.method, redact(request.url.path)
    )
    if request.url.path.startswith(API_PREFIX):
        response = unexpected_response()
        response.headers.update(request.app.state.security_headers)
        return response
    lang = _lang_of(request)
    # This handler runs outside the middleware stack, so the headers are set here.
    return render_problem(
        PageError(
            500,
            text(lang, "error_title"),
            [text(lang, "error")],
            headers=request.app.state.security_headers,
        ),
        lang,
    )


_served: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """``api.app:app``, the served app, made when uvicorn asks for it: importing this module
    (tests do, for ``create_app``) leaves the process's logging alone."""
    global _served
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _served is None:
        try:
            _served = create_app(own_logging=True)
        except SETTINGS_ERRORS as err:
            # One line naming the setting (never its value), as the worker and iku say it.
            print(f"web layer: {settings_problem(err)}", file=sys.stderr)
            raise SystemExit(2) from None
    return _served
