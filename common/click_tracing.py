"""The Temporal SDK's tracing interceptor, with a click as the parent of what it causes.

As the SDK ships it, an Update's handler span is a child of the workflow's start (a trace
months long) and only linked to the click. ``ClickTracingInterceptor`` makes the click
(the Update's own context) the parent of its validator and handler spans instead, and
links the start; the activities the workflow starts in the seconds after a decision (the
next step's lookups, its mail) follow that click too. A reminder days later belongs to the
workflow's own trace again. Spans are only made when not replaying, as the SDK's are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import opentelemetry.context
import opentelemetry.trace
import temporalio.worker
import temporalio.workflow
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor

# The SDK's own attach/detach (it copes with a workflow evicted mid-block), and the
# outbound interceptor its workflow interceptor wraps around the workflow's calls.
from temporalio.contrib.opentelemetry._context import attached_context
from temporalio.contrib.opentelemetry._interceptor import _TracingWorkflowOutboundInterceptor

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
