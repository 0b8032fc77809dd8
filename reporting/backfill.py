"""Rebuilds the reporting database from what outlives it: the archives (every bag holds the
riwayat and the status) and the running processes (their ``status`` query).

Idempotent like the live writes: an event already recorded is skipped, so a backfill over
a live database, or run twice, counts nothing twice.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit
from pydantic import ValidationError
from temporalio.client import Client
from temporalio.service import RPCError

from common import workflow_calls as calls
from common.archive_bag import (
    read_archive_info,
)
from common.archive_store import open_archive_store
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


class UnreadableBag(ValueError):
    """A bag whose records cannot make a batch; the message names the file and field."""


def _json(bag: Path, rel: str, shape: type) -> Any:
    """The JSON ``shape`` (dict or list) in the bag's file ``rel``."""
    try:
        value = json.loads((bag / rel).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnreadableBag(f"{rel} is missing") from None
    except OSError as err:
        raise UnreadableBag(f"{rel} cannot be read ({err.strerror})") from None
    except ValueError as err:  # not UTF-8, or not JSON
        raise UnreadableBag(f"{rel} is not JSON ({err})") from None
    if not isinstance(value, shape):
        raise UnreadableBag(f"{rel} is not a JSON {'object' if shape is dict else 'list'}")
    return value


def _fields(rel: str, within: str, err: ValidationError) -> UnreadableBag:
    """Which field of the file ``rel`` (inside ``within`` of it) is not as written."""
    first = err.errors(include_input=False, include_url=False)[0]
    where = ".".join([within, *(str(part) for part in first["loc"])]).strip(".")
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return UnreadableBag(f"{rel}: {where}: {first['msg']}{more}")


def archived_batch(bag: Path) -> tuple[ReportBatch, str | None]:
    """The batch a bag's records make, and the run id it was made by. The bag's riwayat
    stops just before its own archiving: the archive entry is added from the bag.
    UnreadableBag says which file or field is not as written."""
    riwayat, status_file, sop_file = "data/riwayat.json", "data/status.json", "data/sop.json"
    history = []
    for n, entry in enumerate(_json(bag, riwayat, list)):
        try:
            history.append(HistoryEntry.model_validate(entry))
        except ValidationError as err:
            raise _fields(riwayat, f"entry {n}", err) from None
    status = _json(bag, status_file, dict)
    sop = _json(bag, sop_file, dict)
    if not history or history[0].event is not HistoryEvent.STARTED:
        raise UnreadableBag(f"{riwayat} does not begin with the start")
    last = history[-1]
    try:
        info = read_archive_info(bag, valid=True)
    except (bagit.BagError, OSError) as err:
        raise UnreadableBag(f"not a readable bag ({err})") from None
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
    workflow_id = status.get("workflow_id")
    if not isinstance(workflow_id, str) or not workflow_id:
        raise UnreadableBag(f"{status_file}: workflow_id is missing or not text")
    if not isinstance(status.get("process"), dict):
        raise UnreadableBag(f"{status_file}: process is missing or not an object")
    try:
        process_input = ProcessInput.model_validate(status["process"])
    except ValidationError as err:
        raise _fields(status_file, "process", err) from None
    batch = ReportBatch(
        workflow_id=workflow_id, started_at=history[0].at, process=process_input, entries=history
    )
    process = sop.get("process")
    run_id = (process.get("run_id") if isinstance(process, dict) else None) or sop.get("run_id")
    return batch, run_id if isinstance(run_id, str) and run_id else None


def running_batch(status: StatusView) -> ReportBatch:
    return ReportBatch(
        workflow_id=status.workflow_id,
        started_at=status.history[0].at,
        process=status.process,
        entries=status.history,
    )


def backfill_archives(db: ReportingDatabase, settings: Settings) -> BackfillReport:
    """Every finished bag in the archive store the settings choose (a local folder or the
    S3 bucket). A bag that cannot be read is skipped and named, with what is wrong in it;
    StoreUnavailable when the store itself cannot be read."""
    report = BackfillReport()
    calendar = WorkCalendar.from_settings(settings)
    store = open_archive_store(settings)
    for name in store.names():
        with ExitStack() as held:
            try:
                bag = held.enter_context(store.local_copy(name))
                batch, run_id = archived_batch(bag)
            except (UnreadableBag, FileNotFoundError) as err:  # FileNotFound: gone since listed
                report.skipped.append(f"{name}: {err}")
                continue
            except (OSError, ValueError, KeyError, TypeError, bagit.BagError) as err:
                report.skipped.append(f"{name}: {type(err).__name__}: {err}")
                continue
            # The archive's metadata is read from the bag where it is now (a copy from the
            # bucket is not in archive_dir).
            here = settings.model_copy(update={"archive_dir": bag.parent})
            with db.session() as session:
                report.events += record_batch(
                    session, batch, settings=here, calendar=calendar, run_id=run_id
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
