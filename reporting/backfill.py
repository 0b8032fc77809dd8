"""Rebuilds the reporting database from what outlives it: the archives (every bag holds the
riwayat and the status) and the running processes (their ``status`` query).

It also finds every official number given (in the bags, the running processes, and the
processes closed without an archive, cancelled or terminated after the signature): the
numbering sequences live in this database only, and a sequence lost or restored from an
older dump would give a number again. ``reporting.numbering.reseed`` moves each one past
the highest number found given in it; ``reporting.register.restore`` writes each number
found, with the process it was given to, back into the register of numbers given.

Idempotent like the live writes: an event already recorded is skipped, so a backfill over
a live database, or run twice, counts nothing twice; a register entry already there is
left as it is, and one that disagrees with what was found is reported as a conflict.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import bagit
from pydantic import ValidationError
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError

from common import search_attributes as sa
from common import workflow_calls as calls
from common.archives import open_archive_store
from common.archives.bag import (
    read_archive_info,
)
from common.archives.metadata import CLASSIFICATION, NUMBER
from common.models import (
    HistoryEntry,
    HistoryEvent,
    OfficialNumber,
    ProcessInput,
    ReportBatch,
    StatusView,
)
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.database import ReportingDatabase
from reporting.numbering import Reseeded, read_number, reseed
from reporting.recorder import record_batch
from reporting.register import Found, Restored, restore

# A closed process is asked for its number within this long (it is replayed on a worker).
CLOSED_QUERY_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True)
class Given:
    """An official number found given: its sequence (year, classification) and place."""

    year: int
    classification: str
    seq: int


@dataclass
class BackfillReport:
    processes: int = 0
    events: int = 0  # new events written
    skipped: list[str] = field(default_factory=list)  # what could not be read, and why
    # The highest official number found given per sequence: (year, classification) → seq.
    numbers: dict[tuple[int, str], int] = field(default_factory=dict)
    closed: int = 0  # processes closed without an archive, asked for their number
    # The numbering sequences moved on past the numbers found (reporting.numbering.reseed).
    reseeded: list[Reseeded] = field(default_factory=list)
    # The numbers found with the process each was given to, and what the register took.
    found: list[Found] = field(default_factory=list)
    register: Restored = field(default_factory=Restored)

    def saw_number(self, number: OfficialNumber | Given | None) -> None:
        if isinstance(number, OfficialNumber):
            number = Given(number.year, number.classification, number.seq)
        if number is not None:
            key = (number.year, number.classification)
            self.numbers[key] = max(self.numbers.get(key, 0), number.seq)

    def found_given(
        self,
        where: str,
        number: OfficialNumber | Given | None,
        workflow_id: str,
        started_at: datetime | None,
        source: str,
    ) -> None:
        """``number`` given to the process, for the register. One found without what the
        register keeps of it is counted in the numbering only, and said as skipped."""
        if number is None:
            return
        if not isinstance(number, OfficialNumber):  # bag-info.txt's: no moment given
            why = "data/status.json does not say it"
        elif started_at is None:
            why = f"{source} has no riwayat to say when the process started"
        elif number.given_at.utcoffset() is None:  # the register keeps aware moments only
            why = f"{source} says when it was given without a time zone"
        else:
            self.found.append(Found(workflow_id, started_at, number, source))
            return
        place = f"{number.year} {number.classification} no. {number.seq}"
        self.skipped.append(
            f"{where}: its official number ({place}) is counted in the numbering but not "
            f"restored in the register: {why}"
        )

    def found_in_status(self, where: str, status: StatusView, source: str) -> None:
        started = status.history[0].at if status.history else None
        self.found_given(where, status.official_number, status.workflow_id, started, source)


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


def _bag_info(bag: Path) -> dict[str, str]:
    """bag-info.txt's fields (the first of each), read without bagit: a bag too damaged
    for bagit may still say its number."""
    fields: dict[str, str] = {}
    key = None
    try:
        text = (bag / "bag-info.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        return fields
    except (OSError, ValueError) as err:
        raise UnreadableBag(f"bag-info.txt cannot be read ({err})") from None
    for line in text.splitlines():
        if line[:1].isspace() and key is not None:  # a long value, folded
            fields[key] = f"{fields[key]} {line.strip()}"
        elif ":" in line:
            name, value = line.split(":", 1)
            key = name.strip() if name.strip() not in fields else None
            if key is not None:
                fields[key] = value.strip()
    return fields


def archived_number(bag: Path, settings: Settings) -> OfficialNumber | Given | None:
    """The official number the bag's process was given, if any: as data/status.json holds
    it (in full, for the register), else as bag-info.txt writes it (its place only), read
    with the number template (its classification, if the template has none, the bag's
    Kode-Klasifikasi). UnreadableBag when the bag says a number that cannot be placed in
    its sequence."""
    try:
        found = _json(bag, "data/status.json", dict).get("official_number")
    except UnreadableBag:
        found = None
    if found is not None:
        try:
            return OfficialNumber.model_validate(found)
        except ValidationError:
            pass  # then as bag-info.txt writes it
    info = _bag_info(bag)
    written = info.get(NUMBER)
    if not written:
        if found is not None:
            raise UnreadableBag("data/status.json: official_number is not as written")
        return None
    fields = read_number(settings.official_number_template, written) or {}
    classification = fields.get("classification") or info.get(CLASSIFICATION)
    if "seq" not in fields or "year" not in fields or not classification:
        raise UnreadableBag(
            f"bag-info.txt: {NUMBER} {written!r} is not written as official_number_template "
            "says, and data/status.json does not say it: not counted in the numbering"
        )
    return Given(int(fields["year"]), classification, int(fields["seq"]))


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
    StoreUnavailable when the store itself cannot be read. Then each numbering sequence is
    moved past the highest number the bags say was given in it (also a bag otherwise
    unreadable), never back."""
    report = BackfillReport()
    calendar = WorkCalendar.from_settings(settings)
    store = open_archive_store(settings)
    for name in store.names():
        with ExitStack() as held:
            try:
                bag = held.enter_context(store.local_copy(name))
                number: OfficialNumber | Given | None = None
                try:
                    number = archived_number(bag, settings)
                    report.saw_number(number)
                except UnreadableBag as err:
                    report.skipped.append(f"{name}: {err}")
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
            report.found_given(name, number, batch.workflow_id, batch.started_at, f"bag {name}")
    return _renumbered(db, report)


async def _still_running(handle: WorkflowHandle[Any, Any]) -> bool:
    try:
        return (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    except RPCError:
        return True  # not known: reported as skipped


async def backfill_running(
    client: Client, db: ReportingDatabase, settings: Settings
) -> BackfillReport:
    """Every running IKU process, as its status query tells it now; and the official number
    of every process of this task queue closed without an archive (cancelled, terminated
    or failed after the signature: no bag says its number), which is all it is asked. Then
    each numbering sequence is moved past the highest number they were given, never back."""
    report = BackfillReport()
    calendar = WorkCalendar.from_settings(settings)
    # This deployment's processes (its task queue), as the closed pass below: a shared
    # server's other queues are not ours to ask, and nobody may answer for them.
    query = (
        f"WorkflowType = '{calls.WORKFLOW_TYPE}' AND TaskQueue = {sa.quote(settings.task_queue)}"
        " AND ExecutionStatus = 'Running'"
    )
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id)
        try:
            status = await calls.STATUS.ask(handle)
        except RPCError as err:
            # Listed as running by a visibility record a moment old: one that has closed
            # since is the closed pass's below, not a process left out.
            if await _still_running(handle):
                report.skipped.append(f"{execution.id}: {err.status.name}")
            continue
        report.saw_number(status.official_number)
        report.found_in_status(execution.id, status, "its status")
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
    closed = (
        f"WorkflowType = '{calls.WORKFLOW_TYPE}' AND TaskQueue = {sa.quote(settings.task_queue)}"
        " AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'"
        f" AND {sa.STATE.name} != 'archived' AND {sa.STATE.name} != {sa.quote(sa.REFUSED)}"
    )
    async for execution in client.list_workflows(closed):
        # This run: the id may have been used again since.
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            status = await calls.STATUS.ask(handle, rpc_timeout=CLOSED_QUERY_TIMEOUT)
        except RPCError as err:
            report.skipped.append(f"{execution.id} (closed): {err.status.name}")
            continue
        except WorkflowQueryFailedError as err:
            report.skipped.append(f"{execution.id} (closed): {err}")
            continue
        report.saw_number(status.official_number)
        report.found_in_status(f"{execution.id} (closed)", status, "its status (closed)")
        report.closed += 1
    return _renumbered(db, report)


def _renumbered(db: ReportingDatabase, report: BackfillReport) -> BackfillReport:
    """The sequences moved on first, then the register written: a number given meanwhile
    comes after every number found, so it cannot take one of their places."""
    report.reseeded = reseed(db, report.numbers)
    report.register = restore(db, report.found)
    return report


def numbering_said(report: BackfillReport) -> str:
    """What the backfill did to the official numbering: how many sequences it found numbers
    given in, and which it re-seeded, to what (years, codes and numbers only)."""
    found, moved = len(report.numbers), report.reseeded
    if not found:
        return "no official number found given"
    sequences = f"official numbers given in {found} sequence{'s' if found != 1 else ''}"
    if not moved:
        return f"{sequences}, none re-seeded (each already past the highest given)"
    each = ", ".join(
        f"{m.year} {m.classification} to {m.last} (was {m.was}, the next is {m.last + 1})"
        for m in moved
    )
    return f"{sequences}, {len(moved)} re-seeded: {each}"
