"""One way to connect to Temporal, with the pydantic data converter everyone must share,
the process's tracing interceptor when traces are on, and the worker's runtime (its
Prometheus endpoint and the SDK core's log records).

The worker, the web layer and the ``iku`` command all connect here, so a local dev server,
a self-hosted cluster with mutual TLS and Temporal Cloud with an API key are one setting
apart (``IKU_TEMPORAL_*``, see README "Production").
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import TLSConfig

from common import tracing
from common.converter import data_converter
from common.settings import Settings


class TemporalConfigError(RuntimeError):
    """The connection settings cannot work (a file unreadable or not PEM): fix and restart."""


class TemporalConnectError(RuntimeError):
    """Temporal refused or could not be reached with these settings."""


def connect_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of ``Client.connect`` that the settings ask for."""
    options: dict[str, Any] = {
        "namespace": settings.temporal_namespace,
        "data_converter": data_converter,
    }
    if settings.temporal_api_key is not None:
        options["api_key"] = settings.temporal_api_key.get_secret_value()
    if settings.temporal_tls_enabled:
        options["tls"] = _tls_config(settings)
    return options


def _tls_config(settings: Settings) -> TLSConfig:
    cert, key = settings.temporal_tls_client_cert, settings.temporal_tls_client_key
    return TLSConfig(
        server_root_ca_cert=_pem("IKU_TEMPORAL_TLS_SERVER_CA", settings.temporal_tls_server_ca),
        client_cert=_pem("IKU_TEMPORAL_TLS_CLIENT_CERT", cert),
        client_private_key=_pem("IKU_TEMPORAL_TLS_CLIENT_KEY", key),
        domain=settings.temporal_tls_server_name,
    )


def _pem(setting: str, path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as err:
        raise TemporalConfigError(f"{setting}: {path} cannot be read ({err.strerror})") from err
    if b"-----BEGIN " not in data:
        raise TemporalConfigError(f"{setting}: {path} is not a PEM file")
    return data


def describe_target(settings: Settings) -> str:
    """Where we connect and how, for error messages and logs (never the key itself)."""
    how = []
    if settings.temporal_tls_enabled:
        how.append("TLS")
    if settings.temporal_tls_client_cert is not None:
        how.append("client certificate")
    if settings.temporal_api_key is not None:
        how.append("API key")
    via = f" ({', '.join(how)})" if how else ""
    return f"{settings.temporal_address}, namespace {settings.temporal_namespace}{via}"


async def connect(settings: Settings, **options: object) -> Client:
    """A client for the settings' cluster; a clear TemporalConnectError when it refuses."""
    interceptors = [*tracing.interceptors(), *options.pop("interceptors", [])]  # type: ignore[misc]
    try:
        return await Client.connect(
            settings.temporal_address,
            **{**connect_options(settings), "interceptors": interceptors, **options},
        )
    except TemporalConfigError:
        raise
    except Exception as err:  # the SDK raises RuntimeError or RPCError; both mean the same
        raise TemporalConnectError(
            f"cannot connect to Temporal at {describe_target(settings)}: {err}"
            f"{_refusal_hint(settings, str(err))}"
        ) from err


def _refusal_hint(settings: Settings, error: str) -> str:
    """What to check when the cluster answered but would not have us (the SDK's message
    names only the gRPC status)."""
    if "Unauthenticated" not in error:
        return ""
    if settings.temporal_api_key is not None:
        return "; the cluster refused the API key: check IKU_TEMPORAL_API_KEY"
    return "; the cluster wants credentials: set IKU_TEMPORAL_API_KEY or a client certificate"


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


def leave_without_finalizing(code: int) -> NoReturn:
    """End a process that has used a Temporal client, once all is stopped: flush and leave.
    The client's native threads can crash a finalizing interpreter (PyGILState_Release:
    an abort, or SIGSEGV after "cannot connect to Temporal"), turning a clean stop into a
    crash."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
