"""The rules of deciding, as pure functions over the process record.

Used by the workflow's update validators, its handlers (again, under the lock) and its
signal handlers, so an Update and a Signal are judged by exactly the same code. No I/O:
checks that need the outside world (the document store, the directory) run as activities
in the handlers and report back here as refusals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from common import catalogue
from common.formats import Outcome as DecisionOutcome
from common.models import (
    Action,
    Approval,
    Assignee,
    Attachment,
    CancelRequest,
    Decision,
    Document,
    DocumentRef,
    DocVersion,
    HistoryEvent,
    Mark,
    ProcessRecord,
    ProcessState,
    Promotion,
    StepKind,
    Task,
)
from workflows import sop

# code -> (Bahasa Indonesia, English), in the catalogue of everything people read. The web
# layer shows these to the person who clicked.
REFUSALS = catalogue.REFUSALS

# The Draf IKU is initialled and signed as a PDF (from step 6, where it is first written).
PDF_KINDS = frozenset({"draf_iku"})
PDF = "application/pdf"


class Refusal(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        self.message_id, self.message = REFUSALS[code]
        super().__init__(self.message)


@dataclass(frozen=True)
class Outcome:
    outcome: DecisionOutcome
    from_step: int
    next_step: int | None


_OUTCOME = {
    Action.SUBMIT: DecisionOutcome.SUBMITTED,
    Action.APPROVE: DecisionOutcome.APPROVED,
    Action.RETURN: DecisionOutcome.RETURNED,
    Action.HAND_OVER: DecisionOutcome.HANDED_OVER,
    Action.ARCHIVE: DecisionOutcome.ARCHIVED,
}


# --- who may act -----------------------------------------------------------------------


@dataclass(frozen=True)
class Acting:
    """A decision by an acting official: for whom, as Plh or Plt."""

    for_person: str
    kind: Literal["plh", "plt"]


def acting_for(task: Task, person: str, day: date) -> tuple[bool, Acting | None]:
    """(may act, as whose acting official) — an assignee, or the Plh/Plt of one that day."""
    for assignee in task.assignees:
        if assignee.person == person:
            return True, None
    for assignee in task.assignees:
        deputy = assignee.acting_on(day)
        if deputy is not None and deputy.person == person:
            return True, Acting(assignee.person, deputy.kind)
    return False, None


def may_steer(owners: list[Assignee], ops: list[str], person: str, day: date) -> bool:
    """The Karo (or their acting official that day) and ops identities may cancel and assign."""
    if person in ops:
        return True
    for owner in owners:
        if owner.person == person:
            return True
        deputy = owner.acting_on(day)
        if deputy is not None and deputy.person == person:
            return True
    return False


# --- documents -------------------------------------------------------------------------


def latest(record: ProcessRecord, kind: str) -> Document | None:
    versions = [d for d in record.documents if d.kind == kind]
    return versions[-1] if versions else None


def current_documents(record: ProcessRecord, kinds: tuple[str, ...]) -> list[DocVersion]:
    found = (latest(record, k) for k in kinds)
    return [DocVersion(kind=d.kind, version=d.version, sha256=d.ref.sha256) for d in found if d]


def has_paraf(record: ProcessRecord, step: int, sha256: str) -> bool:
    return step in parafs_carried(record, sha256)


def parafs_carried(record: ProcessRecord, sha256: str) -> set[int]:
    """The paraf steps a version carries: its own marks, and, for a version made by adding
    an electronic paraf to another, that version's too (one signature per version)."""
    lineage = _lineage(record, sha256)
    return {m.step for m in record.marks if m.kind == "paraf" and m.sha256 in lineage}


def _lineage(record: ProcessRecord, sha256: str) -> list[str]:
    """The version and each it was made from by adding a signature, newest first. Kept on
    the documents: a return withdraws the paraf marks, not the fact that the bytes extend."""
    chain: list[str] = []
    current: str | None = sha256
    while current is not None and current not in chain:
        chain.append(current)
        current = next(
            (d.extends for d in record.documents if d.ref.sha256 == current and d.extends),
            None,
        ) or next((m.extends for m in record.marks if m.sha256 == current and m.extends), None)
    return chain


# --- the checks ------------------------------------------------------------------------


def check_task(record: ProcessRecord, task_id: str) -> Task:
    """The current, undecided task named by ``task_id``, or a refusal saying why not."""
    earlier = [h for h in record.history if h.task_id == task_id]
    # "Already decided" is the truthful answer even once the process has ended.
    if any(h.event is HistoryEvent.DECIDED for h in earlier):
        raise Refusal("already_decided")
    if record.state is not ProcessState.RUNNING:
        raise Refusal("not_running")
    task = record.task
    if task is not None and task.id == task_id:
        return task
    if earlier:
        raise Refusal("stale_task")
    raise Refusal("unknown_task" if task is not None else "no_task")


def check_decision(record: ProcessRecord, decision: Decision, day: date) -> Acting | None:
    """Refuse a decision that breaks a rule; return whom the person acts for, if anyone."""
    task = check_task(record, decision.task_id)
    step = sop.step(task.step)
    if decision.via is not None and decision.via not in record.ops_identities:
        raise Refusal("via_not_ops")
    if not task.assignees:
        raise Refusal("unassigned")
    allowed, for_person = acting_for(task, decision.person, day)
    if not allowed:
        raise Refusal("not_assignee")
    if decision.action not in step.actions:
        raise Refusal("action_not_allowed")
    forward = decision.action is not Action.RETURN
    note = decision.note.strip()
    if not forward and not note:
        raise Refusal("note_required")
    if forward and step.approval is Approval.DISPOSISI and not note:
        raise Refusal("disposisi_required")
    if step.kind is StepKind.REVIEW:
        _check_checklist(step, decision)
        if decision.action is Action.APPROVE and _is_own_submission(record, task, step, decision):
            raise Refusal("own_submission")
    _check_attachments(record, step, decision)
    if step.names_team and decision.action is Action.SUBMIT and decision.team is None:
        raise Refusal("team_required")
    if decision.team is not None and not step.names_team:
        raise Refusal("team_not_allowed")
    if step.approval is Approval.SIGNATURE and decision.action is Action.APPROVE:
        assert step.draft is not None
        draft = latest(record, step.draft)
        if draft is None or not all(
            has_paraf(record, s, draft.ref.sha256) for s in sop.PARAF_STEPS
        ):
            raise Refusal("parafs_missing")
    return for_person


def check_signed_approval(record: ProcessRecord, decision: Decision) -> Attachment | None:
    """At the paraf steps (8–10) and the signature step (11) approving is signing: the
    approval must bring the signed version (checked by an activity before it is accepted).
    The attachment to check, or None where this decision signs nothing."""
    task = record.task
    if task is None or decision.action is not Action.APPROVE:
        return None
    step = sop.step(task.step)
    if not step.signs:
        return None
    kinds = {u.kind for u in step.uploads if Action.APPROVE in u.actions}
    attached = next((a for a in decision.documents if a.kind in kinds), None)
    if attached is None:
        raise Refusal("signature_required")
    return attached


def _check_checklist(step: sop.Step, decision: Decision) -> None:
    known = {item.code for item in step.checklist}
    answered = {a.item for a in decision.checklist}
    if answered - known:
        raise Refusal("checklist_unknown_item")
    if answered != known:
        raise Refusal("checklist_incomplete")
    if decision.action is Action.APPROVE and not all(a.ok for a in decision.checklist):
        raise Refusal("checklist_not_met")


def _is_own_submission(
    record: ProcessRecord, task: Task, step: sop.Step, decision: Decision
) -> bool:
    if decision.person == task.entered_by:
        return True
    return any(
        (d := latest(record, kind)) is not None and _author(record, d) == decision.person
        for kind in step.reviewed_kinds
    )


def _author(record: ProcessRecord, document: Document) -> str:
    """Who wrote a version: a version made by adding an electronic paraf to another was
    written by whoever wrote that one, not by the one who initialled it."""
    seen: set[str] = set()
    while document.ref.sha256 not in seen:
        seen.add(document.ref.sha256)
        extends = document.extends or next(
            (m.extends for m in record.marks if m.sha256 == document.ref.sha256 and m.extends),
            None,
        )
        base = next(
            (d for d in record.documents if d.kind == document.kind and d.ref.sha256 == extends),
            None,
        )
        if base is None:
            break
        document = base
    return document.by


def _check_attachments(record: ProcessRecord, step: sop.Step, decision: Decision) -> None:
    uploads = {u.kind: u for u in step.uploads if decision.action in u.actions}
    seen: set[str] = set()
    for attachment in decision.documents:
        upload = uploads.get(attachment.kind)
        if upload is None:
            raise Refusal("attachment_not_allowed")
        if attachment.kind in seen and not upload.multiple:
            raise Refusal("attachment_duplicate")
        if attachment.kind in PDF_KINDS and attachment.ref.media_type != PDF:
            raise Refusal("draft_not_pdf")
        seen.add(attachment.kind)
    for upload in uploads.values():
        # A resubmission may keep a version it already sent; a first one must attach it.
        if upload.required and upload.kind not in seen and latest(record, upload.kind) is None:
            raise Refusal("documents_missing")


def check_steer(record: ProcessRecord, person: str, day: date) -> None:
    # Once the archive decision is taken the process is ending: nothing left to steer.
    archiving = record.next_step is None and record.task is not None and record.task.decided
    if record.state is not ProcessState.RUNNING or archiving:
        raise Refusal("not_running")
    if not may_steer(record.owners, record.ops_identities, person, day):
        raise Refusal("not_authorised")


def check_resend(record: ProcessRecord, person: str, day: date) -> None:
    """Resending a mail changes no decision: the bureau may do it too."""
    if record.state is ProcessState.RUNNING and person in record.bureau_identities:
        return
    check_steer(record, person, day)


def check_cancel(record: ProcessRecord, request: CancelRequest, day: date) -> None:
    check_steer(record, request.by, day)


# --- applying a decision ---------------------------------------------------------------


def apply_decision(
    record: ProcessRecord,
    decision: Decision,
    acting: Acting | None,
    now: datetime,
    extends: str | None = None,
) -> Outcome:
    """Record an accepted decision: documents, marks, team, and where the work goes next.
    ``extends``: the decision's draft is that version plus the approver's electronic paraf
    (checked by the workflow before)."""
    task = record.task
    assert task is not None and task.id == decision.task_id
    step = sop.step(task.step)
    task.decided = True
    signs = decision.action is Action.APPROVE and step.signs
    signed = {u.kind for u in step.uploads if Action.APPROVE in u.actions} if signs else set()
    for attachment in decision.documents:
        _add_version(
            record,
            attachment.kind,
            attachment.ref,
            task,
            decision.person,
            now,
            extends if attachment.kind in signed else None,
        )
    if decision.action is Action.APPROVE:
        _promote(record, step, task, decision.person, now)
        _mark(record, step, task, decision.person, acting, now, extends)
    if decision.action is Action.RETURN:
        _withdraw_parafs(record, step)
    if decision.team is not None:
        record.team = decision.team
    next_step = _next_step(record, step, decision.action)
    if decision.action is Action.RETURN:
        record.round += 1
        record.entered_by = None
    else:
        record.entered_by = decision.person
    record.next_step = next_step
    return Outcome(_OUTCOME[decision.action], step.number, next_step)


def _add_version(
    record: ProcessRecord,
    kind: str,
    ref: DocumentRef,
    task: Task,
    person: str,
    now: datetime,
    extends: str | None = None,
) -> None:
    previous = latest(record, kind)
    record.documents.append(
        Document(
            kind=kind,
            version=(previous.version + 1) if previous else 1,
            ref=ref,
            step=task.step,
            task_id=task.id,
            by=person,
            at=now,
            extends=extends,
        )
    )


def _set_as(
    record: ProcessRecord, kind: str, source: Document, task: Task, person: str, now: datetime
) -> None:
    """The source's bytes become a version of ``kind`` without a new upload: the version
    keeps who uploaded it, when and where, and says whose approval set it as ``kind``."""
    previous = latest(record, kind)
    record.documents.append(
        source.model_copy(
            update={
                "kind": kind,
                "version": (previous.version + 1) if previous else 1,
                "promoted": Promotion(
                    from_kind=source.kind,
                    from_version=source.version,
                    step=task.step,
                    task_id=task.id,
                    by=person,
                    at=now,
                ),
            }
        )
    )


def _promote(record: ProcessRecord, step: sop.Step, task: Task, person: str, now: datetime) -> None:
    """The approved Konsep becomes the Rencana Kerja; the signed draft becomes the IKU."""
    for out_kind, in_kind in step.promotes.items():
        source = latest(record, in_kind)
        target = latest(record, out_kind)
        if source is None:
            continue
        # Only when the source changed since the output was last set (or it never was):
        # an output uploaded explicitly is never overwritten by an older source.
        if target is None or (
            record.documents.index(source) > record.documents.index(target)
            and target.ref.sha256 != source.ref.sha256
        ):
            _set_as(record, out_kind, source, task, person, now)


def _mark(
    record: ProcessRecord,
    step: sop.Step,
    task: Task,
    person: str,
    acting: Acting | None,
    now: datetime,
    extends: str | None = None,
) -> None:
    if not step.signs:
        return
    assert step.draft is not None
    draft = latest(record, step.draft)
    assert draft is not None
    kind = "paraf" if step.approval is Approval.PARAF else "signature"
    # One mark per step and version: initialling the same bytes again replaces the old one.
    record.marks = [
        m for m in record.marks if not (m.step == step.number and m.sha256 == draft.ref.sha256)
    ]
    record.marks.append(
        Mark(
            kind=kind,
            step=step.number,
            task_id=task.id,
            person=person,
            acting_for=acting.for_person if acting else None,
            acting_kind=acting.kind if acting else None,
            document_kind=draft.kind,
            version=draft.version,
            sha256=draft.ref.sha256,
            at=now,
            extends=extends if step.approval is Approval.PARAF else None,
        )
    )


def _withdraw_parafs(record: ProcessRecord, step: sop.Step) -> None:
    """A returned version is found wanting: whoever initialled it must look at it again
    before it goes up. The paraf its author gave with the upload stands: a reviewer who
    made the version vouches for their own text, and may not approve it again."""
    if step.draft is None:
        return
    draft = latest(record, step.draft)
    if draft is None:
        return
    # An electronic paraf is a version of its own that extends the one initialled: the
    # returned version carries every paraf down its chain, and all of them are withdrawn.
    chain = set(_lineage(record, draft.ref.sha256))
    # Who made a version by uploading a new draft (it extends nothing) keeps that paraf.
    authors = {(d.ref.sha256, d.task_id) for d in record.documents if d.kind == draft.kind}
    record.marks = [
        m
        for m in record.marks
        if not (
            m.kind == "paraf"
            and m.sha256 in chain
            and (m.extends is not None or (m.sha256, m.task_id) not in authors)
        )
    ]


def _next_step(record: ProcessRecord, step: sop.Step, action: Action) -> int | None:
    if action is Action.RETURN:
        return step.on_return
    if action is Action.APPROVE and step.approval is Approval.PARAF:
        # One version, all initials: the version goes to the lowest paraf step that has not
        # initialled it, and to the Minister only when all three have.
        assert step.draft is not None
        draft = latest(record, step.draft)
        assert draft is not None
        carried = parafs_carried(record, draft.ref.sha256)
        missing = [s for s in sop.PARAF_STEPS if s not in carried]
        return missing[0] if missing else sop.SIGNATURE_STEP
    return step.next
