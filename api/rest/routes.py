"""``/api``: the bureau's operations as JSON, for scripts and other systems.

Bearer tokens from settings (one for ops, one for the bureau). The bureau may start, list,
read, resend and download archives; assigning, cancelling, deciding and storing documents
are for ops (the workflow refuses the bureau too: it is the authority). Errors have one
shape (``api.core.json_errors.Problem``) with the code and both languages: a refusal or
failure of the process rises as a ``ProcessError``, and ``api.core.answers`` words it.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect
from temporalio.client import Client

from api.core import gateway, visibility
from api.core.auth import ApiIdentityDep, Identity
from api.core.deps import ClientDep, CountsDep, PageTokensDep, SettingsDep
from api.core.downloads import content_disposition
from api.core.gateway import RUN_ID, WORKFLOW_ID
from api.core.json_errors import ApiProblem, Problem
from api.core.visibility import Filters, StateFilter
from api.rest.models import (
    ArchiveReport,
    AssignBody,
    CancelBody,
    DecideBody,
    ProcessCounts,
    ProcessList,
    ResendBody,
    StartBody,
    Started,
)
from api.rest.strict_query import no_unknown_query
from common.archives import check_archive, iter_zip_archive, open_archive_store
from common.documents import (
    DocumentTooLarge,
    EmptyDocument,
    StagedDocument,
    display_name,
    open_document_store,
)
from common.filetypes import UnsupportedDocument
from common.formats import CODE_PATTERN, YEAR_MAX, YEAR_MIN
from common.models import (
    Assignment,
    CancelRequest,
    Decision,
    DecisionResult,
    DocumentRef,
    PersonId,
    ProcessInput,
    ResendRequest,
    StatusView,
)
from workflows import sop

RoleQ = Annotated[
    str | None,
    Query(
        pattern="^(" + "|".join(sop.ROLES) + ")$",
        description="A role code: " + ", ".join(sop.ROLES),
    ),
]


_DESCRIPTIONS = {
    400: "`unknown_host`: the Host header is not one this deployment serves",
    401: "No or a wrong bearer token",
    403: "The token's identity may not do this",
    404: "No such process (`not_found`), no such run of it (`run_not_found`), or no archive",
    409: "The process or task is not in a state that allows this",
    413: "The file is larger than the upload limit",
    415: "The file is not one of the accepted document types",
    422: "The request breaks a rule or the schema; `errors` names each field",
    503: "Temporal, the document store or the reporting database is out of reach or busy; "
    "`Retry-After` says when to try again",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem answers of an operation: those every operation may give, and its own."""
    return {
        status: {"model": Problem, "description": _DESCRIPTIONS[status]}
        for status in sorted({400, 401, 422, 503, *statuses})
    }


router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(no_unknown_query)])

ProcessId = Annotated[
    str,
    Path(
        pattern=WORKFLOW_ID.pattern,
        max_length=60,
        description="iku-<year>-<code>[-rev<n>]",
        examples=["iku-2027-kemnaker"],
    ),
]
RunId = Annotated[
    str | None,
    Query(
        pattern=RUN_ID.pattern,
        description="The process's run (`run_id` of the start's answer and of the list). "
        "Given, it must be a run of this process (404 `run_not_found` otherwise: say a "
        "start refused because the id was taken); without it, the process the id names.",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="Send the same key again, with the same body, to get the first answer "
        "instead of acting twice. The same key with another body, or from another token, is "
        "another request. "
        "That holds for a refusal the workflow gave after accepting the request "
        "(check_unavailable, document_not_in_store, unknown_person, or a failure "
        "without a code) too: retry those with a new key.",
    ),
]


async def _run(client: Client, workflow_id: str, run_id: str | None) -> str | None:
    """The run to read for ``run_id`` (404 unless it is this process's), or None: the
    process the id names."""
    return None if run_id is None else await gateway.run_to_read(client, workflow_id, run_id)


def _ops_only(identity: Identity) -> None:
    if not identity.is_ops:
        raise ApiProblem(403, "not_authorised")


# --- starting and listing ------------------------------------------------------------------


@router.post(
    "/processes",
    status_code=201,
    response_model=Started,
    responses=problem_responses(409),
    summary="Start an IKU process",
)
async def start_process(
    body: StartBody, client: ClientDep, settings: SettingsDep, identity: ApiIdentityDep
) -> Started:
    process = ProcessInput(**body.model_dump(exclude_none=True), started_by=identity.who)
    workflow_id, run_id = await gateway.start(client, settings, process)
    return Started(
        workflow_id=workflow_id,
        run_id=run_id,
        status_url=f"/api/processes/{workflow_id}?run_id={run_id}",
        page_url=f"/proses/{workflow_id}/{run_id}",
    )


Year = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)]
CodeQ = Annotated[str | None, Query(pattern=CODE_PATTERN)]
Step = Annotated[int | None, Query(ge=1, le=len(sop.STEPS))]
Assignee = Annotated[PersonId | None, Query(description="A directory id, e.g. p-003")]


def _filters(
    year: Year = None,
    code: CodeQ = None,
    step: Step = None,
    role: RoleQ = None,
    assignee: Assignee = None,
    overdue: bool | None = None,
) -> Filters:
    """The filters the list and the counts share (the list adds the state)."""
    try:
        return Filters(
            year=year, code=code, step=step, role=role, assignee=assignee, overdue=overdue
        )
    except ValidationError as err:  # the query parameters are checked first; belt and braces
        raise ApiProblem(422, "invalid_request") from err


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get(
    "/processes",
    response_model=ProcessList,
    responses=problem_responses(),
    summary="List processes (Temporal visibility), filtered and paged",
)
async def list_processes(
    client: ClientDep,
    tokens: PageTokensDep,
    _: ApiIdentityDep,
    shared: FiltersDep,
    state: StateFilter | None = None,
    page_token: Annotated[str | None, Query(max_length=visibility.MAX_TOKEN_CHARS)] = None,
    page_size: Annotated[int, Query(ge=1, le=visibility.MAX_PAGE_SIZE)] = 25,
) -> ProcessList:
    filters = shared.model_copy(update={"state": state})
    page = await visibility.list_page(
        client, filters, tokens, page_size=page_size, token=page_token
    )
    return ProcessList(items=page.rows, next_page_token=page.next_token)


@router.get(
    "/processes/counts",
    response_model=ProcessCounts,
    responses=problem_responses(),
    summary="Running processes per step and per role (the other filters apply)",
)
async def count_processes(
    client: ClientDep,
    counts: CountsDep,
    _: ApiIdentityDep,
    filters: FiltersDep,
) -> ProcessCounts:
    found = await counts.counts(client, filters)
    return ProcessCounts(
        by_step={str(k): v for k, v in found.by_step.items()},
        by_role=found.by_role,
        running=found.running,
        overdue=found.overdue,
    )


# --- one process ----------------------------------------------------------------------------


@router.get(
    "/processes/{workflow_id}",
    response_model=StatusView,
    responses=problem_responses(404),
    summary="Where a process stands: task, documents, paraf, signature, riwayat",
)
async def process_status(
    workflow_id: ProcessId, client: ClientDep, _: ApiIdentityDep, run_id: RunId = None
) -> StatusView:
    return await gateway.status(client, workflow_id, await _run(client, workflow_id, run_id))


@dataclass(frozen=True)
class Acting:
    """What every action on one process has: its id (the run, when given, checked), the
    Temporal client, who asks, and the request's Idempotency-Key."""

    workflow_id: str
    client: Client
    identity: Identity
    key: str | None
    chain: str | None  # the first run of the process ``run_id`` named, when it named one

    def keyed(self, body: BaseModel) -> str | None:
        """The update's key: the client's Idempotency-Key with who sends it and what, so
        the same key from another identity, or with another body, is another request and
        never gets this one's answer (only an exact retry does)."""
        if self.key is None:
            return None
        sent = "\n".join((self.key, self.identity.who, body.model_dump_json()))
        return hashlib.sha256(sent.encode()).hexdigest()[:40]


async def _acting(
    workflow_id: ProcessId,
    client: ClientDep,
    identity: ApiIdentityDep,
    idempotency_key: IdempotencyKey = None,
    run_id: RunId = None,
) -> Acting:
    # 404 unless the process is that run's; then the action reaches that process only.
    chain = None if run_id is None else await gateway.chain_of(client, workflow_id, run_id)
    return Acting(workflow_id, client, identity, idempotency_key, chain)


ActingDep = Annotated[Acting, Depends(_acting)]


@router.post(
    "/processes/{workflow_id}/decide",
    response_model=DecisionResult,
    responses=problem_responses(403, 404, 409),
    summary="Decide the current task as the official named in the body (ops)",
    description="The reply says what happened and who is next. outcome "
    '"archive_failed" (200): the archiving decision is recorded but '
    "the archive could not be built (archive_error says why); the "
    "archiving step is open again, in next_task.",
)
async def decide(body: DecideBody, on: ActingDep, settings: SettingsDep) -> DecisionResult:
    _ops_only(on.identity)
    # The record names who typed it in, whatever the body says.
    decision = Decision.model_validate({**body.model_dump(), "via": on.identity.who})
    return await gateway.decide(
        on.client,
        on.workflow_id,
        decision,
        on.keyed(body),
        wait=settings.decision_wait_seconds,
        chain=on.chain,
    )


@router.post(
    "/processes/{workflow_id}/assign",
    response_model=StatusView,
    responses=problem_responses(403, 404, 409),
    summary="Give the current task to a person from the directory (ops)",
)
async def assign(body: AssignBody, on: ActingDep) -> StatusView:
    _ops_only(on.identity)
    who = on.identity.who
    assignment = Assignment(task_id=body.task_id, person=body.person, by=who, reason=body.reason)
    return await gateway.assign(on.client, on.workflow_id, assignment, on.keyed(body), on.chain)


@router.post(
    "/processes/{workflow_id}/resend",
    response_model=StatusView,
    responses=problem_responses(403, 404, 409),
    summary="Mail the current task again, with fresh links (bureau and ops)",
)
async def resend(body: ResendBody, on: ActingDep) -> StatusView:
    request = ResendRequest(task_id=body.task_id, by=on.identity.who)
    return await gateway.resend(on.client, on.workflow_id, request, on.keyed(body), on.chain)


@router.post(
    "/processes/{workflow_id}/cancel",
    response_model=StatusView,
    responses=problem_responses(403, 404, 409),
    summary="End the process, with a reason; everyone involved is told (ops)",
)
async def cancel(body: CancelBody, on: ActingDep) -> StatusView:
    _ops_only(on.identity)
    request = CancelRequest(by=on.identity.who, reason=body.reason)
    return await gateway.cancel(on.client, on.workflow_id, request, on.keyed(body), on.chain)


# --- the archive -----------------------------------------------------------------------------


@router.get(
    "/processes/{workflow_id}/archive",
    response_model=ArchiveReport,
    responses=problem_responses(404),
    summary="The archive bag of a finished process, validated now",
)
async def archive(
    workflow_id: ProcessId,
    client: ClientDep,
    settings: SettingsDep,
    _: ApiIdentityDep,
    run_id: RunId = None,
) -> ArchiveReport:
    # The download is addressed by the run, so it stays on this process's bag.
    run = run_id or await gateway.current_run(client, workflow_id)
    status = await gateway.status(client, workflow_id, await _run(client, workflow_id, run))
    name = await gateway.archive_name(settings, status)
    valid, problem, _ = await asyncio.to_thread(check_archive, open_archive_store(settings), name)
    info = status.archive
    assert info is not None  # archive_name refuses a process without one
    return ArchiveReport(
        bag_name=info.bag_name,
        files=info.files,
        bytes=info.bytes,
        created_at=info.created_at,
        valid_when_built=info.valid,
        valid_now=valid,
        problem=problem,
        download_url=f"/api/processes/{workflow_id}/archive.zip?run_id={run}",
    )


@router.get(
    "/processes/{workflow_id}/archive.zip",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}, **problem_responses(404)},
    summary="Download the archive bag as a zip",
)
async def archive_zip(
    workflow_id: ProcessId,
    client: ClientDep,
    settings: SettingsDep,
    _: ApiIdentityDep,
    run_id: RunId = None,
) -> StreamingResponse:
    status = await gateway.status(client, workflow_id, await _run(client, workflow_id, run_id))
    name = await gateway.archive_name(settings, status)
    return StreamingResponse(
        iter_zip_archive(open_archive_store(settings), name),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{name}.zip")},
    )


# --- documents --------------------------------------------------------------------------------


@router.post(
    "/documents",
    status_code=201,
    response_model=DocumentRef,
    responses=problem_responses(403, 413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
    summary="Store a file for a decision (ops); the type is read from the bytes",
)
async def store_document(
    request: Request,
    settings: SettingsDep,
    identity: ApiIdentityDep,
    name: Annotated[
        str,
        Query(
            min_length=1, max_length=255, description="The file name to show (never used as a path)"
        ),
    ],
) -> DocumentRef:
    _ops_only(identity)
    store = open_document_store(settings)
    spool = store.spool(settings.max_upload_bytes)
    staged: StagedDocument | None = None
    # As a task form's files: spooled and judged first, then staged, and the store's only
    # when every check passed; a request that fails at any point leaves nothing behind.
    try:
        try:
            async for chunk in request.stream():
                await asyncio.to_thread(spool.write, chunk)
        except DocumentTooLarge:
            raise ApiProblem(413, "too_large") from None
        except ClientDisconnect:  # nobody is left to answer; nothing was stored
            raise ApiProblem(422, "invalid_request") from None
        if spool.size == 0:
            raise ApiProblem(422, "empty_document")
        try:
            media_type = await asyncio.to_thread(spool.media_type)
        except UnsupportedDocument as err:
            raise ApiProblem(415, "unsupported_document", detail=err.message) from None
        try:
            staged = await asyncio.to_thread(spool.stage, display_name(name), media_type)
        except EmptyDocument:
            raise ApiProblem(422, "empty_document") from None
        ref = await asyncio.to_thread(staged.commit)
        staged = None  # the store's now
        return ref
    finally:
        if staged is not None:
            await asyncio.to_thread(staged.discard)
        spool.discard()
