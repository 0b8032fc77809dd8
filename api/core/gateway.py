"""The operations the bureau pages and the JSON API share, and what Temporal's answers mean.

Start, read, decide, assign, resend, cancel, find the archive. Every failure becomes a
``ProcessError`` with an HTTP status and a code: a refusal code of ``workflows.rules`` (the
workflow is the authority on every rule), or a problem of ``common.catalogue.PROBLEMS``.
``api.core.answers`` says it to each audience.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.core.i18n import Lang, refusal
from api.core.temporal_client import TemporalConnection, TemporalUnavailable
from common import search_attributes as sa
from common import workflow_calls as calls
from common.archives import open_archive_store
from common.models import (
    Assignment,
    CancelRequest,
    Decision,
    DecisionResult,
    ProcessInput,
    ProcessState,
    ResendRequest,
    StatusView,
    WorkflowInput,
)
from common.settings import Settings
from workflows.rules import REFUSALS

log = logging.getLogger("api.core.gateway")
T = TypeVar("T")
A = TypeVar("A")
R = TypeVar("R")

# What ProcessInput.workflow_id() can make: iku-<year>-<code>[-rev<n>].
WORKFLOW_ID = re.compile(r"^iku-[0-9]{4}-[a-z0-9][a-z0-9-]{0,45}$")
# A form's or client's key for one update, so the same request sent twice is applied once.
UPDATE_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RPC_TIMEOUT = timedelta(seconds=10)
BUSY_PAUSES = (0.1, 0.2, 0.4, 0.8, 1.6)  # seconds between sends of a turned-away update
# One call of an update's RPC. The SDK sends it again while the update is only admitted
# (no worker has taken it yet), so the whole wait is bounded apart: DECISION_WAIT.
UPDATE_TIMEOUT = timedelta(seconds=30)
# How long an update may wait for the workflow's answer in all (IKU_DECISION_WAIT_SECONDS
# for the task pages); past it the request is "waiting": the same request again is safe.
DECISION_WAIT = 15.0
# Asking Temporal itself (not the worker) whether it answers: one quick describe.
ANSWERS_TIMEOUT = timedelta(seconds=3)

# The HTTP status of each refusal code of workflows.rules.REFUSALS.
CONFLICT = frozenset(
    {"already_decided", "stale_task", "not_running", "no_task", "unknown_task", "unassigned"}
)
FORBIDDEN = frozenset({"not_assignee", "not_authorised", "via_not_ops"})
RETRY = frozenset({"check_unavailable"})
# Refusals only the update handler gives (after asking the store or the directory). Unlike
# a validator's, a handler's answer is kept by Temporal under the update's id: sending the
# same id again gets the same answer, so a retry needs a new id.
HANDLER_ONLY = frozenset({"check_unavailable", "document_not_in_store", "unknown_person"})


def http_status(code: str) -> int:
    if code in CONFLICT:
        return 409
    if code in FORBIDDEN:
        return 403
    if code in RETRY:
        return 503
    return 422  # the request breaks a rule: note, checklist, documents, team...


class ProcessError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        *,
        retry_after: int | None = None,
        detail: str = "",
        new_key: bool = False,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.detail = detail  # a fact to add (the existing process's state, say)
        # Temporal keeps this answer under the update's id: a retry needs a new one.
        self.new_key = new_key

    def text(self, lang: Lang) -> str:
        return refusal(lang, self.code)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def unavailable() -> ProcessError:
    return ProcessError(503, "unavailable", retry_after=5)


def worker_away() -> ProcessError:
    """Temporal answers but the workflow does not: no worker runs (or none keeps up)."""
    return ProcessError(503, "worker_away", retry_after=10)


def waiting() -> ProcessError:
    """An update Temporal took but no worker has applied yet: it will be, once one runs
    (unless the task was decided meanwhile); the same request again is safe (same id)."""
    return ProcessError(503, "waiting", retry_after=10)


def check_workflow_id(workflow_id: str) -> str:
    if not WORKFLOW_ID.fullmatch(workflow_id):
        raise ProcessError(404, "not_found")
    return workflow_id


def update_id(kind: str, key: str | None) -> str:
    """The Temporal update id: from the client's key when it gave a usable one."""
    if key is None or not UPDATE_KEY.fullmatch(key):
        key = secrets.token_urlsafe(12)
    return f"{kind}-{key}"


async def client_of(connection: TemporalConnection) -> Client:
    try:
        return await connection.client()
    except TemporalUnavailable:
        raise unavailable() from None


# --- starting ------------------------------------------------------------------------


def summary(process: ProcessInput) -> str:
    rev = f" rev{process.revision}" if process.revision else ""
    return f"IKU {process.year} {process.code}{rev} — {process.title}"[:200]


def start_options(process: ProcessInput, settings: Settings) -> dict[str, Any]:
    """The workflow's input and start options, as the web layer starts a process (the load
    bench starts its processes so too)."""
    return {
        "arg": WorkflowInput(
            **process.model_dump(), history_event_limit=settings.history_events_per_run
        ),
        "id": process.workflow_id(),
        "task_queue": settings.task_queue,
        "id_conflict_policy": WorkflowIDConflictPolicy.FAIL,
        # An IKU that was archived or cancelled keeps its id: a new attempt is a revision
        # (-rev<n>). Only a run Temporal itself ended (terminated, failed) may be started
        # again under the same id.
        "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        "static_summary": summary(process),
        # The list reads the title from the memo (visibility returns it, not the summary);
        # search attributes set now, so the list finds it at once. The workflow upserts
        # neither again where they are as it would set them.
        "memo": {"title": process.title},
        "search_attributes": TypedSearchAttributes(
            [
                SearchAttributePair(sa.YEAR, process.year),
                SearchAttributePair(sa.CODE, process.code),
                SearchAttributePair(sa.STATE, ProcessState.RUNNING.value),
                SearchAttributePair(sa.OVERDUE, False),
            ]
        ),
    }


async def start(client: Client, settings: Settings, process: ProcessInput) -> tuple[str, str]:
    """Start one IKU process: its id and run. Refused (409) when its id runs, or ran to its
    end."""
    workflow_id = process.workflow_id()
    if await process_run(client, workflow_id) is not None:
        # The newest run was refused; the id belongs to the process that ended before it.
        raise ProcessError(
            409, "already_started", detail=await _existing_state(client, workflow_id)
        )
    try:
        handle = await client.start_workflow(
            calls.WORKFLOW_TYPE, **start_options(process, settings), rpc_timeout=RPC_TIMEOUT
        )
    except WorkflowAlreadyStartedError:
        raise ProcessError(
            409, "already_started", detail=await _existing_state(client, workflow_id)
        ) from None
    except RPCError as err:
        raise _rpc_error(err, workflow_id) from None
    log.info("%s started by %s", workflow_id, process.started_by)
    return workflow_id, handle.first_execution_run_id or handle.result_run_id or ""


async def taken(client: Client, workflow_id: str) -> str | None:
    """The state of the process that holds ``workflow_id`` ("" when it has none yet), or
    None when a start would take it: no run, or only runs Temporal ended (terminated,
    failed), which the start's reuse policy lets go."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return None
        raise _rpc_error(err, workflow_id) from None
    if described.status in _LET_GO and await process_run(client, workflow_id) is None:
        return None
    return await _existing_state(client, workflow_id)


_LET_GO = (
    WorkflowExecutionStatus.TERMINATED,
    WorkflowExecutionStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT,
    WorkflowExecutionStatus.CANCELED,
)


async def _existing_state(client: Client, workflow_id: str) -> str:
    try:
        described = await (await _handle(client, workflow_id)).describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError:
        return ""
    state = described.typed_search_attributes.get(sa.STATE)
    if described.status is WorkflowExecutionStatus.RUNNING:
        return ProcessState.RUNNING.value
    return state or ""


# --- reading -------------------------------------------------------------------------


async def process_run(client: Client, workflow_id: str) -> str | None:
    """The run that is this process: the newest, unless the newest is a start the workflow
    refused because the id belongs to a process that was archived or cancelled; then that
    process's run, so its page and archive stay where they were. None: the newest."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError:
        return None  # the caller's own request says what is wrong
    if described.typed_search_attributes.get(sa.STATE) != sa.REFUSED:
        return None
    runs = [
        execution
        async for execution in client.list_workflows(
            f"WorkflowId = '{workflow_id}'", rpc_timeout=RPC_TIMEOUT
        )
        if execution.typed_search_attributes.get(sa.STATE) not in (None, sa.REFUSED)
        and execution.status is not WorkflowExecutionStatus.CONTINUED_AS_NEW
    ]
    runs.sort(key=lambda e: e.start_time, reverse=True)
    return runs[0].run_id if runs else None


# --- a process's run ---------------------------------------------------------------------
# The pages and the API address a process by its id and run: the id alone may later name a
# start the workflow refused (the id was taken), or, after a run Temporal itself ended, a new
# process. A run of a long process continues as new now and then: any run of its chain
# addresses it, and is read at the chain's latest run.
RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def current_run(client: Client, workflow_id: str) -> str:
    """The run an address by id alone means: the process's (``process_run``)."""
    check_workflow_id(workflow_id)
    run = await process_run(client, workflow_id)
    if run is not None:
        return run
    try:
        described = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as err:
        raise _rpc_error(err, workflow_id) from None
    return described.run_id


async def run_to_read(client: Client, workflow_id: str, run: str) -> str:
    """The run to read for the address (id, ``run``): ``run``, or the latest of its chain
    when it continued as new. 404 ``run_not_found`` unless ``run`` is a process's run
    under this id (unknown, or a start refused because the id was taken)."""
    described = await _run_of_process(client, workflow_id, run)
    if described.status is not WorkflowExecutionStatus.CONTINUED_AS_NEW:
        return run
    chain = _first_run(described)
    async for execution in client.list_workflows(
        f"WorkflowId = '{workflow_id}'", rpc_timeout=RPC_TIMEOUT
    ):
        if execution.status is WorkflowExecutionStatus.CONTINUED_AS_NEW:
            continue
        later = await _describe_run(client, workflow_id, execution.run_id)
        if later is not None and _first_run(later) == chain:
            return execution.run_id
    return run  # its successor is not listed yet: the run as it handed over


async def _describe_run(
    client: Client, workflow_id: str, run: str
) -> WorkflowExecutionDescription | None:
    try:
        return await client.get_workflow_handle(workflow_id, run_id=run).describe(
            rpc_timeout=RPC_TIMEOUT
        )
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            return None
        raise _rpc_error(err, workflow_id) from None


async def chain_of(client: Client, workflow_id: str, run: str) -> str:
    """The first run of the process ``run`` belongs to, for an action to reach that process
    and no other (a process started again under its id after this one was terminated is
    another). 404 ``run_not_found`` as for ``run_to_read``."""
    return _first_run(await _run_of_process(client, workflow_id, run))


async def _run_of_process(
    client: Client, workflow_id: str, run: str
) -> WorkflowExecutionDescription:
    """``run`` described, or 404 ``run_not_found`` unless it is a process's run under this
    id (unknown, or a start refused because the id was taken)."""
    check_workflow_id(workflow_id)
    if not RUN_ID.fullmatch(run):
        raise ProcessError(404, "run_not_found")
    described = await _describe_run(client, workflow_id, run)
    if described is None or described.typed_search_attributes.get(sa.STATE) == sa.REFUSED:
        raise ProcessError(404, "run_not_found")
    return described


def _first_run(described: WorkflowExecutionDescription) -> str:
    return described.raw_description.workflow_execution_info.first_run_id or described.run_id


async def _handle(client: Client, workflow_id: str) -> WorkflowHandle[Any, Any]:
    return client.get_workflow_handle(workflow_id, run_id=await process_run(client, workflow_id))


async def status(client: Client, workflow_id: str, run_id: str | None = None) -> StatusView:
    """``run_id``: exactly that run (from ``run_to_read``); else the process the id names."""
    check_workflow_id(workflow_id)
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    try:
        view = await calls.STATUS.ask(handle, rpc_timeout=RPC_TIMEOUT)
        if view.history or run_id is not None:
            return view
        # Nothing recorded: a run just starting, or a start refused because the id belongs
        # to a process that ended (then that process is the one to show).
        run = await process_run(client, workflow_id)
        if run is None:
            return view
        return await calls.STATUS.ask(
            client.get_workflow_handle(workflow_id, run_id=run), rpc_timeout=RPC_TIMEOUT
        )
    except RPCError as err:
        if _timed_out(err) and await temporal_answers(client, workflow_id):
            raise worker_away() from None
        raise _rpc_error(err, workflow_id) from None
    except (WorkflowQueryFailedError, WorkflowQueryRejectedError, TimeoutError):
        raise unavailable() from None


async def stopped_by_temporal(client: Client, workflow_id: str, run_id: str | None = None) -> bool:
    """Whether Temporal itself ended the run (terminated, failed, timed out): the record
    then still says running, and nothing can be done on it any more."""
    try:
        handle = (
            client.get_workflow_handle(workflow_id, run_id=run_id)
            if run_id
            else await _handle(client, workflow_id)
        )
        described = await handle.describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError:
        return False
    return described.status not in (
        None,
        WorkflowExecutionStatus.RUNNING,
        WorkflowExecutionStatus.COMPLETED,
        WorkflowExecutionStatus.CONTINUED_AS_NEW,
    )


# --- acting ----------------------------------------------------------------------------


async def _update(
    client: Client,
    workflow_id: str,
    update: calls.Update[A, R],
    arg: A,
    key: str,
    wait: float = DECISION_WAIT,
    chain: str | None = None,
) -> R:
    """``wait``: seconds in all before the answer is "waiting" (or "unavailable" when
    Temporal itself does not answer). ``chain``: the first run of the process meant (from
    ``chain_of``): Temporal then applies the update to that process only, whichever of its
    runs is current, and a process started since under the id is not reached."""
    check_workflow_id(workflow_id)
    handle = client.get_workflow_handle(workflow_id, first_execution_run_id=chain)
    name = update.name
    try:
        return await _bounded(client, workflow_id, _send(handle, update, arg, key), wait)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in REFUSALS:
            code = cause.type
            status_code = http_status(code)
            raise ProcessError(
                status_code,
                code,
                retry_after=5 if status_code == 503 else None,
                new_key=code in HANDLER_ONLY,
            ) from None
        # Failed in the handler for a reason of no code: kept under this id like a refusal.
        log.error("%s on %s failed: %s", name, workflow_id, type(cause).__name__)
        raise ProcessError(503, "unavailable", retry_after=5, new_key=True) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            # The process exists but has ended, or there is none with this id.
            if await _exists(client, workflow_id):
                raise ProcessError(409, "not_running") from None
            raise ProcessError(404, "not_found") from None
        raise _rpc_error(err, workflow_id) from None


async def _bounded(client: Client, workflow_id: str, sending: Awaitable[T], wait: float) -> T:
    """``sending``, for at most ``wait`` seconds. The SDK waits as long as no worker takes
    the update (155 s seen with the worker killed); the person is told within ``wait``.
    An update Temporal admitted stays with the process when the call is given up: a
    worker that comes back applies it, and the same id sent again joins it."""
    try:
        async with asyncio.timeout(wait):
            return await sending
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        if await temporal_answers(client, workflow_id):
            raise waiting() from None
        raise unavailable() from None


async def temporal_answers(client: Client, workflow_id: str) -> bool:
    """Whether Temporal itself answers about this process (a describe needs no worker):
    tells "the worker is away" from "Temporal cannot be reached"."""
    try:
        await client.get_workflow_handle(workflow_id).describe(rpc_timeout=ANSWERS_TIMEOUT)
    except RPCError as err:
        return err.status == RPCStatusCode.NOT_FOUND  # an answer all the same
    return True


def _timed_out(err: RPCError) -> bool:
    """A call that got no answer in time (a query with no worker to answer it)."""
    return err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


async def _send(
    handle: WorkflowHandle[Any, Any], update: calls.Update[A, R], arg: A, key: str
) -> R:
    """The update, sent again after a pause while Temporal turns it away because too
    many updates are in flight on the process: a turned-away update was not accepted, so
    the same id is safe, and by then the one in flight has usually decided the task (this
    one then hears "already decided" rather than "try again")."""
    for pause in BUSY_PAUSES:
        try:
            return await update.execute(handle, arg, id=key, rpc_timeout=UPDATE_TIMEOUT)
        except RPCError as err:
            if err.status != RPCStatusCode.RESOURCE_EXHAUSTED:
                raise
        await asyncio.sleep(pause)
    return await update.execute(handle, arg, id=key, rpc_timeout=UPDATE_TIMEOUT)


async def _exists(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError:
        return False
    return True


async def decide(
    client: Client,
    workflow_id: str,
    decision: Decision,
    key: str | None = None,
    *,
    exact_id: str | None = None,
    wait: float = DECISION_WAIT,
    chain: str | None = None,
) -> DecisionResult:
    """``exact_id``: the whole update id, when the caller names the update itself (a task
    page's nonce); else one is made from the client's ``key``. ``wait``: see ``_update``."""
    return await _update(
        client,
        workflow_id,
        calls.DECIDE,
        decision,
        exact_id or update_id(f"api-{decision.task_id}"[:60], key),
        wait,
        chain,
    )


async def assign(
    client: Client,
    workflow_id: str,
    assignment: Assignment,
    key: str | None = None,
    chain: str | None = None,
) -> StatusView:
    return await _update(
        client, workflow_id, calls.ASSIGN, assignment, update_id("assign", key), chain=chain
    )


async def resend(
    client: Client,
    workflow_id: str,
    request: ResendRequest,
    key: str | None = None,
    chain: str | None = None,
) -> StatusView:
    return await _update(
        client, workflow_id, calls.RESEND, request, update_id("resend", key), chain=chain
    )


async def cancel(
    client: Client,
    workflow_id: str,
    request: CancelRequest,
    key: str | None = None,
    chain: str | None = None,
) -> StatusView:
    return await _update(
        client, workflow_id, calls.CANCEL, request, update_id("cancel", key), chain=chain
    )


# --- the archive -------------------------------------------------------------------------


async def archive_name(settings: Settings, status: StatusView) -> str:
    """The bag of an archived process, found complete by its name in our archive store only
    (the path in the status is never opened as given)."""
    if status.state is not ProcessState.ARCHIVED or status.archive is None:
        raise ProcessError(404, "no_archive")
    name = status.archive.bag_name
    if not await asyncio.to_thread(open_archive_store(settings).complete, name):
        raise ProcessError(404, "archive_missing")
    return name


# --- errors --------------------------------------------------------------------------------


def _rpc_error(err: RPCError, workflow_id: str) -> ProcessError:
    if err.status == RPCStatusCode.NOT_FOUND:
        return ProcessError(404, "not_found")
    if err.status == RPCStatusCode.RESOURCE_EXHAUSTED:
        return ProcessError(503, "busy", retry_after=2)
    if err.status not in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.CANCELLED,
    ):
        log.warning("Temporal said %s for %s: %s", err.status.name, workflow_id, err.message)
    return unavailable()
