"""The planning bureau's pages: the list, starting a process, one process (the SOP table,
documents, riwayat, actions), documents and the archive. Behind the sign-in; every form
carries the session's CSRF token and must come from our own origin.

Actions answer with the workflow's own verdict: on success a redirect to the process page
(which then shows the riwayat the workflow recorded), on refusal the same page with the
reason on top and what was typed kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import FormData
from temporalio.client import Client

from api import processes, visibility
from api.auth import SignedIn, SignedInDep, get_sessions
from api.bureau_render import bureau_lang, render_page, url_with
from api.deps import PeopleDep, SettingsDep, today
from api.downloads import content_disposition, document_response
from api.i18n import Lang, role_name, text
from api.i18n_bureau import short_when, state_name
from api.people import People
from api.problems import PageError
from api.process_view import View
from api.processes import ProcessError
from api.security import check_same_origin
from api.sop_table import build_table
from common.archive_bag import bag_files, iter_zip_bag, validate_bag
from common.documents import DocumentStore
from common.formats import is_task_id
from common.models import (
    Assignment,
    CancelRequest,
    HistoryEvent,
    ProcessInput,
    ProcessState,
    ResendRequest,
    StatusView,
)
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows import sop

router = APIRouter(tags=["bureau"], include_in_schema=False)
log = logging.getLogger("api.bureau")

LangDep = Annotated[Lang, Depends(bureau_lang)]
_PAGE_SIZE = re.compile(r"^[0-9]{1,3}$")  # ASCII digits only: int() takes "²" for no number
# The banner an action's redirect asks for (?ok=…), and the riwayat entry that must back it.
_FLASHES = {
    "started": HistoryEvent.STARTED,
    "resent": HistoryEvent.RESENT,
    "assigned": HistoryEvent.ASSIGNED,
    "cancelled": HistoryEvent.CANCELLED,
}
FLASH_WINDOW = timedelta(minutes=10)
_TITLES = {
    401: "signin_title",
    403: "forbidden_title",
    404: "not_found_title",
    409: "conflict_title",
    413: "too_large_title",
    422: "refused_title",
    429: "unavailable_title",
    503: "unavailable_title",
}


# --- helpers -------------------------------------------------------------------------------


async def _client(request: Request) -> Client:
    return await processes.client_of(request.app.state.temporal)


def _problem(
    request: Request,
    lang: Lang,
    signed: SignedIn,
    status: int,
    lines: list[str],
    *,
    headers: dict[str, str] | None = None,
    links: Sequence[tuple[str, str]] = (),
) -> HTMLResponse:
    response = render_page(
        request,
        "bureau/problem.html",
        lang,
        {
            "title": text(lang, _TITLES.get(status, "error_title")),
            "lines": lines,
            "status": status,
            "links": list(links),
        },
        signed=signed,
        status=status,
    )
    response.headers.update(headers or {})
    return response


def _error_page(request: Request, lang: Lang, signed: SignedIn, err: ProcessError) -> HTMLResponse:
    return _problem(
        request,
        lang,
        signed,
        err.status,
        [err.text(lang)],
        headers=err.headers,
        links=[("/proses", text(lang, "back_to_list"))],
    )


async def _checked_form(request: Request, signed: SignedIn, lang: Lang) -> FormData | None:
    """The posted form, when it comes from our origin with this session's CSRF token."""
    try:
        check_same_origin(request, request.app.state.settings.public_base_url, lang)
    except PageError:
        return None  # answered like a bad token: the form did not come from our page
    form = await request.form()
    if not get_sessions(request).csrf_ok(signed.session, str(form.get("csrf") or "")):
        return None
    return form


def _field(form: FormData, name: str, limit: int = 4000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _people_options(people: People, role: str | None) -> list[dict[str, Any]]:
    active = people.selectable()
    holders = [p for p in active if role and role in p.roles]
    others = sorted((p for p in active if p not in holders), key=lambda p: p.name)
    return [
        {"id": p.id, "name": p.name, "position": p.position, "holds": p in holders}
        for p in [*holders, *others]
    ]


@router.get("/", response_class=HTMLResponse)
async def home(signed: SignedInDep) -> Response:
    return RedirectResponse("/proses", status_code=302)


# --- the list ------------------------------------------------------------------------------


@router.get("/proses", response_class=HTMLResponse)
async def list_processes(
    request: Request, signed: SignedInDep, lang: LangDep, settings: SettingsDep, people: PeopleDep
) -> Response:
    filters, bad = visibility.parse_filters(request.query_params)
    token = request.query_params.get("halaman") or None
    per = request.query_params.get("per", "")
    page_size = int(per) if _PAGE_SIZE.fullmatch(per) else 0
    if not 1 <= page_size <= visibility.MAX_PAGE_SIZE:
        page_size = visibility.DEFAULT_PAGE_SIZE
    try:
        client = await _client(request)
        page, counts = await asyncio.gather(
            visibility.list_page(
                client, filters, request.app.state.page_tokens, page_size=page_size, token=token
            ),
            request.app.state.counts.counts(client, filters),
        )
    except ProcessError as err:
        return _error_page(request, lang, signed, err)
    tz = settings.timezone
    rows = [
        {
            "id": r.workflow_id,
            "title": r.title,
            "year": r.year,
            "code": r.code,
            "step": r.step,
            "role": sop.ROLES[r.role].short if r.role in sop.ROLES else "",
            "activity": _short_activity(lang, r.step),
            "holders": [people.who_name(p) for p in r.assignees],
            "overdue": r.overdue and r.execution_status == "running",
            "state": _row_state(r),
            "state_label": state_name(lang, _row_state(r)),
            "started": short_when(r.started_at, lang, settings.timezone),
            "closed": short_when(r.closed_at, lang, tz) if r.closed_at else "",
            "since": short_when(r.since, lang, tz)
            if r.since and r.execution_status == "running"
            else "",
            "deadline": short_when(r.deadline, lang, tz)
            if r.deadline and r.execution_status == "running"
            else "",
        }
        for r in page.rows
    ]

    def link(**changes: str | None) -> str:
        """The list with these filters changed, from the valid filters only (a bad value
        that was dropped is not carried on)."""
        params: dict[str, str | None] = {**filters.params(), **changes}
        if page_size != visibility.DEFAULT_PAGE_SIZE:
            params["per"] = str(page_size)
        kept = {k: v for k, v in params.items() if v is not None}
        return "/proses" + (f"?{urlencode(kept)}" if kept else "")

    return render_page(
        request,
        "bureau/list.html",
        lang,
        {
            "rows": rows,
            "filters": filters,
            "bad": [text(lang, f"filter_{b}") for b in bad],
            "next_url": url_with(request, halaman=page.next_token) if page.next_token else "",
            "first_url": link() if token else "",
            "counts": counts,
            "step_chips": [
                {
                    "n": n,
                    "count": c,
                    "url": link(step=None if filters.step == n else str(n)),
                    "active": filters.step == n,
                    "role": sop.ROLES[sop.step(n).role].short,
                }
                for n, c in counts.by_step.items()
            ],
            "role_chips": [
                {
                    "code": r,
                    "count": c,
                    "label": sop.ROLES[r].short,
                    "url": link(role=None if filters.role == r else r),
                    "active": filters.role == r,
                }
                for r, c in counts.by_role.items()
            ],
            "overdue_url": link(overdue="true", state="running"),
            "running_url": link(state="running", overdue=None),
            "steps": [
                {
                    "n": s.number,
                    "label": f"{s.number}. {sop.ROLES[s.role].short} — "
                    f"{_short_activity(lang, s.number)}",
                }
                for s in sop.STEPS
            ],
            "roles": [{"code": c, "label": role_name(lang, c)} for c in sop.ROLES],
            "people": _people_options(people, None),
            "states": [(s.value, state_name(lang, s.value)) for s in visibility.StateFilter],
            "filtered": bool(filters.params()),
            "per": str(page_size) if page_size != visibility.DEFAULT_PAGE_SIZE else "",
        },
        signed=signed,
        nav="list",
    )


def _row_state(row: visibility.Row) -> str:
    if row.execution_status not in ("running", "completed"):
        return "stopped"
    return row.state or "running"


def _short_activity(lang: Lang, number: int | None, limit: int = 70) -> str:
    """The activity's first sentence ("Memeriksa usulan"), cut to ``limit`` characters."""
    if number is None or number not in sop.STEP_BY_NUMBER:
        return ""
    step = sop.step(number)
    words = (step.activity_en if lang == "en" else step.activity_id).split(". ")[0]
    return words if len(words) <= limit else words[: limit - 3].rstrip() + "…"


# --- starting ------------------------------------------------------------------------------


def _start_values(settings: Settings, form: FormData | None = None) -> dict[str, str]:
    if form is None:
        return {
            "year": str(today().year + 1),
            "code": "",
            "revision": "0",
            # The SOP's registered number, from the deployment's settings (never a placeholder).
            "sop_number": settings.sop_number,
            "title": "",
        }
    return {
        "year": _field(form, "year", 10).strip(),
        "code": _field(form, "code", 60).strip().lower(),
        "revision": _field(form, "revision", 10).strip() or "0",
        "sop_number": _field(form, "sop_number", 200).strip(),
        "title": _field(form, "title", 400).strip(),
    }


def _start_page(
    request: Request,
    lang: Lang,
    signed: SignedIn,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: list[str] | None = None,
    existing: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render_page(
        request,
        "bureau/start.html",
        lang,
        {
            "v": values,
            "errors": errors or {},
            "error": error or [],
            "existing": existing,
            "steps": [
                {
                    "n": s.number,
                    "role": sop.ROLES[s.role].short,
                    "activity": _short_activity(lang, s.number, limit=200),
                }
                for s in sop.STEPS
            ],
        },
        signed=signed,
        status=status,
        nav="start",
    )


@router.get("/proses/baru", response_class=HTMLResponse)
async def start_form(
    request: Request, signed: SignedInDep, lang: LangDep, settings: SettingsDep
) -> Response:
    return _start_page(request, lang, signed, _start_values(settings))


@router.post("/proses/baru", response_class=HTMLResponse)
async def start_process(
    request: Request, signed: SignedInDep, lang: LangDep, settings: SettingsDep
) -> Response:
    form = await _checked_form(request, signed, lang)
    if form is None:
        return _start_page(
            request,
            lang,
            signed,
            _start_values(settings),
            status=403,
            error=[text(lang, "csrf_failed")],
        )
    values = _start_values(settings, form)
    try:
        process = ProcessInput(
            year=values["year"],
            code=values["code"],
            revision=values["revision"],
            sop_number=values["sop_number"],
            title=values["title"],
            started_by=signed.identity.who,
        )
    except ValidationError as err:
        fields = {str(e["loc"][0]) for e in err.errors() if e.get("loc")}
        return _start_page(
            request,
            lang,
            signed,
            values,
            status=422,
            errors={f: text(lang, f"start_bad_{f}") for f in fields if f in values},
            error=[text(lang, "start_invalid")],
        )
    try:
        client = await _client(request)
        workflow_id = await processes.start(client, settings, process)
    except ProcessError as err:
        if err.code == "already_started":
            wid = process.workflow_id()
            line = text(
                lang,
                "already_started_as",
                id=wid,
                state=state_name(lang, err.detail) if err.detail else "—",
            )
            return _start_page(
                request,
                lang,
                signed,
                values,
                status=409,
                error=[line, text(lang, "use_revision")],
                existing=wid,
            )
        return _start_page(request, lang, signed, values, status=err.status, error=[err.text(lang)])
    # No waiting for the first task: until the workflow holds it, the banner says it is
    # being prepared.
    return RedirectResponse(f"/proses/{workflow_id}?ok=started", status_code=303)


# --- one process ---------------------------------------------------------------------------


async def _process_page(
    request: Request,
    signed: SignedIn,
    lang: Lang,
    workflow_id: str,
    *,
    error: list[str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    people = People.load(settings)
    try:
        client = await _client(request)
        status, stopped = await asyncio.gather(
            processes.status(client, workflow_id),
            processes.stopped_by_temporal(client, workflow_id),
        )
    except ProcessError as err:
        return _error_page(request, lang, signed, err)
    calendar = WorkCalendar.for_display(settings)
    now = today()
    view = View(lang, settings, people, calendar, now)
    flash, flash_detail = _flash(view, status, request.query_params.get("ok"), signed.identity.who)
    running = status.state is ProcessState.RUNNING and not stopped
    task = status.task if running else None
    state = "stopped" if stopped and status.state is ProcessState.RUNNING else status.state.value
    unit = str(sop.SOP_HEADER["unit"]).split(" — ")
    return render_page(
        request,
        "bureau/process.html",
        lang,
        {
            "wid": workflow_id,
            "process": status.process,
            "state": state,
            "state_label": state_name(lang, state),
            "glance": view.glance(status),
            "table": build_table(
                status,
                lang=lang,
                settings=settings,
                people=people,
                calendar=calendar,
                now=now,
                stopped=stopped,
            ),
            "header": {**sop.SOP_HEADER, "unit_lines": unit},
            "documents": view.documents(status, workflow_id),
            "marks": view.marks(status),
            "notices": view.notices(status),
            "history": view.history(status),
            "team": [
                view.name(p) + (f" ({text(lang, 'leader')})" if p == status.team.leader else "")
                for p in status.team.members
            ]
            if status.team
            else [],
            "archive": status.archive,
            "archive_when": view.long(status.archive.created_at) if status.archive else "",
            "task": task,
            "people": _people_options(people, task.role if task else None),
            "flash": flash,
            "flash_detail": flash_detail,
            "error": error or [],
            "v": {"assign_person": "", "assign_reason": "", "cancel_reason": "", **(values or {})},
            "form_ids": {k: secrets.token_urlsafe(12) for k in ("resend", "assign", "cancel")},
        },
        signed=signed,
        status=status_code,
        nav="list",
    )


def _flash(view: View, status: StatusView, asked: str | None, who: str) -> tuple[str, str]:
    """The banner ``?ok=`` asks for, and what the workflow recorded for it: only when the
    riwayat holds that action by this identity, lately (a link cannot make one up)."""
    event = _FLASHES.get(asked or "")
    entry = next((h for h in reversed(status.history) if h.event is event), None)
    if event is None or entry is None or entry.person != who:
        return "", ""
    if view.now - entry.at > FLASH_WINDOW:
        return "", ""
    if event is HistoryEvent.STARTED:
        # Who got the first task is said only once the workflow holds it.
        return "started", text(
            view.lang, "flash_started_detail" if status.task is not None else "next_pending"
        )
    assert asked is not None
    if event is HistoryEvent.ASSIGNED:
        return asked, text(
            view.lang,
            "flash_assigned_detail",
            name=view.name(entry.target),
            step=entry.step,
            by=view.name(entry.person),
            when=view.short(entry.at),
        )
    if event is HistoryEvent.RESENT:
        names = ", ".join(view.name(p) for p in status.task.assignees) if status.task else ""
        return asked, text(
            view.lang,
            "flash_resent_detail",
            step=entry.step,
            names=names or "—",
            by=view.name(entry.person),
            when=view.short(entry.at),
        )
    return asked, text(
        view.lang,
        "flash_cancelled_detail",
        by=view.name(entry.person),
        when=view.short(entry.at),
        reason=entry.note,
    )


@router.get("/proses/{workflow_id}", response_class=HTMLResponse)
async def show_process(
    workflow_id: str, request: Request, signed: SignedInDep, lang: LangDep
) -> Response:
    return await _process_page(request, signed, lang, workflow_id)


async def _act(
    request: Request, signed: SignedIn, lang: Lang, workflow_id: str, kind: str
) -> Response:
    form = await _checked_form(request, signed, lang)
    if form is None:
        return await _process_page(
            request, signed, lang, workflow_id, status_code=403, error=[text(lang, "csrf_failed")]
        )
    who = signed.identity.who
    task_id = _field(form, "task_id", 40)
    values = {
        "assign_person": _field(form, "person", 80),
        "assign_reason": _field(form, "reason", 1000) if kind == "assign" else "",
        "cancel_reason": _field(form, "reason", 1000) if kind == "cancel" else "",
    }
    # The same form sent twice (a double click, a reload) is one update with one answer;
    # the same page sent again with other values is a new request.
    form_id = _field(form, "form_id", 40)
    digest = hashlib.sha256("\n".join((kind, task_id, *values.values())).encode())
    key = f"{form_id}-{digest.hexdigest()[:16]}" if form_id else None

    def refused(code: str, status: int) -> ProcessError:
        return ProcessError(status, code)

    try:
        if kind != "resend" and not signed.identity.is_ops:
            # The workflow would refuse it too; the bureau's forms never offer it.
            raise refused("not_authorised", 403)
        if kind != "cancel" and not is_task_id(task_id):
            raise refused("unknown_task", 409)
        client = await _client(request)
        if kind == "resend":
            await processes.resend(client, workflow_id, ResendRequest(task_id=task_id, by=who), key)
        elif kind == "assign":
            try:
                assignment = Assignment(
                    task_id=task_id,
                    person=values["assign_person"],
                    by=who,
                    reason=values["assign_reason"].strip(),
                )
            except ValidationError:
                raise refused("unknown_person", 422) from None
            await processes.assign(client, workflow_id, assignment, key)
        else:
            reason = values["cancel_reason"].strip()
            if not reason:
                raise refused("reason_required", 422)
            if _field(form, "confirm", 10) != "ya":
                raise refused("confirm_required", 422)
            await processes.cancel(client, workflow_id, CancelRequest(by=who, reason=reason), key)
    except ProcessError as err:
        if err.status == 404:
            return _error_page(request, lang, signed, err)
        return await _process_page(
            request,
            signed,
            lang,
            workflow_id,
            status_code=err.status,
            error=[err.text(lang)],
            values=values,
        )
    log.info("%s: %s by %s", workflow_id, kind, who)
    done = {"resend": "resent", "assign": "assigned", "cancel": "cancelled"}[kind]
    return RedirectResponse(f"/proses/{workflow_id}?ok={done}", status_code=303)


@router.post("/proses/{workflow_id}/kirim-ulang", response_class=HTMLResponse)
async def resend(
    workflow_id: str, request: Request, signed: SignedInDep, lang: LangDep
) -> Response:
    return await _act(request, signed, lang, workflow_id, "resend")


@router.post("/proses/{workflow_id}/tugaskan", response_class=HTMLResponse)
async def assign(
    workflow_id: str, request: Request, signed: SignedInDep, lang: LangDep
) -> Response:
    return await _act(request, signed, lang, workflow_id, "assign")


@router.post("/proses/{workflow_id}/batalkan", response_class=HTMLResponse)
async def cancel(
    workflow_id: str, request: Request, signed: SignedInDep, lang: LangDep
) -> Response:
    return await _act(request, signed, lang, workflow_id, "cancel")


# --- documents and the archive --------------------------------------------------------------


@router.get("/proses/{workflow_id}/dokumen/{sha256}")
async def document(
    workflow_id: str,
    sha256: str,
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
) -> Response:
    try:
        status = await processes.status(await _client(request), workflow_id)
        return document_response(status, sha256, DocumentStore(settings.documents_dir))
    except ProcessError as err:
        return _error_page(request, lang, signed, err)


async def _archived(
    request: Request, workflow_id: str, settings: Settings
) -> tuple[StatusView, Path]:
    status = await processes.status(await _client(request), workflow_id)
    return status, processes.archive_path(settings, status)


@router.get("/proses/{workflow_id}/arsip", response_class=HTMLResponse)
async def archive_page(
    workflow_id: str, request: Request, signed: SignedInDep, lang: LangDep, settings: SettingsDep
) -> Response:
    try:
        status, path = await _archived(request, workflow_id, settings)
    except ProcessError as err:
        return _error_page(request, lang, signed, err)
    # Every file re-hashed: slow for a large bag, so off the event loop.
    valid, problem = await asyncio.to_thread(validate_bag, path)
    files = await asyncio.to_thread(bag_files, path)
    info = status.archive
    assert info is not None  # archive_path refuses a process without one
    return render_page(
        request,
        "bureau/archive.html",
        lang,
        {
            "wid": workflow_id,
            "process": status.process,
            "info": info,
            "created": short_when(info.created_at, lang, settings.timezone),
            "valid": valid,
            "problem": problem or "",
            "files": [
                {"path": f.relative_to(path).as_posix(), "size": f.stat().st_size} for f in files
            ],
        },
        signed=signed,
        nav="list",
    )


@router.get("/proses/{workflow_id}/arsip.zip")
async def archive_zip(
    workflow_id: str, request: Request, signed: SignedInDep, lang: LangDep, settings: SettingsDep
) -> Response:
    try:
        _, path = await _archived(request, workflow_id, settings)
    except ProcessError as err:
        return _error_page(request, lang, signed, err)
    return StreamingResponse(
        iter_zip_bag(path),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{path.name}.zip")},
    )
