"""``iku`` subcommands that talk to the Temporal cluster: what a deployment runs once, at
each release, and as a container's health check.

    iku register-search-attributes   # after the namespace exists (idempotent)
    iku set-current-version          # route processes to this build (worker versioning)
    iku check-worker                 # exit 0 when a worker on this host polls the queue
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import (
    DescribeTaskQueueRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from common.registration import register_search_attributes
from common.settings import SETTINGS_ERRORS, Settings, get_settings, settings_problem
from common.temporal import (
    TemporalConfigError,
    TemporalConnectError,
    connect,
    leave_without_finalizing,
)

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C (128 + SIGINT)

T = TypeVar("T")

# The longest --wait or --within: a day.
WAIT_MOST = 86_400.0

Subparsers = argparse._SubParsersAction  # argparse exposes no public name for it


class InvalidSettings(Exception):
    """The IKU_* settings do not load; the message says which and why."""


def settings() -> Settings:
    try:
        return get_settings()
    except SETTINGS_ERRORS as err:
        raise InvalidSettings(f"the IKU_* settings are not valid: {settings_problem(err)}") from err


def number(
    most: float, *, whole: bool = False, unit: str = "seconds"
) -> Callable[[str], float | int]:
    """An argparse ``type``: a finite number from 0 to ``most`` (a whole one if ``whole``);
    anything else is a usage error (exit 2) saying what is accepted, never a traceback
    later (NaN, infinity or a huge value reaching a clock or a timedelta)."""

    def parse(text: str) -> float | int:
        try:
            value: float | int = int(text) if whole else float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 <= value <= most):
            kind = "a whole number" if whole else "a number"
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {kind} of {unit} from 0 to {most:,g}"
            )
        return value

    return parse


def temporal_refusal(err: RPCError, settings: Settings) -> str:
    """What Temporal said when it answered but refused, and what to check."""
    hint = ""
    if err.status is RPCStatusCode.NOT_FOUND and "amespace" in err.message:
        hint = f"; is IKU_TEMPORAL_NAMESPACE ({settings.temporal_namespace}) right?"
    elif err.status in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNAUTHENTICATED):
        hint = "; check the credentials (IKU_TEMPORAL_API_KEY or the client certificate)"
    return (
        f"Temporal at {settings.temporal_address} refused: {err.status.name} "
        f"{err.message.rstrip('.')}{hint}"
    )


def with_temporal(settings: Settings, job: Callable[[Client], Awaitable[int]]) -> int:
    """Run ``job`` with a client, then leave the process with its exit code (see
    leave_without_finalizing): Temporal away, refusing, or Ctrl-C in one line each."""

    async def main() -> int:
        try:
            client = await connect(settings)
        except (TemporalConfigError, TemporalConnectError) as err:
            print(f"iku: {err}", file=sys.stderr)
            return EXIT_FAILED
        try:
            return await job(client)
        except RPCError as err:
            print(f"iku: {temporal_refusal(err, settings)}", file=sys.stderr)
            return EXIT_FAILED

    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        print("iku: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    leave_without_finalizing(code)


# --- iku register-search-attributes ------------------------------------------------------


def add_register_search_attributes(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "register-search-attributes",
        help="add the IKU search attributes to the namespace (idempotent)",
        description=(
            "Add the custom search attributes the processes set (IkuYear, IkuCode, IkuStep, "
            "…) to IKU_TEMPORAL_NAMESPACE, skipping those it has. Run once the namespace "
            "exists, before the first worker starts; safe to run at every deploy. A namespace "
            "the server does not know yet is waited for."
        ),
    )
    parser.add_argument(
        "--wait", type=number(WAIT_MOST), default=60.0, metavar="SECONDS", help="how long to wait"
    )
    parser.set_defaults(
        handler=lambda args: with_temporal(settings(), lambda client: _register(client, args.wait))
    )


async def _register(client: Client, wait: float) -> int:
    try:
        # A namespace just created reaches the server's frontends some seconds later
        # ("Namespace iku is not found"), sooner than Compose's restarts would wait.
        added = await until_known(
            lambda: register_search_attributes(client), (RPCStatusCode.NOT_FOUND,), wait, 1.0
        )
    except RPCError as err:
        print(f"iku: the search attributes could not be added: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"added: {', '.join(added)}" if added else "all search attributes already present")
    return EXIT_OK


# --- iku set-current-version ---------------------------------------------------------------


def add_set_current_version(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "set-current-version",
        help="make IKU_BUILD_ID the current version of IKU_WORKER_DEPLOYMENT",
        description=(
            "Worker deployment versioning: route new processes, and every running one at its "
            "next step (auto-upgrade), to the workers of build IKU_BUILD_ID. Waits until a "
            "worker of that build polls (the server knows a version only then)."
        ),
    )
    parser.add_argument(
        "--wait", type=number(WAIT_MOST), default=120.0, metavar="SECONDS", help="how long to wait"
    )
    parser.set_defaults(handler=lambda args: _set_current(settings(), args.wait))


def _set_current(settings: Settings, wait: float) -> int:
    if settings.worker_deployment is None or settings.build_id is None:
        print(
            "iku: worker versioning is off: set IKU_WORKER_DEPLOYMENT and IKU_BUILD_ID",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    name, build = settings.worker_deployment, settings.build_id

    async def job(client: Client) -> int:
        try:
            await set_current_version(client, name, build, wait)
        except RPCError as err:
            print(f"iku: {name}.{build} could not be made current: {err}", file=sys.stderr)
            return EXIT_FAILED
        print(f"current version of {name}: {build}")
        return EXIT_OK

    return with_temporal(settings, job)


async def set_current_version(client: Client, name: str, build: str, wait: float) -> None:
    """Make ``name.build`` the deployment's current version, waiting up to ``wait`` seconds
    for its first worker to poll (until then the server does not know the version)."""
    request = SetWorkerDeploymentCurrentVersionRequest(
        namespace=client.namespace, deployment_name=name, build_id=build, identity="iku"
    )
    unknown = (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)
    await until_known(
        lambda: client.workflow_service.set_worker_deployment_current_version(request),
        unknown,
        wait,
        0.5,
    )


async def until_known(
    call: Callable[[], Awaitable[T]], unknown: tuple[RPCStatusCode, ...], wait: float, every: float
) -> T:
    """``call``, made again every ``every`` seconds for up to ``wait`` seconds while the
    server answers that it does not know yet what is asked about (``unknown``)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return await call()
        except RPCError as err:
            if err.status not in unknown or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(every)


# --- iku check-worker ----------------------------------------------------------------------


def add_check_worker(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "check-worker",
        help="exit 0 when a worker on this host polls the task queue (a health check)",
        description=(
            "A container health check for the worker: asks Temporal whether a worker whose "
            "identity names this host polled IKU_TASK_QUEUE within the last --within seconds."
        ),
    )
    parser.add_argument("--within", type=number(WAIT_MOST), default=120.0, metavar="SECONDS")
    parser.add_argument("--host", default=socket.gethostname(), help=argparse.SUPPRESS)
    parser.set_defaults(handler=lambda args: _check_worker_now(settings(), args.host, args.within))


def _check_worker_now(settings: Settings, host: str, within: float) -> int:
    async def job(client: Client) -> int:
        described = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=settings.task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        since = datetime.now(UTC) - timedelta(seconds=within)
        ours = [
            p
            for p in described.pollers
            if p.identity.endswith(f"@{host}") and p.last_access_time.ToDatetime(UTC) >= since
        ]
        if not ours:
            print(f"iku: no worker on {host} polls {settings.task_queue}", file=sys.stderr)
            return EXIT_FAILED
        print(f"worker on {host} polls {settings.task_queue}")
        return EXIT_OK

    return with_temporal(settings, job)
