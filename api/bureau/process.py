"""``/proses/<id>/<run>``: one process (the SOP table, documents, riwayat) and the bureau's actions
on it (resend, assign, cancel). Behind the sign-in; every form carries the session's CSRF
token and must come from our own origin.

Actions answer with the workflow's own verdict: on success a redirect to the process page
(which then shows the riwayat the workflow recorded), on refusal the same page with the
reason on top and what was typed kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from temporalio.client import Client

from api.bureau.forms import checked_form, field, people_options
from api.bureau.render import LangDep, render_page
from api.bureau.urls import process_url, with_query
from api.core import gateway, waiting_mail
from api.core.auth import SignedIn, SignedInDep
from api.core.deps import CalendarDep, ClientDep, PeopleDep, SettingsDep, today
from api.core.gateway import ProcessError
from api.core.i18n import Lang, text
from api.core.i18n_bureau import state_name
from api.core.people import People
from api.core.process_view import View
from api.core.sop_table import build_table
from common.dates import format_date
from common.formats import REASON_MAX, is_task_id
from common.models import (
    Assignment,
    CancelRequest,
    HistoryEvent,
    ProcessState,
    ResendRequest,
    StatusView,
)
from common.settings import Settings
from common.sop_identity import header_line
from common.workcalendar import WorkCalendar
from workflows import sop

router = APIRouter(tags=["bureau"], include_in_schema=False)
log = logging.getLogger("api.bureau")
# The banner an action's redirect asks for (?ok=…), and the riwayat entry that must back it.
_FLASHES = {
    "started": HistoryEvent.STARTED,
    "resent": HistoryEvent.RESENT,
    "assigned": HistoryEvent.ASSIGNED,
    "cancelled": HistoryEvent.CANCELLED,
}
FLASH_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Page:
    """What the process page and its actions need, from the dependencies."""

    request: Request
    signed: SignedIn
    lang: Lang
    settings: Settings
    people: People
    calendar: WorkCalendar
    client: Client


async def _page(
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    people: PeopleDep,
    calendar: CalendarDep,
    client: ClientDep,
) -> Page:
    return Page(request, signed, lang, settings, people, calendar, client)


PageDep = Annotated[Page, Depends(_page)]


async def _process_page(
    page: Page,
    workflow_id: str,
    run: str,
    *,
    error: list[str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, signed, lang = page.request, page.signed, page.lang
    settings, people, calendar = page.settings, page.people, page.calendar
    read = await gateway.run_to_read(page.client, workflow_id, run)
    status, stopped = await asyncio.gather(
        gateway.status(page.client, workflow_id, read),
        gateway.stopped_by_temporal(page.client, workflow_id, read),
    )
    page_url = process_url(workflow_id, run)
    now = today()
    view = View(lang, settings, people, calendar, now)
    flash, flash_detail = _flash(view, status, request.query_params.get("ok"), signed.identity.who)
    running = status.state is ProcessState.RUNNING and not stopped
    task = status.task if running else None
    state = "stopped" if stopped and status.state is ProcessState.RUNNING else status.state.value
    unit = str(sop.SOP_HEADER["unit"]).split(" — ")
    glance = view.glance(status)
    # A holder who left the post: the assign form opens on the role's one new holder.
    role_now = glance["task"]["role_now"] if glance["task"] else []
    suggested = role_now[0]["id"] if len(role_now) == 1 else ""
    return render_page(
        request,
        "bureau/process.html",
        lang,
        {
            "wid": workflow_id,
            "run": run,
            "page_url": page_url,
            "process": status.process,
            "state": state,
            "state_label": state_name(lang, state),
            "glance": glance,
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
            # The SOP's number and dates from the deployment, as every mail's header says.
            "sop_line": header_line(
                status.process.sop_number, settings.sop_approved_on, settings.sop_revised_on, lang
            ),
            "sop_unregistered": header_line("", None, None, lang).removeprefix("No. "),
            "sop_dates": {
                "approved": format_date(settings.sop_approved_on, lang)
                if settings.sop_approved_on
                else "",
                "revised": format_date(settings.sop_revised_on, lang)
                if settings.sop_revised_on
                else "",
            },
            "documents": view.documents(status, page_url),
            "marks": view.marks(status),
            "notices": view.notices(status),
            "mail_waiting": await waiting_mail.rows(
                page.client, workflow_id, lang, settings.timezone
            ),
            "history": view.history(status),
            "team": [
                view.name(p) + (f" ({text(lang, 'leader')})" if p == status.team.leader else "")
                for p in status.team.members
            ]
            if status.team
            else [],
            "archive": status.archive,
            "official_number": status.official_number,
            "archive_when": view.long(status.archive.created_at) if status.archive else "",
            "task": task,
            "people": people_options(people, task.role if task else None),
            "flash": flash,
            "flash_detail": flash_detail,
            "error": error or [],
            "v": {
                "assign_person": suggested,
                "assign_reason": "",
                "cancel_reason": "",
                **(values or {}),
            },
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
async def process_by_id(
    workflow_id: str, request: Request, signed: SignedInDep, client: ClientDep
) -> Response:
    """An address by id alone: sent on to the process's run (307: the id could come to
    name another process, after one Temporal ended)."""
    run = await gateway.current_run(client, workflow_id)
    return RedirectResponse(with_query(process_url(workflow_id, run), request.url), 307)


@router.get("/proses/{workflow_id}/{run_id:uuid}", response_class=HTMLResponse)
async def show_process(workflow_id: str, run_id: uuid.UUID, page: PageDep) -> Response:
    return await _process_page(page, workflow_id, str(run_id))


async def _act(page: Page, workflow_id: str, run: str | None, kind: str) -> Response:
    """``run`` None: a form of an address by id alone (a page from before runs were in
    addresses) acts on the process the id names now."""
    signed, lang = page.signed, page.lang
    form = await checked_form(page.request, signed, lang, page.settings)  # the body first
    if run is None:
        run = await gateway.current_run(page.client, workflow_id)
    # 404 unless the run is this process's; the action then reaches the page's process and
    # no other (not one started since under its id).
    chain = await gateway.chain_of(page.client, workflow_id, run)
    if form is None:
        return await _process_page(
            page, workflow_id, run, status_code=403, error=[text(lang, "csrf_failed")]
        )
    who = signed.identity.who
    task_id = field(form, "task_id", 40)
    values = {
        "assign_person": field(form, "person", 80),
        "assign_reason": field(form, "reason", REASON_MAX) if kind == "assign" else "",
        "cancel_reason": field(form, "reason", REASON_MAX) if kind == "cancel" else "",
    }
    # The same form sent twice (a double click, a reload) is one update with one answer;
    # the same page sent again with other values is a new request.
    form_id = field(form, "form_id", 40)
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
        client = page.client
        if kind == "resend":
            resend = ResendRequest(task_id=task_id, by=who)
            await gateway.resend(client, workflow_id, resend, key, chain)
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
            await gateway.assign(client, workflow_id, assignment, key, chain)
        else:
            reason = values["cancel_reason"].strip()
            if not reason:
                raise refused("reason_required", 422)
            if field(form, "confirm", 10) != "ya":
                raise refused("confirm_required", 422)
            cancel = CancelRequest(by=who, reason=reason)
            await gateway.cancel(client, workflow_id, cancel, key, chain)
    except ProcessError as err:
        if err.status == 404:
            raise  # no page to come back to: api.core.answers words it
        return await _process_page(
            page,
            workflow_id,
            run,
            status_code=err.status,
            error=[err.text(lang)],
            values=values,
        )
    log.info("%s: %s by %s", workflow_id, kind, who)
    done = {"resend": "resent", "assign": "assigned", "cancel": "cancelled"}[kind]
    return RedirectResponse(f"{process_url(workflow_id, run)}?ok={done}", status_code=303)


# Each action by id and run, and by id alone (the forms of pages from before runs were in
# addresses act on the process the id names now).


@router.post("/proses/{workflow_id}/{run_id:uuid}/kirim-ulang", response_class=HTMLResponse)
async def resend_on_run(workflow_id: str, run_id: uuid.UUID, page: PageDep) -> Response:
    return await _act(page, workflow_id, str(run_id), "resend")


@router.post("/proses/{workflow_id}/{run_id:uuid}/tugaskan", response_class=HTMLResponse)
async def assign_on_run(workflow_id: str, run_id: uuid.UUID, page: PageDep) -> Response:
    return await _act(page, workflow_id, str(run_id), "assign")


@router.post("/proses/{workflow_id}/{run_id:uuid}/batalkan", response_class=HTMLResponse)
async def cancel_on_run(workflow_id: str, run_id: uuid.UUID, page: PageDep) -> Response:
    return await _act(page, workflow_id, str(run_id), "cancel")


@router.post("/proses/{workflow_id}/kirim-ulang", response_class=HTMLResponse)
async def resend(workflow_id: str, page: PageDep) -> Response:
    return await _act(page, workflow_id, None, "resend")


@router.post("/proses/{workflow_id}/tugaskan", response_class=HTMLResponse)
async def assign(workflow_id: str, page: PageDep) -> Response:
    return await _act(page, workflow_id, None, "assign")


@router.post("/proses/{workflow_id}/batalkan", response_class=HTMLResponse)
async def cancel(workflow_id: str, page: PageDep) -> Response:
    return await _act(page, workflow_id, None, "cancel")
