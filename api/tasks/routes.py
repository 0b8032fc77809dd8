"""``/t/<token>``: the task page (GET only shows) and the decision (POST from that page).

The decision is Update ``decide`` named after the page nonce, so the same form sent twice (a
double tap, a reload of the result page) is one update and gets the first answer. An answer
the workflow's handler gave is kept under that name too: when one may change on a retry (a
check that could not run, a file to choose again), the form comes back with a fresh nonce.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from temporalio.client import Client

from api.core import gateway
from api.core.answers import unknown_link, waiting_page
from api.core.deps import (
    CalendarDep,
    KeysDep,
    LangDep,
    PassphraseThrottleDep,
    PeopleDep,
    SettingsDep,
    StoreDep,
    UploadBudgetDep,
)
from api.core.gateway import ProcessError
from api.core.i18n import Lang, refusal, text
from api.core.nonce import PageNonces, update_id
from api.core.pages import render
from api.core.people import People
from api.core.problems import PageError
from api.core.upload_budget import LinkBudget
from api.tasks.access import (
    CheckedLinkDep,
    TaskAccess,
    TaskClientDep,
    check_task,
    decided_entry,
    explain,
    open_task,
    task_status,
)
from api.tasks.decisions import build_decision, with_documents
from api.tasks.result_page import result_page
from api.tasks.signing import sign_decision, signs
from api.tasks.task_page import FormValues, field_of, task_page
from api.tasks.uploads import FormReader, FormRefused, Limits, StagedFiles, SubmittedForm
from common.formats import is_task_id, step_of
from common.links import LinkClaims
from common.models import Action
from common.settings import Settings
from common.workcalendar import WorkCalendar

router = APIRouter(tags=["tasks"])
# Decisions are logged by process and task id: never the link, whose token is a secret.
log = logging.getLogger("api.tasks.decisions")


@router.get("/t/{token}", response_class=HTMLResponse, summary="The task page of a link")
async def show_task(
    token: str,
    claims: CheckedLinkDep,
    client: TaskClientDep,
    lang: LangDep,
    settings: SettingsDep,
    keys: KeysDep,
    people: PeopleDep,
    calendar: CalendarDep,
) -> HTMLResponse:
    access = await open_task(token, claims, client, settings, people, lang)
    page = task_page(
        access,
        lang=lang,
        settings=settings,
        people=people,
        calendar=calendar,
        nonce=keys.nonces.make(token),
    )
    return render("task.html", lang, page)


@router.post("/t/{token}", response_class=HTMLResponse, summary="Decide the task of a link")
async def decide_task(
    token: str,
    request: Request,
    claims: CheckedLinkDep,
    client: TaskClientDep,
    lang: LangDep,
    settings: SettingsDep,
    keys: KeysDep,
    people: PeopleDep,
    store: StoreDep,
    calendar: CalendarDep,
    budget: UploadBudgetDep,
    passphrases: PassphraseThrottleDep,
) -> HTMLResponse:
    reader = FormReader(
        store,
        Limits(settings.max_upload_bytes),
        lang,
        lambda nonce: keys.nonces.verify(token, nonce),
        LinkBudget(budget, f"{claims.workflow_id}/{claims.task_id}/{claims.person}"),
    )
    answer = _Answer(token, claims, client, settings, people, calendar, keys.nonces, lang)
    try:
        form = await reader.read(request)  # files spooled, not yet stored
    except FormRefused as refused:
        if refused.form is None:
            raise
        refused.field = refused.field or "uploads"  # the reader refuses only files
        return await answer.put_right(refused, refused.form)
    if form.first("cari_tim"):
        form.discard()
        return await answer.searched(form)
    staged: StagedFiles | None = None
    try:
        decision = build_decision(claims, form, lang)
        again = bool(form.files) and await _decided_before(
            token, claims, client, settings, people, lang
        )
        # Staged only now that the whole form passed: the workflow's check finds them, the
        # store keeps them only if it accepts. Content-addressed: a form sent twice stages
        # its files once (the second time they are not sent on at all).
        staged = None if again else await form.stage()
    except FormRefused as refused:
        refused.files_chosen = bool(form.files)
        return await answer.put_right(refused, form)
    finally:
        form.discard()
    attachments = staged.attachments if staged else []
    if not again and decision.action is Action.APPROVE and _may_sign(claims.task_id):
        # At 8–11 the web process signs, with the passphrase typed on the page.
        status = await task_status(client, claims.workflow_id, lang)
        if status.task is not None and status.task.id == claims.task_id:
            assert staged is not None  # staged whenever not sent before
            try:
                attachments = await sign_decision(
                    decision,
                    attachments,
                    form.first("passphrase"),
                    claims=claims,
                    status=status,
                    store=store,
                    settings=settings,
                    people=people,
                    lang=lang,
                    staged=staged,
                    throttle=passphrases,
                )
            except FormRefused as refused:
                await staged.discard()  # not signed: nothing of this form is kept
                refused.files_chosen = bool(form.files)
                return await answer.put_right(refused, form)
            except PageError:
                await staged.discard()
                raise
    try:
        result = await gateway.decide(
            client,
            claims.workflow_id,
            with_documents(decision, attachments),
            exact_id=update_id(claims.task_id, form.nonce),
            wait=settings.decision_wait_seconds,
        )
    except ProcessError as err:
        if staged is not None and not _may_still_apply(err):
            await staged.discard()  # refused: nothing of this form is kept
        return await answer.not_applied(err, form)
    if staged is not None:
        await staged.commit()
    log.info(
        "%s %s: %s by %s, next step %s",
        claims.workflow_id,
        claims.task_id,
        result.outcome,
        claims.person,
        result.next_step,
    )
    page = result_page(result, lang=lang, settings=settings, people=people, calendar=calendar)
    return render("result.html", lang, page)


def _may_sign(task_id: str) -> bool:
    """Whether the task's step signs (8–11), read from its id ("s09-012"): the status is
    asked only then, so a decision at any other step goes on while the worker that would
    answer the status is away (the workflow checks everything itself)."""
    return not is_task_id(task_id) or signs(step_of(task_id))


def _may_still_apply(err: ProcessError) -> bool:
    """No answer yet, or Temporal out of reach mid-request: the decision may yet be (or
    already be) accepted, so its staged files stay where the workflow and readers find
    them. Every other answer is the workflow's refusal."""
    return err.code == "waiting" or (err.code == "unavailable" and not err.new_key)


async def _decided_before(
    token: str, claims: LinkClaims, client: Client, settings: Settings, people: People, lang: Lang
) -> bool:
    """Before a form's files are stored: the page saying why not when the link may not
    decide (its files are never stored), else whether the task is decided already (perhaps
    by this very form, sent again: the update's id tells, and the files need not be stored
    twice). A form without files skips this query: the workflow checks the same."""
    try:
        async with asyncio.timeout(settings.decision_wait_seconds):
            status = await task_status(client, claims.workflow_id, lang)
    except TimeoutError:
        return False  # no worker answers in time: the workflow checks the same when it does
    except PageError as unread:
        if unread.status != 503:
            raise
        return False
    if decided_entry(status, claims.task_id) is not None:
        return True
    try:
        check_task(token, claims, status, settings, people, lang)
    except PageError as refused:
        refused.lines.append(text(lang, "nothing_applied"))
        raise
    return False


@dataclass(frozen=True)
class _Answer:
    """What a posted form is answered with when it is not applied as sent: the form again,
    filled in, or the page saying why not. One per request."""

    token: str
    claims: LinkClaims
    client: Client
    settings: Settings
    people: People
    calendar: WorkCalendar
    nonces: PageNonces
    lang: Lang

    async def not_applied(self, err: ProcessError, form: SubmittedForm) -> HTMLResponse:
        """Why the decision was not applied, as the workflow said; the status is read only
        now, to say what is current."""
        lang, claims = self.lang, self.claims
        nothing = text(lang, "nothing_applied")
        if err.code == "waiting":
            # Taken by Temporal, not yet applied: it will be. The same form again is safe.
            raise waiting_page(lang, err.headers)
        if err.code == "not_found":
            raise unknown_link(lang)
        try:
            status = await task_status(self.client, claims.workflow_id, lang)
        except PageError:
            if err.status != 503:
                # The workflow's answer stands; who decided and what is current would only
                # have been a courtesy (a loser of a race is told "already decided", never
                # that Temporal is away because the status did not come in time).
                title = "already_decided_title" if err.code == "already_decided" else None
                raise _refused(err, lang, title, nothing) from None
            # Temporal is out of reach: nothing reached the process, the same form may follow.
            raise PageError(
                503,
                text(lang, "unavailable_title"),
                [err.text(lang), text(lang, "resend_safe")],
                headers=err.headers,
            ) from None
        details = explain(status, claims.task_id, self.people, self.settings, lang)
        if decided_entry(status, claims.task_id) is not None and err.status in (409, 503):
            # Whatever the workflow named first (a process that has just ended, too many at
            # once), for the reader the truth is that their task was decided, by whom and when.
            raise PageError(
                409,
                text(lang, "already_decided_title"),
                [refusal(lang, "already_decided"), nothing],
                details=details,
            )
        if err.new_key or err.status == 422:
            # The form broke a rule, or the workflow kept an answer a retry may change: the
            # form again, filled in, with the reason on top and a fresh nonce.
            access = check_task(self.token, claims, status, self.settings, self.people, lang)
            lines = [err.text(lang), nothing]
            if form.files:
                lines.append(text(lang, "files_again"))
            return self.form_again(
                access, form, lines, err.status, err.headers, error_field=field_of(err.code)
            )
        if err.status == 503:  # too many at once, or turned away: this task is still open
            raise PageError(
                503,
                text(lang, "unavailable_title"),
                [err.text(lang), nothing, text(lang, "resend_safe")],
                headers=err.headers,
            )
        raise _refused(err, lang, None, nothing, details=details)

    async def put_right(self, refused: FormRefused, form: SubmittedForm) -> HTMLResponse:
        """A refusal the official can put right (a wrong passphrase, a file of the wrong
        kind): the form again, filled in, with the reason on top, while the task is still
        theirs to decide. Without a status in time, the refusal alone, as a page."""
        try:
            async with asyncio.timeout(self.settings.decision_wait_seconds):
                status = await task_status(self.client, self.claims.workflow_id, self.lang)
        except (TimeoutError, PageError):
            raise refused from None
        access = check_task(self.token, self.claims, status, self.settings, self.people, self.lang)
        lines = [refused.title, *refused.lines]
        if refused.files_chosen:
            lines.append(text(self.lang, "files_again"))
        return self.form_again(
            access, form, lines, refused.status, refused.headers, error_field=refused.field
        )

    async def searched(self, form: SubmittedForm) -> HTMLResponse:
        """The team picker's search (no script: the form posts itself): the page again with
        what was typed and ticked, and the people found. Nothing is decided."""
        access = await open_task(
            self.token, self.claims, self.client, self.settings, self.people, self.lang
        )
        lines = [text(self.lang, "files_again")] if form.files else []
        return self.form_again(access, form, lines, 200, {})

    def form_again(
        self,
        access: TaskAccess,
        form: SubmittedForm,
        error: list[str],
        status: int,
        headers: dict[str, str],
        error_field: str = "",
    ) -> HTMLResponse:
        values = FormValues(
            note=form.first("note"),
            checklist={
                k.removeprefix("cl."): v[0]
                for k, v in form.fields.items()
                if k.startswith("cl.") and v
            },
            remarks={
                k.removeprefix("clr."): v[0]
                for k, v in form.fields.items()
                if k.startswith("clr.") and v
            },
            members=form.all("team_member"),
            leader=form.first("team_leader"),
            team_query=form.first("cari"),
        )
        page = task_page(
            access,
            lang=self.lang,
            settings=self.settings,
            people=self.people,
            calendar=self.calendar,
            nonce=self.nonces.make(access.token),
            values=values,
            error=error,
            error_field=error_field,
            refused=status >= 400,
        )
        return render("task.html", self.lang, page, status=status, headers=headers)


def _refused(
    err: ProcessError, lang: Lang, title: str | None, nothing: str, details: Sequence[str] = ()
) -> PageError:
    """The workflow's refusal as the page (409 a task no longer current, 403 not theirs)."""
    title = title or {409: "link_stale_title", 403: "not_assignee_title"}.get(
        err.status, "error_title"
    )
    return PageError(err.status, text(lang, title), [err.text(lang), nothing], details=details)
