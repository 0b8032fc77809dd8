"""One way to connect to Temporal, with the pydantic data converter everyone must share,
the process's tracing interceptor when traces are on, and the worker's runtime (its
Prometheus endpoint and the SDK core's log records)."""

from __future__ import annotations

import logging

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from common import tracing
from common.settings import Settings


async def connect(settings: Settings, **options: object) -> Client:
    interceptors = [*tracing.interceptors(), *options.pop("interceptors", [])]  # type: ignore[misc]
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=interceptors,
        **options,  # type: ignore[arg-type]
    )


def worker_runtime(settings: Settings, metrics_bind: str | None = None) -> Runtime:
    """The SDK runtime of a worker process: the SDK's metrics and the workflows' own (see
    workflows.telemetry) on a Prometheus endpoint at ``metrics_bind`` (default: the
    setting; none when unset), and the SDK core's warnings through Python's logging, so
    they come out in the same format as every other line."""
    bind = metrics_bind or settings.worker_metrics_bind
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            ),
            metrics=(
                PrometheusConfig(
                    bind_address=bind, counters_total_suffix=True, durations_as_seconds=True
                )
                if bind
                else None
            ),
            # Every series carries the service, so one Prometheus can hold worker and web.
            global_tags={"service": "iku-worker"},
        )
    )
