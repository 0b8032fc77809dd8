"""What activities count: mails sent, and attempts that failed (before the workflow's
retries give up, which ``workflows.telemetry`` counts). Through the activity's own
metric meter, so the counts come out on the worker's Prometheus endpoint with the SDK's
labels; labels are codes only (mail kind, error type)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import activity
from temporalio.exceptions import ApplicationError


def count(name: str, description: str, amount: int = 1, **labels: str) -> None:
    if amount > 0:
        activity.metric_meter().create_counter(name, description).add(amount, labels)


def error_code(err: BaseException) -> str:
    """An error as a label: our ApplicationError's type, else the exception's class."""
    if isinstance(err, ApplicationError) and err.type:
        return err.type
    return type(err).__name__


@asynccontextmanager
async def failed_attempts(name: str, description: str, **labels: str) -> AsyncIterator[None]:
    """Count the attempt when it raises (not when it is cancelled: the worker stopping or
    a heartbeat timeout is not the activity's failure)."""
    try:
        yield
    except asyncio.CancelledError:
        raise
    except BaseException as err:
        count(name, description, error=error_code(err), **labels)
        raise
