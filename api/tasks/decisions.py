"""From a posted task form to the decision of Update ``decide``.

The workflow is the authority on every rule; the form is only translated. (The update is
sent by ``api.core.gateway.decide``, named after the page nonce: see ``api.core.nonce``.)
"""

from __future__ import annotations

from pydantic import ValidationError

from api.core.i18n import Lang, refusal, text
from api.tasks.uploads import FormRefused, SubmittedForm
from common.formats import NOTE_MAX, REMARK_MAX
from common.links import LinkClaims
from common.models import Action, Attachment, ChecklistAnswer, Decision, Team


def build_decision(claims: LinkClaims, form: SubmittedForm, lang: Lang) -> Decision:
    """The decision the form asks for, without its attachments (added once stored)."""

    def refuse(line: str, field: str = "") -> FormRefused:
        return FormRefused(
            422, text(lang, "refused_title"), [line, text(lang, "nothing_applied")], field=field
        )

    try:
        action = Action(form.first("action"))
    except ValueError:
        raise refuse(refusal(lang, "action_not_allowed")) from None
    note = form.first("note").strip()
    if len(note) > NOTE_MAX:
        raise refuse(text(lang, "note_too_long", n=NOTE_MAX), "note")
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
            raise refuse(refusal(lang, "team_required"), "team") from None
    try:
        return Decision(
            task_id=claims.task_id,
            person=claims.person,
            action=action,
            note=note,
            checklist=checklist,
            team=team,
        )
    except ValidationError:
        raise refuse(text(lang, "bad_form")) from None


def with_documents(decision: Decision, attachments: list[Attachment]) -> Decision:
    return decision.model_copy(update={"documents": attachments})
