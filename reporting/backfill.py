"""Rebuilds the reporting database from what outlives it: the archives (every bag holds the
riwayat and the status) and the running processes (their ``status`` query).

Idempotent like the live writes: an event already recorded is skipped, so a backfill over
a live database, or run twice, counts nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError

from common import workflow_calls as calls
from common.archive_bag import BROKEN_PREFIX, TEMP_PREFIX, read_archive_info
from common.models import HistoryEntry, HistoryEvent, ProcessInput, ReportBatch, StatusView
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.database import ReportingDatabase
from reporting.recorder import record_batch


@dataclass
class BackfillReport:
    processes: int = 0
    events: int = 0  # new events written
    skipped: list[str] = field(default_factory=list)  # what could not be read, and why


def archived_batch(bag: Path) -> tuple[ReportBatch, str | None]:
    """The batch a bag's records make, and the run id it was made by. The bag's riwayat
    stops just before its own archiving: the archive entry is added from the bag."""
    data = bag / "data"
    history = [
        HistoryEntry.model_validate(e)
        for e in json.loads((data / "riwayat.json").read_text(encoding="utf-8"))
    ]
    status = json.loads((data / "status.json").read_text(encoding="utf-8"))
    sop = json.loads((data / "sop.json").read_text(encoding="utf-8"))
    if not history or history[0].event is not HistoryEvent.STARTED:
        raise ValueError("the riwayat does not begin with the start")
    last = history[-1]
    info = read_archive_info(bag, valid=True)
    history.append(
        HistoryEntry(
            seq=last.seq + 1,
            at=info.created_at,
            event=HistoryEvent.ARCHIVED,
            step=last.step,
            round=last.round,
            task_id=last.task_id,
            detail=bag.name,
        )
    )
    batch = ReportBatch(
        workflow_id=status["workflow_id"],
        started_at=history[0].at,
        process=ProcessInput.model_validate(status["process"]),
        entries=history,
    )
    run_id = sop.get("process", {}).get("run_id") or sop.get("run_id")
    return batch, run_id if isinstance(run_id, str) and run_id else None


def running_batch(status: StatusView) -> ReportBatch:
    return ReportBatch(
        workflow_id=status.workflow_id,
        started_at=status.history[0].at,
        process=status.process,
        entries=status.history,
    )


def bags(archive_dir: Path) -> list[Path]:
    """Every finished bag (never one being written or set aside)."""
    if not archive_dir.is_dir():
        return []
    return sorted(
        p
        for p in archive_dir.iterdir()
        if p.is_dir()
        and not p.name.startswith((TEMP_PREFIX, BROKEN_PREFIX))
        and (p / "bag-info.txt").exists()
    )


def backfill_archives(db: ReportingDatabase, settings: Settings) -> BackfillReport:
    report = BackfillReport()
    calendar = WorkCalendar.from_settings(settings)
    for bag in bags(settings.archive_dir):
        try:
            batch, run_id = archived_batch(bag)
        except (OSError, ValueError, KeyError) as err:
            report.skipped.append(f"{bag.name}: {type(err).__name__}")
            continue
        with db.session() as session:
            report.events += record_batch(
                session, batch, settings=settings, calendar=calendar, run_id=run_id
            )
        report.processes += 1
    return report


async def backfill_running(
    client: Client, db: ReportingDatabase, settings: Settings
) -> BackfillReport:
    """Every running IKU process, as its status query tells it now."""
    report = BackfillReport()
    calendar = WorkCalendar.from_settings(settings)
    query = f"WorkflowType = '{calls.WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'"
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id)
        try:
            status = await calls.STATUS.ask(handle)
        except RPCError as err:
            report.skipped.append(f"{execution.id}: {err.status.name}")
            continue
        if not status.history:
            continue
        with db.session() as session:
            report.events += record_batch(
                session,
                running_batch(status),
                settings=settings,
                calendar=calendar,
                run_id=execution.run_id,
            )
        report.processes += 1
    return report
