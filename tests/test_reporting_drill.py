"""The reporting database under a worker killed in the middle: real worker processes,
killed with SIGKILL once while a write to the reporting database is held up (so the kill
lands inside its transaction) and then again and again while processes advance. Afterwards
every riwayat entry of every process is in the database exactly once, and a database
rebuilt by the backfill from the archives and the running processes gives the same
figures as the live record. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from common.models import StatusView
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.backfill import backfill_archives, backfill_running
from reporting.database import ReportingDatabase
from reporting.events import event_kind, reported
from reporting.figures import Figures, Filters
from reporting.queries import figures
from reporting.schema import Process, StepEvent
from tests.persistent import Persistent
from tests.postgres import fresh_database
from tests.processes import WorkerProcess, keep_killing, polled, workers
from tests.scenario import KARO, Scenario
from tests.support import eventually, start_dev_server

pytestmark = pytest.mark.devserver

# The worker is killed this often while the processes advance, this many times.
KILL_EVERY = 5.0
KILLS = 4
# A write killed mid-way is tried again after the activity's start-to-close timeout
# (workflows/iku.py, _REPORT: one minute) and its retry's back-off.
RETRY_WITHIN = 240.0


@contextlib.contextmanager
def writes_held(settings: Settings) -> Iterator[None]:
    """The reporting database's step events locked against writing, from the test's own
    connection: the worker's write waits inside its transaction until released."""
    url = make_url(settings.reporting_url())
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(url.database), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")  # the database's write lock
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        connection.execute("LOCK TABLE step_events IN EXCLUSIVE MODE")  # reads go on
        try:
            yield
        finally:
            connection.rollback()


async def write_under_way(client: Client, p: Scenario, settings: Settings) -> None:
    """Until the process's record_events activity runs on a worker and (PostgreSQL, where
    it can be seen) waits for the lock inside its transaction."""

    async def started() -> None:
        description = await p.handle.describe()
        running = [
            a
            for a in description.raw_description.pending_activities
            if a.activity_type.name == "record_events"
            and a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        ]
        assert running, "no record_events activity runs yet"

    await eventually(started, within=60, interval=0.2)
    url = make_url(settings.reporting_url())
    if url.get_backend_name() == "sqlite":
        await asyncio.sleep(2)  # SQLite shows no waiters: time to reach BEGIN IMMEDIATE
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def waiting() -> None:
        with psycopg.connect(plain) as connection:
            found = connection.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
        assert found and found[0] >= 1, "the worker's write is not waiting for the lock"

    await eventually(waiting, within=30, interval=0.2)


def recorded(db: ReportingDatabase, workflow_id: str) -> list[tuple[int, str]]:
    """(riwayat sequence, kind) of every row the database holds for the process."""
    with db.session() as s:
        return [
            (r.seq, r.kind)
            for r in s.scalars(
                select(StepEvent)
                .join(Process)
                .where(Process.workflow_id == workflow_id)
                .order_by(StepEvent.seq, StepEvent.id)
            )
        ]


def in_riwayat(status: StatusView) -> list[tuple[int, str]]:
    return [(h.seq, event_kind(h)) for h in status.history if reported(h)]


def figures_of(db: ReportingDatabase, settings: Settings, now: datetime) -> Figures:
    with db.session() as s:
        return figures(s, Filters(), WorkCalendar.from_settings(settings), now)


async def killed_retries(p: Scenario) -> int:
    """How many record_events activities of the process ran more than once."""
    scheduled: dict[int, str] = {}
    again = 0
    async for event in p.handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = attributes.activity_type.name
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attributes = event.activity_task_started_event_attributes
            kind = scheduled.get(attributes.scheduled_event_id)
            again += kind == "record_events" and attributes.attempt > 1
    return again


@pytest.mark.timeout(1200)
# On PostgreSQL only, where writers truly run side by side: a few minutes each, and the
# in-process tests of the same guarantees run on SQLite too.
@pytest.mark.parametrize("reporting_settings", ["postgresql"], indirect=True)
async def test_a_worker_killed_mid_write_and_again_and_again_records_each_event_once(
    reporting_settings: Settings,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    settings = reporting_settings
    if settings.reporting_database_url is not None:
        # Passed to the worker processes (secrets are not copied into their environment).
        url = settings.reporting_database_url.get_secret_value()
        monkeypatch.setenv("IKU_REPORTING_DATABASE_URL", url)
    log = tmp_path / "worker.log"
    # A server of the drill's own: the backfill asks it for every running process.
    env: WorkflowEnvironment = await start_dev_server()
    client = env.client
    address = client.service_client.config.target_host
    try:
        with workers() as ws:
            ws.append(WorkerProcess(settings, address, log).start())
            await polled(client, settings.task_queue)
            # Killed inside a write: the first process's first events wait for the lock.
            with writes_held(settings):
                first = await Persistent(client, settings).start()
                await write_under_way(client, first, settings)
                ws[-1].kill()
            ws.append(WorkerProcess(settings, address, log).start())
            await polled(client, settings.task_queue)

            # Then killed again and again while four processes advance: three to their
            # archive, one returned by the Karo and left running.
            finished = [first, *[await Persistent(client, settings).start() for _ in range(2)]]
            running = await Persistent(client, settings).start()

            async def returned() -> None:
                await running.walk_to(9)
                await running.return_(KARO, "Indikator 3 belum memiliki formula.")

            done = asyncio.Event()
            killing = asyncio.create_task(
                keep_killing(ws, client, done, every=KILL_EVERY, times=KILLS)
            )
            try:
                await asyncio.gather(*(p.walk_to_end() for p in finished), returned())
            finally:
                done.set()
                kills = await killing
            assert kills >= 2, f"the processes ended after only {kills} kills"
            # A process closes only once its events are written.
            for p in finished:
                await asyncio.wait_for(p.handle.result(), RETRY_WITHIN)
            statuses = {p.id: await p.status() for p in [*finished, running]}

            # Every reported riwayat entry is in the database exactly once.
            live = ReportingDatabase(settings)

            def complete() -> None:
                for wid, status in statuses.items():
                    assert recorded(live, wid) == in_riwayat(status), wid

            await eventually(complete, within=RETRY_WITHIN, interval=1)
            with live.session() as s:
                total = s.scalar(select(func.count()).select_from(StepEvent))
                keys = s.scalar(select(func.count(func.distinct(StepEvent.event_key))))
            assert total == keys == sum(len(in_riwayat(s)) for s in statuses.values())
            # The write killed inside its transaction was tried again, and counted once.
            assert await killed_retries(first) >= 1

            # The database lost: rebuilt from the archives and the running process.
            now = datetime.now(UTC) + timedelta(days=400)
            with contextlib.ExitStack() as stack:
                rebuilt_url: SecretStr | None = None
                if settings.reporting_database_url is not None:
                    base = request.getfixturevalue("postgresql_base")
                    rebuilt_url = SecretStr(stack.enter_context(fresh_database(base)))
                rebuilt = settings.model_copy(
                    update={
                        "reporting_database_url": rebuilt_url,
                        "data_dir": tmp_path / "rebuilt",
                        "archive_dir": settings.archive_dir,
                    }
                )
                new = ReportingDatabase(rebuilt)
                archived = backfill_archives(new, rebuilt)
                assert (archived.processes, archived.skipped) == (3, [])
                from_temporal = await backfill_running(client, new, rebuilt)
                assert (from_temporal.processes, from_temporal.skipped) == (1, [])
                assert recorded(new, running.id) == in_riwayat(statuses[running.id])
                again = figures_of(new, rebuilt, now)
                new.dispose()
            figures_live = figures_of(live, settings, now)
            live.dispose()
            assert again == figures_live
            assert sum(r.passes for r in figures_live.steps) >= 3 * 16 + 9
    finally:
        await env.shutdown()
