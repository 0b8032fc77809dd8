"""From a posted task form to Update ``decide``, and what the workflow answered.

The update's id comes from the page nonce, so the same form sent twice (a double tap, a
reload of the result page) is one update: Temporal hands the second request the first
one's answer. The workflow is the authority on every rule; the form is only translated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.i18n import Lang, refusal, text
from api.problems import PageError
from api.uploads import SubmittedForm
from common.links import LinkClaims
from common.models import Action, Attachment, ChecklistAnswer, Decision, DecisionResult, Team

log = logging.getLogger(__name__)

# An update waits for the next step to be entered (a few local activities): seconds at
# most. Past this the page says "not confirmed yet, reload to send again" (safe: same id).
UPDATE_TIMEOUT = timedelta(seconds=30)
NOTE_MAX = 4000
REMARK_MAX = 1000

# The HTTP status of each refusal code of workflows.rules.REFUSALS.
CONFLICT = frozenset({"already_decided", "stale_task", "not_running", "no_task", "unknown_task",
                      "unassigned"})
FORBIDDEN = frozenset({"not_assignee", "not_authorised"})
RETRY = frozenset({"check_unavailable"})


def http_status(code: str) -> int:
    if code in CONFLICT:
        return 409
    if code in FORBIDDEN:
        return 403
    if code in RETRY:
        return 503
    return 422  # the form breaks a rule: note, checklist, documents, team...


# --- the form -----------------------------------------------------------------------------


def build_decision(claims: LinkClaims, form: SubmittedForm, lang: Lang) -> Decision:
    """The decision the form asks for, without its attachments (added once stored)."""

    def refuse(line: str) -> PageError:
        return PageError(422, text(lang, "refused_title"), [line, text(lang, "nothing_applied")])

    try:
        action = Action(form.first("action"))
    except ValueError:
        raise refuse(refusal(lang, "action_not_allowed")) from None
    note = form.first("note").strip()
    if len(note) > NOTE_MAX:
        raise refuse(text(lang, "note_too_long", n=NOTE_MAX))
    checklist = []
    for name, values in form.fields.items():
        if name.startswith("cl.") and values and values[0] in ("ok", "not_ok"):
            code = name.removeprefix("cl.")
            remark = form.first(f"clr.{code}").strip()[:REMARK_MAX]
            checklist.append(ChecklistAnswer(item=code, ok=values[0] == "ok", remark=remark))
    team = None
    members, leader = form.all("team_member"), form.first("team_leader")
    if members or leader:
        # Choosing a leader names them a member too: one tap fewer, one refusal fewer.
        chosen = list(dict.fromkeys([*members, *([leader] if leader else [])]))
        try:
            team = Team(members=chosen, leader=leader)
        except ValidationError:
            raise refuse(refusal(lang, "team_required")) from None
    try:
        return Decision(task_id=claims.task_id, person=claims.person, action=action, note=note,
                        checklist=checklist, team=team)
    except ValidationError:
        raise refuse(text(lang, "bad_form")) from None


def with_documents(decision: Decision, attachments: list[Attachment]) -> Decision:
    return decision.model_copy(update={"documents": attachments})


# --- the update ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What came back: a result, or a reason it is not one."""

    result: DecisionResult | None = None
    refusal: str | None = None  # a code of workflows.rules.REFUSALS
    busy: bool = False  # RESOURCE_EXHAUSTED: too many updates in flight on this process
    pending: bool = False  # no answer in time; the same form may be sent again
    gone: bool = False  # the process has closed (or never existed)
    archive_failed: str | None = None


async def send(client: Client, workflow_id: str, decision: Decision, update_id: str) -> Answer:
    handle = client.get_workflow_handle(workflow_id)
    try:
        result = await handle.execute_update(
            "decide", decision, id=update_id, result_type=DecisionResult,
            rpc_timeout=UPDATE_TIMEOUT,
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "archive_failed":
            return Answer(archive_failed=cause.message)
        if isinstance(cause, ApplicationError) and cause.type:
            return Answer(refusal=cause.type)
        log.error("decide on %s failed unexpectedly: %s", decision.task_id, type(cause).__name__)
        raise
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        return Answer(pending=True)
    except RPCError as err:
        if err.status == RPCStatusCode.RESOURCE_EXHAUSTED:
            log.info("decide on %s: too many updates in flight", decision.task_id)
            return Answer(busy=True)
        if err.status == RPCStatusCode.NOT_FOUND:
            return Answer(gone=True)
        raise
    return Answer(result=result)
