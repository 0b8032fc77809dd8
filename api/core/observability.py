"""The web layer's metrics and traces.

- Request metrics: every request counted by method, route template (``/t/{token}``, never
  the path itself: it holds the link's token) and status, timed by method and route.
- ``GET /metrics``: those, and the process gauges an ops team alerts on (tasks overdue by
  role, running processes by step), for Prometheus. It answers only the metrics token
  (``Authorization: Bearer``, IKU_METRICS_TOKEN; a scraper sends it with
  ``authorization: {credentials_file: …}``), so it can sit behind the same proxy as the
  pages without telling the world how many tasks wait at the Minister.
- The gauges come from Temporal's visibility, not from any one worker's memory: every web
  replica reports the same cluster-wide numbers (alert on ``max``), and they hold however
  many workers run the processes. They are asked at most every IKU_METRICS_GAUGE_SECONDS.
- Two dates from the signing folder, read at each scrape, that ops must act on before they
  pass: when the CA's CRL runs out, and when the first signing certificate in force ends;
  and the last year whose cuti bersama the calendar knows.
- Traces: the FastAPI instrumentation, on when tracing is (``common.tracing``), with the
  link's token rewritten out of the request span.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Client

from common import search_attributes as sa
from common import tracing
from common.directory import DirectoryError, directory_problem, load_directory
from common.documents import StoreUnavailable
from common.settings import Settings
from common.workcalendar import covered_until, load_overrides
from signing.ca import CaError, CertificateAuthority
from signing.folder import CA_FILES, SigningFolder
from workflows import sop

log = logging.getLogger("api.metrics")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # no route: the path is not a label (anyone can invent paths)
# Seconds; a decision through the page takes tens of milliseconds, an upload longer.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_RPC_TIMEOUT = timedelta(seconds=5)


class WebMetrics:
    """The web layer's metrics, in a registry of the app's own (tests make many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "iku_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.duration = Histogram(
            "iku_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            buckets=BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "iku_http_requests_in_flight", "HTTP requests being answered", registry=r
        )
        self.overdue = Gauge(
            "iku_tasks_overdue",
            "Running processes whose current task is past its deadline, by role (visibility)",
            ["role"],
            registry=r,
        )
        self.running = Gauge(
            "iku_processes_running",
            "Running processes by the step they are at (visibility)",
            ["step"],
            registry=r,
        )
        self.gauges_ok = Gauge(
            "iku_visibility_gauges_up",
            "1 when the last visibility count for the gauges succeeded, else 0",
            registry=r,
        )
        self.gauges_age = Gauge(
            "iku_visibility_gauges_age_seconds",
            "Seconds since the gauges were last counted successfully",
            registry=r,
        )
        self._counted_at: float | None = None
        self._asked_at = -float("inf")
        self._lock = asyncio.Lock()
        self.signing = SigningDates()
        r.register(self.signing)
        self.calendar = CalendarYears()
        r.register(self.calendar)
        self.directory_valid = Gauge(
            "iku_directory_file_valid",
            "0 while the directory file cannot be read as it is now (the last good reading "
            "stays in use where there is one), else 1",
            registry=r,
        )

    async def refresh(self, client: Client, every: float) -> None:
        """Count again from visibility when the last count is older than ``every``
        seconds; a failure keeps the last numbers and says so in the ``_up`` gauge."""
        async with self._lock:
            now = time.monotonic()
            if now - self._asked_at >= every:
                self._asked_at = now
                try:
                    overdue, running = await _counts(client)
                except Exception as err:  # any failure: the scrape still answers
                    log.warning("gauges not counted: %s", type(err).__name__)
                    self.gauges_ok.set(0)
                else:
                    for role, count in overdue.items():
                        self.overdue.labels(role=role).set(count)
                    for step, count in running.items():
                        self.running.labels(step=str(step)).set(count)
                    self.gauges_ok.set(1)
                    self._counted_at = now
            if self._counted_at is not None:
                self.gauges_age.set(time.monotonic() - self._counted_at)


class SigningDates:
    """The CRL's next update and the first end of a signing certificate in force, as unix
    times; each absent while the signing folder does not say (no CA yet, unreadable)."""

    def __init__(self) -> None:
        self.crl_next_update: float | None = None
        self.certificate_next_end: float | None = None
        self._read_at = -float("inf")

    def read(self, settings: Settings) -> None:
        """Read again when the last reading is older than ``IKU_METRICS_GAUGE_SECONDS``:
        with documents on S3 a reading is three GETs, and the dates move by the day."""
        now = time.monotonic()
        if now - self._read_at < settings.metrics_gauge_seconds:
            return
        self._read_at = now
        try:
            ca = CertificateAuthority(SigningFolder(settings).fetch(*CA_FILES))
            crl, issued = ca.crl(), ca.issued()
        except (CaError, OSError, ValueError, StoreUnavailable) as err:
            if not isinstance(err, CaError):  # no CA yet is no fault of the folder
                log.warning("signing folder not read: %s", type(err).__name__)
            self.crl_next_update = self.certificate_next_end = None
            return
        now = datetime.now(UTC)
        ends = [i.not_after for i in issued if i.revoked_at is None and i.not_after > now]
        next_update = crl.next_update_utc
        self.crl_next_update = next_update.timestamp() if next_update else None
        self.certificate_next_end = min(ends).timestamp() if ends else None

    def collect(self) -> Iterator[Metric]:
        for name, documentation, value in (
            (
                "iku_signing_crl_next_update_timestamp_seconds",
                "When the CA's revocation list runs out: validators refuse it after",
                self.crl_next_update,
            ),
            (
                "iku_signing_certificate_next_end_timestamp_seconds",
                "When the first signing certificate in force ends",
                self.certificate_next_end,
            ),
        ):
            family = GaugeMetricFamily(name, documentation)
            if value is not None:
                family.add_metric([], value)
            yield family


def _directory_valid(settings: Settings) -> bool:
    try:
        load_directory(settings.directory_file)
    except DirectoryError:
        return False
    return directory_problem(settings.directory_file) is None


class CalendarYears:
    """The last year whose days off are known (``covered_until``): the cuti bersama of a
    year past it would count as working days, so ops update the package or the overrides
    file before it comes."""

    def __init__(self) -> None:
        self.known_until: int | None = None

    def read(self, settings: Settings) -> None:
        try:
            overrides = load_overrides(settings.calendar_overrides_file)
        except ValueError:  # a broken file has an alert of its own (schedule_failed)
            self.known_until = None
            return
        this_year = datetime.now(ZoneInfo(settings.timezone)).year
        self.known_until = covered_until(this_year, overrides)

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "iku_calendar_days_off_known_until_year",
            "The last year whose cuti bersama are known (holidays package or overrides)",
        )
        if self.known_until is not None:
            family.add_metric([], self.known_until)
        yield family


async def _counts(client: Client) -> tuple[dict[str, int], dict[int, int]]:
    running = f"{sa.STATE.name} = 'running' AND ExecutionStatus = 'Running'"
    gate = asyncio.Semaphore(8)

    async def count(query: str) -> int:
        async with gate:
            found = await client.count_workflows(query, rpc_timeout=_RPC_TIMEOUT)
            return found.count

    # Roles and steps are our own codes (never input); one count each, since GROUP BY on
    # custom search attributes is not supported by the SQL visibility stores.
    roles = list(sop.ROLES)
    steps = [s.number for s in sop.STEPS]
    results = await asyncio.gather(
        *(
            count(f"{running} AND {sa.OVERDUE.name} = true AND {sa.ROLE.name} = '{r}'")
            for r in roles
        ),
        *(count(f"{running} AND {sa.STEP.name} = {n}") for n in steps),
    )
    return (
        dict(zip(roles, results[: len(roles)], strict=True)),
        dict(zip(steps, results[len(roles) :], strict=True)),
    )


class RequestMetrics:
    """Counts and times every request (pure ASGI: a streamed answer is timed to its end)."""

    def __init__(self, app: ASGIApp, metrics: WebMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        m = self.metrics
        started = time.perf_counter()
        m.in_flight.inc()
        try:
            await self.app(scope, receive, sending)
        finally:
            m.in_flight.dec()
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            m.requests.labels(method=method, route=route, status=str(status)).inc()
            m.duration.labels(method=method, route=route).observe(time.perf_counter() - started)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    expected = f"Bearer {settings.metrics_token_value()}".encode()
    given = request.headers.get("authorization", "").encode("utf-8", "replace")
    if not hmac.compare_digest(given, expected):
        return PlainTextResponse(
            "401: /metrics answers only the metrics token "
            "(Authorization: Bearer <IKU_METRICS_TOKEN>).\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
        )
    metrics: WebMetrics = request.app.state.metrics
    await asyncio.to_thread(metrics.signing.read, settings)
    await asyncio.to_thread(metrics.calendar.read, settings)
    metrics.directory_valid.set(await asyncio.to_thread(_directory_valid, settings))
    try:
        client = await request.app.state.temporal.client()
    except Exception as err:  # Temporal away: the request metrics still answer
        log.warning("gauges not counted: %s", type(err).__name__)
        metrics.gauges_ok.set(0)
    else:
        await metrics.refresh(client, settings.metrics_gauge_seconds)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def observe(app: FastAPI, settings: Settings) -> None:
    """Metrics on ``app`` (middleware and ``/metrics``), and traces when they are on.
    Called by the app factory after its other middleware, so the timing covers them."""
    app.state.metrics = WebMetrics()
    settings.metrics_token_value()  # made now (when not set), so ops find it before a scrape
    app.include_router(router)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    provider = tracing.setup(settings, "web")
    if provider is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=provider,
            server_request_hook=tracing.redact_span,
            exclude_spans=["receive", "send"],
            excluded_urls="healthz,metrics",
        )
