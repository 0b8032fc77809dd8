"""Traces with OpenTelemetry, on when ``IKU_OTLP_ENDPOINT`` names a collector.

One click is one trace: the web layer's FastAPI instrumentation opens the request's span,
the Temporal SDK's ``TracingInterceptor`` on the client carries its context in the
Update's headers, and the same interceptor on the worker opens the workflow's handler and
activity spans under it. This interceptor (not the newer OpenTelemetry plugin) writes a
workflow's spans as they happen, so a process that waits for months shows its steps
while it runs.

As the SDK ships it, an Update's handler span is a child of the workflow's start (a trace
months long) and only linked to the click: ``common.click_tracing`` makes the click its
parent instead.

The process's provider is installed once (``setup`` in the worker and the web layer;
``install`` in tests, with an in-memory exporter); ``common.temporal.connect`` asks for
``interceptors()``, so every client of the process traces alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from common.logs import REDACTED, redact_text
from common.settings import Settings
from common.version import VERSION

# OpenTelemetry's SDK is imported only when tracing is on: it costs every process seconds
# of start-up for nothing otherwise.
if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span
    from temporalio.contrib.opentelemetry import TracingInterceptor

_current: TracerProvider | None = None


def provider(
    settings: Settings, service: str, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """A provider exporting to the OTLP collector of the settings (batched), or to
    ``exporter`` (each span as it ends); None when neither is given."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    if exporter is None:
        if settings.otlp_endpoint is None:
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: Any = BatchSpanProcessor(
            OTLPSpanExporter(endpoint=traces_url(settings.otlp_endpoint))
        )
    else:
        processor = SimpleSpanProcessor(exporter)
    made = TracerProvider(
        resource=Resource.create({"service.name": f"iku-{service}", "service.version": VERSION}),
        sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio)),
    )
    made.add_span_processor(processor)
    return made


def traces_url(endpoint: str) -> str:
    """The collector's base URL (as OTEL_EXPORTER_OTLP_ENDPOINT is given) or its traces URL."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def setup(settings: Settings, service: str) -> TracerProvider | None:
    """The process's provider: the one installed already (a test's), else one for the
    settings' collector, installed; None when tracing is off."""
    if _current is None:
        install(provider(settings, service))
    return _current


def install(made: TracerProvider | None) -> None:
    global _current
    _current = made


def current() -> TracerProvider | None:
    return _current


def interceptors() -> list[TracingInterceptor]:
    """For a Temporal client (and the workers built on it); none when tracing is off."""
    if _current is None:
        return []
    from common.click_tracing import ClickTracingInterceptor

    return [ClickTracingInterceptor(_current.get_tracer("iku.temporal", VERSION))]


def shutdown() -> None:
    """Send what is batched (the worker and the web layer call it as they stop)."""
    if _current is not None:
        _current.shutdown()


# What a request span would say of the person behind it: left out, not needed to follow a
# click through the system (the semantic conventions' old and new names).
_PERSONAL = frozenset(
    {
        "net.peer.ip",
        "net.sock.peer.addr",
        "http.client_ip",
        "client.address",
        "http.user_agent",
        "user_agent.original",
    }
)
# A query string may carry what a person typed (a search, a form sent by GET).
_URLS = frozenset({"http.url", "http.target", "url.full"})


def redact_span(span: Span, scope: Mapping[str, Any] | None = None) -> None:
    """The request span's attributes without a task link's token (it is in the path and
    the URL the instrumentation records), the query string, or the client's address and
    browser; a hook of the FastAPI instrumentation."""
    attributes = getattr(span, "attributes", None) or {}
    for key, value in list(attributes.items()):
        if not isinstance(value, str):
            continue
        if key in _PERSONAL or key == "url.query":
            clean = REDACTED
        else:
            clean = redact_text(value.split("?", 1)[0] if key in _URLS else value)
        if clean != value:
            span.set_attribute(key, clean)
