"""Before any route: the name a request was sent to, and the client it comes from.

``AllowedHosts`` answers 400 to a request whose ``Host`` is not one the deployment answers
to (``IKU_ALLOWED_HOSTS``; by default the local names and the public base URL's host): a
page or mail built from a forged Host could point officials elsewhere, and a DNS-rebinding
page could reach a local run. The probes (``/healthz``, ``/metrics``) answer any Host:
health checks and Prometheus call a replica by its address, and neither builds a link
(``/metrics`` still asks for its token). ``ClientAddress`` sets the request's client
(what the sign-in throttle and the outbox see) to the peer, or, when the peer is a proxy
named in ``IKU_TRUSTED_PROXIES``, to the client it reports in ``X-Forwarded-For``; a
client's own forwarded headers are never believed. Both are pure ASGI and read only what they need.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.core.i18n_bureau import problem_texts
from api.core.json_errors import API_PREFIX, ApiProblem, problem_response
from common.request_origin import forwarded_client, host_allowed, host_name
from common.settings import Settings

# Called by address: the container's health check, Kubernetes' probes, Prometheus.
PROBES = frozenset({"/healthz", "/metrics"})


class AllowedHosts:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in PROBES:
            await self.app(scope, receive, send)
            return
        name = host_name(Headers(scope=scope).get("host"))
        # Read per request: the settings' public base URL may change after start (tests).
        if host_allowed(name, self.settings.hosts()):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response: Response
        if str(scope.get("path", "")).startswith(API_PREFIX):
            response = problem_response(ApiProblem(400, "unknown_host"))
        else:
            # Both languages: nothing about this request can be trusted to choose one.
            english, indonesian = problem_texts("unknown_host")
            response = PlainTextResponse(f"{indonesian}\n\n{english}\n", status_code=400)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        await response(scope, receive, send)


class ClientAddress:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.settings.trusted_proxies:
            peer = scope.get("client")
            host = peer[0] if peer else None
            if self.settings.is_trusted_proxy(host):
                headers = Headers(scope=scope)
                client = forwarded_client(
                    host, headers.getlist("x-forwarded-for"), self.settings.is_trusted_proxy
                )
                # In place, as uvicorn's own proxy-headers middleware does: the router records
                # the matched route in this scope, and the request metrics outside read it
                # there (on a copy, every request behind the proxy counted as <unmatched>).
                scope["iku.peer"] = peer  # the proxy itself, for whoever must know
                if client and client != host:
                    scope["client"] = (client, 0)
                proto = headers.get("x-forwarded-proto", "").strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = (
                        proto if scope["type"] == "http" else ("wss" if proto == "https" else "ws")
                    )
        await self.app(scope, receive, send)
