"""Traces with OpenTelemetry, on when ``IKU_OTLP_ENDPOINT`` names a collector.

One click is one trace: the web layer's FastAPI instrumentation opens the request's span,
the Temporal SDK's ``TracingInterceptor`` on the client carries its context in the
Update's headers, and the same interceptor on the worker opens the workflow's handler and
activity spans under it. This interceptor (not the newer OpenTelemetry plugin) writes a
workflow's spans as they happen, so a process that waits for months shows its steps
while it runs.

As the SDK ships it, an Update's handler span is a child of the workflow's start (a trace
months long) and only linked to the click. ``ClickTracingInterceptor`` makes the click
its parent instead (and links the start), and the activities the workflow starts in the
seconds after a decision (the next step's lookups, its mail) follow that click too; a
reminder days later belongs to the workflow's own trace again.

The process's provider is installed once (``setup`` in the worker and the web layer;
``install`` in tests, with an in-memory exporter); ``common.temporal.connect`` asks for
``interceptors()``, so every client of the process traces alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import opentelemetry.context
import opentelemetry.trace
import temporalio.worker
import temporalio.workflow
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor

# The SDK's own attach/detach (it copes with a workflow evicted mid-block), and the
# outbound interceptor its workflow interceptor wraps around the workflow's calls.
from temporalio.contrib.opentelemetry._context import attached_context
from temporalio.contrib.opentelemetry._interceptor import _TracingWorkflowOutboundInterceptor

from common.logs import redact_text
from common.settings import Settings
from common.version import VERSION

_current: TracerProvider | None = None


def provider(
    settings: Settings, service: str, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """A provider exporting to the OTLP collector of the settings (batched), or to
    ``exporter`` (each span as it ends); None when neither is given."""
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
    return [ClickTracingInterceptor(_current.get_tracer("iku.temporal", VERSION))]


def shutdown() -> None:
    """Send what is batched (the worker and the web layer call it as they stop)."""
    if _current is not None:
        _current.shutdown()


def redact_span(span: Span, scope: Mapping[str, Any] | None = None) -> None:
    """The request span's attributes without a task link's token (it is in the path and
    the URL the instrumentation records); a hook of the FastAPI instrumentation."""
    attributes = getattr(span, "attributes", None) or {}
    for key, value in list(attributes.items()):
        if isinstance(value, str) and (clean := redact_text(value)) != value:
            span.set_attribute(key, clean)


# What an Update's handler runs under; and how long after a decision the main loop's
# activities still belong to it (the next step is entered within a workflow task or two).
_CLICK = opentelemetry.context.create_key("iku_click")
FOLLOW_SECONDS = 10.0


class ClickTracingInterceptor(TracingInterceptor):
    def workflow_interceptor_class(
        self, input: temporalio.worker.WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        super().workflow_interceptor_class(input)
        return _ClickWorkflowInbound


class _ClickWorkflowInbound(TracingWorkflowInboundInterceptor):
    def __init__(self, next: temporalio.worker.WorkflowInboundInterceptor) -> None:
        super().__init__(next)
        self._click: opentelemetry.context.Context | None = None
        self._click_at = -FOLLOW_SECONDS

    def init(self, outbound: temporalio.worker.WorkflowOutboundInterceptor) -> None:
        # What the parent does (its tracing outbound), with ours around it.
        self.next.init(
            _ClickWorkflowOutbound(_TracingWorkflowOutboundInterceptor(outbound, self), self)
        )

    def _update_context(
        self, input: temporalio.worker.HandleUpdateInput
    ) -> opentelemetry.context.Context | None:
        header = input.headers.get(self.header_key)
        if not header:
            return None
        carrier = self.payload_converter.from_payloads([header])[0]
        context = self.text_map_propagator.extract(carrier)
        if opentelemetry.trace.get_current_span(context) is opentelemetry.trace.INVALID_SPAN:
            return None
        return self._set_on_context(opentelemetry.context.set_value(_CLICK, True, context))

    def handle_update_validator(self, input: temporalio.worker.HandleUpdateInput) -> None:
        context = self._update_context(input)
        if context is None:
            return super().handle_update_validator(input)
        with attached_context(context):
            self._completed_span(
                f"ValidateUpdate:{input.update}",
                link_context_carrier=self._load_workflow_context_carrier(),
                kind=opentelemetry.trace.SpanKind.SERVER,
            )
            return self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: temporalio.worker.HandleUpdateInput) -> Any:
        context = self._update_context(input)
        if context is None:
            return await super().handle_update_handler(input)
        self._click, self._click_at = context, temporalio.workflow.time()
        with attached_context(context):
            self._completed_span(
                f"HandleUpdate:{input.update}",
                link_context_carrier=self._load_workflow_context_carrier(),
                kind=opentelemetry.trace.SpanKind.SERVER,
            )
            return await self.next.handle_update_handler(input)

    @contextmanager
    def following_click(self) -> Iterator[None]:
        """Under the last decision's context when the workflow acts on it (outside its
        handler, within FOLLOW_SECONDS); else as it is."""
        recent = temporalio.workflow.time() - self._click_at < FOLLOW_SECONDS
        if self._click is None or not recent or opentelemetry.context.get_value(_CLICK):
            yield
            return
        with attached_context(self._click):
            yield


class _ClickWorkflowOutbound(temporalio.worker.WorkflowOutboundInterceptor):
    def __init__(
        self, next: temporalio.worker.WorkflowOutboundInterceptor, root: _ClickWorkflowInbound
    ) -> None:
        super().__init__(next)
        self.root = root

    def start_activity(
        self, input: temporalio.worker.StartActivityInput
    ) -> temporalio.workflow.ActivityHandle[Any]:
        with self.root.following_click():
            return super().start_activity(input)

    def start_local_activity(
        self, input: temporalio.worker.StartLocalActivityInput
    ) -> temporalio.workflow.ActivityHandle[Any]:
        with self.root.following_click():
            return super().start_local_activity(input)
