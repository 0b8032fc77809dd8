"""The list of processes from Temporal's visibility: safe queries, pages, counts.

Every filter value is validated against what the workflow can ever write (a step number,
a role code, a directory id, ...) and then quoted; no input reaches a query as typed.
Counts are one ``count_workflows`` per step and per role: GROUP BY on custom search
attributes is not supported by every visibility store (SQLite's and PostgreSQL's answer
only ``GROUP BY ExecutionStatus``), and 25 small counts are cheap; ``CountsCache`` keeps
them a few seconds, so reloads and paging do not ask again.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.core.digests import equals_any
from api.core.gateway import ProcessError, unavailable
from common import search_attributes as sa
from common.formats import CODE_PATTERN, YEAR_MAX, YEAR_MIN
from common.models import Model, PersonId
from common.workflow_calls import WORKFLOW_TYPE
from workflows import sop

RPC_TIMEOUT = timedelta(seconds=10)
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
MAX_TOKEN_CHARS = 4096
_PARALLEL_COUNTS = 8
COUNTS_SECONDS = 3.0


class ProcessRow(Model):
    workflow_id: str
    run_id: str = Field(
        description="The process's first run: the run its start answered, however often it "
        "has continued as new since (any of its runs addresses it)."
    )
    title: str
    year: int | None
    code: str | None
    step: int | None
    role: str | None
    assignees: list[str]
    overdue: bool
    state: str | None
    execution_status: str
    started_at: datetime = Field(
        description="When the process started: its first run's start, not the current "
        "run's (a process continues as new many times over its months)."
    )
    closed_at: datetime | None
    since: datetime | None = Field(
        default=None, description="When the open task arrived (running only)."
    )
    deadline: datetime | None = Field(
        default=None, description="The open task's deadline (running, and held by someone)."
    )


class StateFilter(StrEnum):
    RUNNING = "running"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"
    # Ended by Temporal rather than by the SOP: terminated or failed in the Temporal UI.
    STOPPED = "stopped"


Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]


class Filters(BaseModel):
    """What the list may be narrowed by; every field is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    code: Code | None = None
    step: int | None = Field(default=None, ge=1, le=len(sop.STEPS))
    role: str | None = None
    assignee: PersonId | None = None
    overdue: bool | None = None
    state: StateFilter | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | None) -> str | None:
        if value is not None and value not in sop.ROLES:
            raise ValueError("unknown role")
        return value

    def without(self, *names: str) -> Filters:
        return self.model_copy(update=dict.fromkeys(names))

    def params(self) -> dict[str, str]:
        """As query-string parameters (for links that keep the filters)."""
        out: dict[str, str] = {}
        for name, value in self.model_dump(exclude_none=True).items():
            out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return out


def parse_filters(raw: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """Filters from a page's query string: blanks mean "any"; a bad value is dropped and
    named, so the page still shows the rest."""
    values: dict[str, object] = {}
    bad: list[str] = []
    for name in Filters.model_fields:
        text = (raw.get(name) or "").strip()
        if not text:
            continue
        if name == "overdue":
            if text not in ("true", "false"):
                bad.append(name)
                continue
            values[name] = text == "true"
        else:
            values[name] = text
    for name in list(values):
        try:
            Filters.model_validate({name: values[name]})
        except (ValidationError, ValueError):
            bad.append(name)
            del values[name]
    return Filters.model_validate(values), bad


# --- the query -------------------------------------------------------------------------


def query(filters: Filters) -> str:
    clauses = [
        f"WorkflowType = {sa.quote(WORKFLOW_TYPE)}",
        # A process that continued as new is listed once, by its newest run.
        "ExecutionStatus != 'ContinuedAsNew'",
    ]
    if filters.year is not None:
        clauses.append(f"{sa.YEAR.name} = {int(filters.year)}")
    if filters.code is not None:
        clauses.append(f"{sa.CODE.name} = {sa.quote(filters.code)}")
    if filters.step is not None:
        clauses.append(f"{sa.STEP.name} = {int(filters.step)}")
    if filters.role is not None:
        clauses.append(f"{sa.ROLE.name} = {sa.quote(filters.role)}")
    if filters.assignee is not None:
        clauses.append(f"{sa.ASSIGNEE.name} = {sa.quote(filters.assignee)}")
    if filters.overdue is not None:
        clauses.append(f"{sa.OVERDUE.name} = {'true' if filters.overdue else 'false'}")
    if filters.state is StateFilter.RUNNING:
        # A process ops terminated keeps IkuState 'running': only live ones are running.
        clauses.append(f"{sa.STATE.name} = 'running' AND ExecutionStatus = 'Running'")
    elif filters.state is StateFilter.STOPPED:
        clauses.append("ExecutionStatus IN ('Terminated', 'Failed', 'TimedOut', 'Canceled')")
    elif filters.state is not None:
        clauses.append(f"{sa.STATE.name} = {sa.quote(filters.state.value)}")
    return " AND ".join(clauses)


# --- page tokens -------------------------------------------------------------------------


class PageTokens:
    """Temporal's next-page tokens, signed for the query they page through.

    A token Temporal did not make is not refused quickly: the server fails with "unknown"
    and the SDK retries for about ten seconds. So a token from a URL reaches Temporal only
    when our MAC says we handed it out, for this very query.
    """

    def __init__(self, secrets: Callable[[], list[str]]) -> None:
        # Read on first use: importing the app touches no disk. The first signs; the others
        # (replaced in a planned change) are still accepted.
        self._secrets = secrets

    @cached_property
    def _keys(self) -> list[bytes]:
        return [
            hmac.new(secret.encode(), b"iku-page-token-v1", hashlib.sha256).digest()
            for secret in self._secrets()
        ]

    @staticmethod
    def _mac(key: bytes, query_text: str, token: bytes) -> bytes:
        return hmac.new(key, query_text.encode() + b"\n" + token, hashlib.sha256).digest()[:16]

    def encode(self, query_text: str, token: bytes | None) -> str | None:
        if not token:
            return None
        return f"{_b64(token)}.{_b64(self._mac(self._keys[0], query_text, token))}"

    def decode(self, query_text: str, text: str | None) -> bytes | None:
        if not text:
            return None
        body, dot, mac = text.partition(".")
        if len(text) > MAX_TOKEN_CHARS or not dot:
            raise ProcessError(422, "invalid_page_token")
        try:
            token, given = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            raise ProcessError(422, "invalid_page_token") from None
        if not token or not equals_any(
            given, (self._mac(key, query_text, token) for key in self._keys)
        ):
            raise ProcessError(422, "invalid_page_token")
        return token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- listing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    rows: list[ProcessRow]
    next_token: str | None


# How many ended runs of a page's processes are read to find when each process started (a
# process continues as new every ~100 history events: some runs a process, a few hundred a
# page).
RUNS_SCAN = 5000


@dataclass(frozen=True)
class EndedRun:
    started: datetime
    closed: datetime | None
    continued: bool  # it ended by continuing as new
    run_id: str = ""


def chain_first(current: datetime, run: str, ended: list[EndedRun]) -> tuple[datetime, str]:
    """When the process whose current run (``run``) started at ``current`` began, and its
    first run: the first of the runs that continued as new, one into the next, up to it. A
    run that ended otherwise (terminated, failed: its id could be started again) closes an
    earlier process under the same id, and runs after ``current`` (a start refused later)
    are not its."""
    earlier = [r for r in ended if r.started < current]
    boundary = max((r.closed for r in earlier if not r.continued and r.closed), default=None)
    chain = [r for r in earlier if r.continued and (boundary is None or r.started >= boundary)]
    first = min(chain, key=lambda r: r.started, default=None)
    return (first.started, first.run_id or run) if first else (current, run)


def chain_start(current: datetime, ended: list[EndedRun]) -> datetime:
    return chain_first(current, "", ended)[0]


async def _first_runs(
    client: Client, executions: list[WorkflowExecution]
) -> dict[str, tuple[datetime, str]]:
    """When each process started, and its first run (the run its start answered), by the
    run the list shows: a row keeps both however often the process continued as new.

    Visibility gives each run its own start (and no first-run id), so a process that
    continued as new would show when its current run began. One visibility query for the
    whole page reads the ended runs of its processes, never a query per process to the
    workflow; they stay in visibility for the namespace's retention (five years by default),
    and a process whose first run is gone shows the earliest one left."""
    ids = sorted({e.id for e in executions})
    if not ids:
        return {}
    text = (
        f"WorkflowType = {sa.quote(WORKFLOW_TYPE)} "
        f"AND WorkflowId IN ({', '.join(sa.quote(i) for i in ids)}) "
        "AND ExecutionStatus != 'Running'"
    )
    ended: dict[str, list[EndedRun]] = {}
    try:
        async for e in client.list_workflows(
            text, page_size=1000, limit=RUNS_SCAN, rpc_timeout=RPC_TIMEOUT
        ):
            continued = e.status is WorkflowExecutionStatus.CONTINUED_AS_NEW
            run = EndedRun(e.start_time, e.close_time, continued, e.run_id)
            ended.setdefault(e.id, []).append(run)
    except RPCError as err:
        raise _error(err) from None
    return {e.run_id: chain_first(e.start_time, e.run_id, ended.get(e.id, [])) for e in executions}


def _first(
    execution: WorkflowExecution, firsts: Mapping[str, tuple[datetime, str]]
) -> tuple[datetime, str]:
    return firsts.get(execution.run_id, (execution.start_time, execution.run_id))


def _newest_first(rows: list[ProcessRow]) -> list[ProcessRow]:
    """Running processes newest first by when they started. Visibility lists the running
    first by their current run's start, which a continue-as-new moves to today; and SQL
    visibility (SQLite, PostgreSQL) and Temporal Cloud take no ORDER BY. So the order is
    made here, within the page; the ended ones stay as visibility has them, by when they
    ended (their last run's close is the process's)."""
    running = [r for r in rows if r.closed_at is None]
    running.sort(key=lambda r: r.started_at, reverse=True)
    return running + [r for r in rows if r.closed_at is not None]


async def _row(
    execution: WorkflowExecution, firsts: Mapping[str, tuple[datetime, str]] | None = None
) -> ProcessRow:
    attrs = execution.typed_search_attributes
    try:
        title = str((await execution.memo()).get("title", ""))
    except Exception:  # a memo we cannot read is shown as no title, never as an error
        title = ""
    status = execution.status or WorkflowExecutionStatus.RUNNING
    assignees = list(attrs.get(sa.ASSIGNEE) or [])
    started, first_run = _first(execution, firsts or {})
    return ProcessRow(
        workflow_id=execution.id,
        run_id=first_run,
        title=title,
        year=attrs.get(sa.YEAR),
        code=attrs.get(sa.CODE),
        step=attrs.get(sa.STEP),
        role=attrs.get(sa.ROLE),
        assignees=assignees,
        overdue=bool(attrs.get(sa.OVERDUE)),
        state=attrs.get(sa.STATE),
        execution_status=status.name.lower(),
        started_at=started,
        closed_at=execution.close_time,
        since=attrs.get(sa.SINCE),
        # A task nobody holds has no schedule yet, and the workflow leaves IkuDeadline as
        # the step before had it: that deadline is not this task's.
        deadline=attrs.get(sa.DEADLINE) if assignees else None,
    )


async def list_page(
    client: Client,
    filters: Filters,
    tokens: PageTokens,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    token: str | None = None,
) -> ListPage:
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    text = query(filters)
    # The page size is part of what the token pages through.
    signed_for = f"{text}\n{size}"
    iterator = client.list_workflows(
        text,
        page_size=size,
        next_page_token=tokens.decode(signed_for, token),
        rpc_timeout=RPC_TIMEOUT,
    )
    try:
        await iterator.fetch_next_page()
    except RPCError as err:
        raise _error(err) from None
    # A start refused because its id belongs to an ended process is not a process: the
    # list shows the process once, by its own run.
    executions = [
        e
        for e in iterator.current_page or []
        if e.typed_search_attributes.get(sa.STATE) != sa.REFUSED
    ]
    firsts = await _first_runs(client, executions)
    rows = _newest_first([await _row(e, firsts) for e in executions])
    return ListPage(rows, tokens.encode(signed_for, iterator.next_page_token))


# How many of the newest matching processes a search reads through: titles are in the memo,
# which visibility cannot query, so the search reads the list itself (a bureau starts some
# dozens of IKU processes a year).
SEARCH_SCAN = 2000


@dataclass(frozen=True)
class Found:
    rows: list[ProcessRow]
    more: bool  # more matched than are shown


def matches(row: ProcessRow, words: str) -> bool:
    """Every word of the search in the code, the title or the id, whatever the case."""
    haystack = f"{row.code or ''} {row.title} {row.workflow_id}".casefold()
    return all(word in haystack for word in words.casefold().split())


async def search(client: Client, filters: Filters, words: str, *, limit: int) -> Found:
    """The newest processes matching ``filters`` whose code or title holds ``words``."""
    iterator = client.list_workflows(
        query(filters), page_size=100, limit=SEARCH_SCAN, rpc_timeout=RPC_TIMEOUT
    )
    found: list[tuple[WorkflowExecution, ProcessRow]] = []
    more = False
    try:
        async for execution in iterator:
            if execution.typed_search_attributes.get(sa.STATE) == sa.REFUSED:
                continue  # a refused start is no process (see list_page)
            row = await _row(execution)
            if matches(row, words):
                if len(found) == limit:
                    more = True
                    break
                found.append((execution, row))
    except RPCError as err:
        raise _error(err) from None
    firsts = await _first_runs(client, [e for e, _ in found])
    rows = []
    for execution, row in found:
        started, first_run = _first(execution, firsts)
        rows.append(row.model_copy(update={"started_at": started, "run_id": first_run}))
    return Found(_newest_first(rows), more=more)


# --- counting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Running processes that match the other filters: per step, per role, in all, late."""

    by_step: dict[int, int]
    by_role: dict[str, int]
    running: int
    overdue: int


async def counts(client: Client, filters: Filters) -> Counts:
    running = filters.without("state").model_copy(update={"state": StateFilter.RUNNING})
    gate = asyncio.Semaphore(_PARALLEL_COUNTS)

    async def count(f: Filters) -> int:
        async with gate:
            try:
                found = await client.count_workflows(query(f), rpc_timeout=RPC_TIMEOUT)
            except RPCError as err:
                raise _error(err) from None
            return found.count

    steps = [s.number for s in sop.STEPS]
    roles = list(sop.ROLES)
    results = await asyncio.gather(
        *(count(running.model_copy(update={"step": n})) for n in steps),
        *(count(running.model_copy(update={"role": r})) for r in roles),
        count(running),
        count(running.model_copy(update={"overdue": True})),
    )
    by_step = dict(zip(steps, results[: len(steps)], strict=True))
    by_role = dict(zip(roles, results[len(steps) : len(steps) + len(roles)], strict=True))
    return Counts(by_step, by_role, results[-2], results[-1])


class CountsCache:
    """Counts per filter, kept a few seconds (and shared by requests asking at once)."""

    def __init__(self, seconds: float = COUNTS_SECONDS) -> None:
        self.seconds = seconds
        self._kept: dict[Filters, tuple[float, asyncio.Task[Counts]]] = {}

    async def counts(self, client: Client, filters: Filters) -> Counts:
        now = time.monotonic()
        self._kept = {f: kept for f, kept in self._kept.items() if kept[0] > now}
        kept = self._kept.get(filters)
        if kept is None:
            kept = (now + self.seconds, asyncio.ensure_future(counts(client, filters)))
            self._kept[filters] = kept
        try:
            # Shielded: one reader going away does not cancel the others' answer.
            return await asyncio.shield(kept[1])
        except ProcessError:
            if self._kept.get(filters) is kept:
                del self._kept[filters]  # a failure is not kept
            raise


def _error(err: RPCError) -> ProcessError:
    if err.status == RPCStatusCode.RESOURCE_EXHAUSTED:
        return ProcessError(503, "busy", retry_after=2)
    return unavailable()
