"""The worker: runs IkuWorkflow and its activities on task queue ``iku``.

    uv run python worker.py

Settings come from IKU_* environment variables (see common/settings.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import MetricMeter, VersioningBehavior, WorkerDeploymentVersion
from temporalio.service import RPCError
from temporalio.worker import (
    UnsandboxedWorkflowRunner,
    Worker,
    WorkerDeploymentConfig,
    WorkflowRunner,
)
from temporalio.worker._workflow_instance import _WorkflowLogicFlag
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.archive import ArchiveActivities
from activities.calendar_watch import watch_calendar
from activities.directory_watch import watch_directory
from activities.documents import DocumentActivities
from activities.file_watch import running
from activities.lineage import LineageActivities
from activities.notify import NotifyActivities
from activities.opening import ProcessOpeningActivities, StepOpeningActivities
from activities.registry import RegistryActivities
from activities.reporting import ReportingActivities
from activities.schedule import ScheduleActivities
from activities.signatures import SignatureActivities
from activities.staffing import StaffingActivities
from common import tracing
from common.logs import configure_logging
from common.settings import SETTINGS_ERRORS, Settings, get_settings, settings_problem
from common.temporal import (
    TemporalConfigError,
    TemporalConnectError,
    connect,
    leave_without_finalizing,
    worker_runtime,
)
from reporting.database import ReportingDatabase, failure
from workflows.iku import IkuWorkflow


def activities(settings: Settings) -> list[object]:
    """Every activity of the system, bound to one settings object."""
    staffing, schedule = StaffingActivities(settings), ScheduleActivities(settings)
    lineage, registry = LineageActivities(settings), RegistryActivities(settings)
    return [
        *_methods(staffing, "resolve_staffing", "find_people"),
        *_methods(schedule, "plan_schedule"),
        *_methods(StepOpeningActivities(staffing, schedule), "open_step", "refresh_clock"),
        *_methods(DocumentActivities(settings), "missing_documents"),
        *_methods(SignatureActivities(settings), "check_signed_version"),
        *_methods(NotifyActivities(settings), "send_notification"),
        *_methods(ArchiveActivities(settings), "build_archive"),
        *_methods(ReportingActivities(settings), "record_events", "give_official_number"),
        *_methods(lineage, "find_earlier_run"),
        *_methods(registry, "registered_sop_number"),
        *_methods(ProcessOpeningActivities(lineage, registry), "open_process"),
    ]


def _methods(instance: object, *names: str) -> list[object]:
    return [getattr(instance, name) for name in names]


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """Worker deployment versioning when IKU_WORKER_DEPLOYMENT is set, else none.

    Auto-upgrade: a process lives for months, longer than any release, so it moves to each
    new current version at its next workflow task; changes that touch running histories are
    guarded with ``workflow.patched`` (pinning would keep every old release running until
    its last process ends).
    """
    if settings.worker_deployment is None:
        return None
    assert settings.build_id is not None  # the settings refuse one without the other
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(settings.worker_deployment, settings.build_id),
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.AUTO_UPGRADE,
    )


def workflow_runner(settings: Settings) -> WorkflowRunner:
    """Workflow code as it is, or inside the SDK's sandbox (``workflow_sandbox``), which
    refuses a clock, randomness or I/O there.

    The sandbox is a guard, run by the tests: it imports the workflow's modules afresh for
    each process and re-runs the SDK's bookkeeping inside it for every payload, which cost
    most of the worker's CPU at starts and a third of a decision's time. (Passing every
    module through saves the imports but lifts the guard with them: the clock is then
    read without a word.)"""
    if not settings.workflow_sandbox:
        return UnsandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("pydantic")
    )


def build_worker(client: Client, settings: Settings, **options: object) -> Worker:
    """Our worker; ``options`` go to the SDK's Worker (a test's own ``activities`` too)."""
    deployment = deployment_config(settings)
    if deployment is not None:
        options.setdefault("deployment_config", deployment)
    options.setdefault("activities", activities(settings))
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[IkuWorkflow],
        # A thread for every activity slot: the lookups and writes are synchronous, and one
        # waiting for a thread holds its workflow task (with 8 threads for 100 local
        # activity slots, 194 tasks ran past their timeout at 3,000 waiting; bench/README.md).
        activity_executor=ThreadPoolExecutor(
            max_workers=settings.worker_local_activities + settings.worker_activities
        ),
        max_concurrent_workflow_tasks=settings.worker_workflow_tasks,
        max_concurrent_local_activities=settings.worker_local_activities,
        max_concurrent_activities=settings.worker_activities,
        max_cached_workflows=settings.worker_cached_processes,
        workflow_runner=workflow_runner(settings),
        **options,  # type: ignore[arg-type]
    )
    # Every job of an activation applied before workflow code runs (the SDK's coming
    # default; recorded in each history from its first task so used, so replays agree).
    # In the old order an Update's handler ran before the completions of its own workflow
    # task, and could not let them go first (IkuWorkflow._handler).
    worker._set_default_workflow_logic_flag(
        _WorkflowLogicFlag.PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH, enabled=True
    )
    return worker


# Allocations of tracked objects between collections of the youngest generation (Python's
# default is 700), and collections of the middle one before a full collection may come
# (default 10): see collect_garbage_seldom.
YOUNG_GENERATION_ALLOCATIONS = 50_000
MIDDLE_COLLECTIONS_PER_FULL = 100
GC_PAUSE = "iku_worker_gc_pause_seconds"


def collect_garbage_seldom(meter: MetricMeter) -> None:
    """Fewer, shorter pauses of the cyclic garbage collector in a worker that keeps
    thousands of processes, each timed on ``meter`` (by generation). A full collection walks
    every object held and stops the worker meanwhile: with 3,000 processes kept it came
    every 5 to 45 s and took up to 0.74 s, and the wake-ups falling due waited
    (bench/README.md). What the worker loaded before it polls is frozen, never walked
    again; and the youngest generation is collected after many more allocations, so what an
    activation drops dies young instead of being promoted. A full collection comes once the objects
    promoted since the last reach a quarter of those kept and the middle generation has been
    collected often enough: at 10,000 kept it took 2.5 s; the little garbage that reaches
    the oldest generation (5,000 to 10,000 objects a full collection found with 3,000 kept)
    waits ten times longer instead."""
    gc.collect()
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_ALLOCATIONS, middle, MIDDLE_COLLECTIONS_PER_FULL)
    pauses = meter.create_histogram_timedelta(
        GC_PAUSE, "How long the garbage collector stopped the worker", "duration"
    )
    began = 0.0

    def timed(phase: str, info: dict[str, int]) -> None:
        # One collection at a time: the collector does not start another meanwhile.
        nonlocal began
        if phase == "start":
            began = time.perf_counter()
        else:
            took = timedelta(seconds=time.perf_counter() - began)
            pauses.record(took, {"generation": str(info["generation"])})

    gc.callbacks.append(timed)


async def main() -> None:
    # Handlers first: a signal that arrives while connecting must not be lost.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log = logging.getLogger("worker")
    try:
        settings = get_settings()
    except SETTINGS_ERRORS as err:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        log.error("the IKU_* settings are not valid: %s", settings_problem(err))
        raise SystemExit(1) from None
    configure_logging(settings, "worker")
    tracing.setup(settings, "worker")
    try:
        # The runtime serves the Prometheus endpoint (IKU_WORKER_METRICS_BIND) for as long
        # as the process lives.
        runtime = worker_runtime(settings)
    except (ValueError, RuntimeError) as err:  # the SDK's "Failed starting Prometheus exporter"
        log.error(
            "the metrics endpoint cannot listen on %s (IKU_WORKER_METRICS_BIND): %s",
            settings.worker_metrics_bind,
            _first_line(err),
        )
        raise SystemExit(1) from None
    try:
        client = await connect(settings, runtime=runtime)
        # What the SDK checks when the worker starts, asked first: a refusal (no such
        # namespace, no permission) in a line, before the worker says it polls.
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=settings.temporal_namespace)
        )
    except (TemporalConfigError, TemporalConnectError) as err:
        log.error("%s", err)
        raise SystemExit(1) from None
    except RPCError as err:
        log.error(
            "Temporal at %s refused namespace %s (IKU_TEMPORAL_NAMESPACE): %s %s",
            settings.temporal_address,
            settings.temporal_namespace,
            err.status.name,
            err.message,
        )
        raise SystemExit(1) from None
    # The reporting database's migrations run before any activity writes to it.
    try:
        await asyncio.to_thread(lambda: ReportingDatabase(settings).dispose_after(migrate=True))
    except (SQLAlchemyError, ValueError, OSError) as err:
        log.error(
            "the reporting database cannot be used: %s",
            failure(err, settings.reporting_url()),
        )
        raise SystemExit(1) from None
    if stop.is_set():
        return
    try:
        # In-flight activities (a mail being sent, an archive being written) get time to end.
        async with build_worker(client, settings, graceful_shutdown_timeout=timedelta(seconds=15)):
            version = f", version {settings.worker_deployment}.{settings.build_id}"
            log.info(
                "worker polling task queue %s on %s%s%s",
                settings.task_queue,
                settings.temporal_address,
                version if settings.worker_deployment else "",
                f"; metrics on http://{settings.worker_metrics_bind}/metrics"
                if settings.worker_metrics_bind
                else "",
            )
            collect_garbage_seldom(runtime.metric_meter)
            async with running(watch_directory(client, settings), watch_calendar(client, settings)):
                await stop.wait()
    except RuntimeError as err:  # the SDK's worker failed (its validation, a fatal poll error)
        log.error("the worker stopped: %s", _first_line(err))
        raise SystemExit(1) from None
    finally:
        tracing.shutdown()


def _first_line(err: BaseException) -> str:
    """An SDK error's message without the gRPC status dump that follows it."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text.split(": Status {")[0][:500]


if __name__ == "__main__":
    try:
        get_settings()  # a refused setting (a weak secret, ...) in one sentence, no traceback
    except SETTINGS_ERRORS as err:
        sys.exit(f"worker: the IKU_* settings are not valid: {settings_problem(err)}")
    try:
        asyncio.run(main())
        code = 0
    except SystemExit as exit_:  # refused at start (Temporal cannot be reached, ...)
        code = exit_.code if isinstance(exit_.code, int) else 1
    leave_without_finalizing(code)
