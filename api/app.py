"""The web layer: task links, bureau pages and the JSON API, served by uvicorn.

    uv run uvicorn api.app:app --host 127.0.0.1 --port 8000 --no-access-log

Access logs stay off: task links carry their token in the path. Anything this app logs
about a request names its path through ``api.security.redact``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import health
from api.auth import Credentials, SignInRequired, sign_in_redirect
from api.body_limit import BodyLimit
from api.bureau_render import BUREAU_CSS
from api.deps import Keys
from api.i18n import LANGS, Lang, negotiate, text
from api.json_errors import (
    API_PREFIX,
    ApiProblem,
    api_problem_handler,
    http_error_handler,
    problem_response,
    unexpected_response,
    validation_handler,
)
from api.pages import CSS, render_problem
from api.problems import PageError
from api.routers import api_docs, bureau, documents, json_api, outbox, signin, tasks
from api.security import (
    SecurityHeaders,
    content_security_policy,
    redact,
    redact_request_logs,
    security_headers,
)
from api.sessions import Sessions
from api.temporal_client import TemporalConnection
from api.throttle import SignInThrottle
from api.visibility import CountsCache, PageTokens
from common.documents import StoreUnavailable
from common.settings import Settings, get_settings
from common.version import VERSION

log = logging.getLogger("api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    redact_request_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact_request_logs()  # again: a server may set its handlers up after import
        yield
        await app.state.temporal.close()

    # FastAPI's /docs and /redoc load script from a CDN, which the pages' policy (no script)
    # and offline machines both rule out: /docs is our own page (api.routers.api_docs).
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
    app.state.page_tokens = PageTokens(settings.session_secret_value)
    app.state.counts = CountsCache()
    app.state.security_headers = security_headers(content_security_policy(CSS, BUREAU_CSS))
    # Inside SecurityHeaders, so a refused body still gets the headers.
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, headers=app.state.security_headers)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(ApiProblem, api_problem_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(Exception, _unexpected)
    app.include_router(health.router)
    app.include_router(tasks.router)
    app.include_router(documents.router)
    app.include_router(outbox.router)
    app.include_router(signin.router)
    app.include_router(bureau.router)
    app.include_router(json_api.router)
    app.include_router(api_docs.router)
    return app


def _lang_of(request: Request) -> Lang:
    lang = getattr(request.state, "lang", None)  # set by the get_lang dependency
    if lang in LANGS:
        return lang  # type: ignore[no-any-return]
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


async def _page_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    return render_problem(error, _lang_of(request))


async def _store_unavailable(request: Request, error: Exception) -> Response:
    """S3 (or the folder) cannot be used now: 503 and "try again", wherever it was needed."""
    log.warning(
        "document store unavailable on %s %s: %s", request.method, redact(request.url.path), error
    )
    headers = {**request.app.state.security_headers, "Retry-After": "10"}
    if request.url.path.startswith(API_PREFIX):
        response = problem_response(ApiProblem(503, "store_unavailable", headers=headers))
        return response
    lang = _lang_of(request)
    return render_problem(
        PageError(
            503,
            text(lang, "unavailable_title"),
            [text(lang, "store_unavailable")],
            headers=headers,
        ),
        lang,
    )


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


app = create_app()
