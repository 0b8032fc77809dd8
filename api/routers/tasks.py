"""``/t/<token>``: the task page (GET only shows) and the decision (POST from that page)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from temporalio.client import Client

from api.access import (
    TaskAccess,
    check_task,
    decided_entry,
    explain,
    open_task,
    query_status,
    read_link,
)
from api.decisions import Answer, build_decision, http_status, send, with_documents
from api.deps import KeysDep, LangDep, PeopleDep, SettingsDep, StoreDep, get_client
from api.i18n import Lang, refusal, text
from api.nonce import PageNonces, update_id
from api.pages import render
from api.people import People
from api.problems import PageError
from api.result_page import result_page
from api.security import check_same_origin
from api.task_page import FormValues, task_page
from api.uploads import FormReader, Limits, SubmittedForm
from common.links import LinkClaims
from common.settings import Settings

router = APIRouter(tags=["tasks"])
# Decisions are logged by process and task id: never the link, whose token is a secret.
log = logging.getLogger("api.decisions")


@router.get("/t/{token}", response_class=HTMLResponse, summary="The task page of a link")
async def show_task(token: str, request: Request, lang: LangDep, settings: SettingsDep,
                    keys: KeysDep, people: PeopleDep) -> HTMLResponse:
    claims = await read_link(token, keys.signer, request.app.state.temporal, settings, people,
                             lang)
    client = await get_client(request, lang)
    access = await open_task(token, claims, client, settings, people, lang)
    page = task_page(access, lang=lang, settings=settings, people=people,
                     nonce=keys.nonces.make(token))
    return render("task.html", lang, page)


@router.post("/t/{token}", response_class=HTMLResponse, summary="Decide the task of a link")
async def decide_task(token: str, request: Request, lang: LangDep, settings: SettingsDep,
                      keys: KeysDep, people: PeopleDep, store: StoreDep) -> HTMLResponse:
    claims = await read_link(token, keys.signer, request.app.state.temporal, settings, people,
                             lang)
    check_same_origin(request, settings.public_base_url, lang)
    reader = FormReader(store, Limits(settings.max_upload_bytes), lang,
                        lambda nonce: keys.nonces.verify(token, nonce) is not None)
    form = await reader.read(request)
    try:
        random_part = keys.nonces.verify(token, form.first("nonce"))
        if random_part is None:  # the reader checks it as it arrives; this cannot happen
            raise PageError(403, text(lang, "cross_site_title"), [text(lang, "form_stale")])
        decision = build_decision(claims, form, lang)
        # Stored only now that the whole form passed; content-addressed, so a form sent
        # twice stores its files once.
        attachments = await form.commit()
    finally:
        form.discard()
    decision = with_documents(decision, attachments)
    client = await get_client(request, lang)
    answer = await send(client, claims.workflow_id, decision,
                        update_id(claims.task_id, random_part))
    if answer.result is not None:
        log.info("%s %s: %s by %s, next step %s", claims.workflow_id, claims.task_id,
                 answer.result.outcome, claims.person, answer.result.next_step)
        page = result_page(answer.result, lang=lang, settings=settings, people=people)
        return render("result.html", lang, page)
    return await _not_applied(answer, token, claims, form, client, settings, people, keys.nonces,
                              lang)


async def _not_applied(answer: Answer, token: str, claims: LinkClaims, form: SubmittedForm,
                       client: Client, settings: Settings, people: People,
                       nonces: PageNonces, lang: Lang) -> HTMLResponse:
    """Why the decision was not applied, as the workflow said; the status is read only now,
    to say what is current."""
    nothing = text(lang, "nothing_applied")
    if answer.archive_failed is not None:
        # The decision stands: only the archive failed, and ops are told by the workflow.
        raise PageError(200, text(lang, "result_title"), [text(lang, "archive_failed")])
    if answer.pending:
        raise PageError(503, text(lang, "unavailable_title"), [text(lang, "pending")],
                        headers={"Retry-After": "5"})
    status = await query_status(client, claims.workflow_id, lang)
    details = explain(status, claims.task_id, people, settings, lang)
    decided = decided_entry(status, claims.task_id) is not None
    if answer.busy and not decided:
        raise PageError(503, text(lang, "unavailable_title"),
                        [text(lang, "busy"), nothing, text(lang, "resend_safe")],
                        headers={"Retry-After": "2"})
    code = "already_decided" if answer.busy else answer.refusal or "not_running"
    code_status = http_status(code)
    if code_status == 409 and decided:
        # Whatever the workflow named first (a process that has just ended, say), for the
        # reader the truth is that their task was decided, by whom and when.
        raise PageError(409, text(lang, "already_decided_title"),
                        [refusal(lang, "already_decided"), nothing], details=details)
    if code_status == 422:
        # The form broke a rule: show it again, filled in, with the reason on top.
        access = check_task(token, claims, status, settings, people, lang)
        return _form_again(access, form, code, settings, people, nonces, lang)
    title = {409: "link_stale_title", 403: "not_assignee_title",
             503: "unavailable_title"}[code_status]
    raise PageError(code_status, text(lang, title), [refusal(lang, code), nothing],
                    details=details if code_status != 503 else [])


def _form_again(access: TaskAccess, form: SubmittedForm, code: str, settings: Settings,
                people: People, nonces: PageNonces, lang: Lang) -> HTMLResponse:
    values = FormValues(
        note=form.first("note"),
        checklist={k.removeprefix("cl."): v[0] for k, v in form.fields.items()
                   if k.startswith("cl.") and v},
        remarks={k.removeprefix("clr."): v[0] for k, v in form.fields.items()
                 if k.startswith("clr.") and v},
        members=form.all("team_member"),
        leader=form.first("team_leader"),
    )
    error = [refusal(lang, code), text(lang, "nothing_applied")]
    if form.files:
        error.append(text(lang, "files_again"))
    page = task_page(access, lang=lang, settings=settings, people=people,
                     nonce=nonces.make(access.token),
                     values=values, error=error)
    return render("task.html", lang, page, status=422)
