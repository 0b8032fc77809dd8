"""Each refusal the rules give, on the record alone (no Temporal): who may decide what,
when, with which documents, and who may steer a process. The scenarios through Temporal
(`test_refusals.py`, `test_steering.py`) show the same refusals reaching a person; these
pin the rule itself, one corner at a time."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from common.models import (
    Action,
    Assignee,
    Attachment,
    CancelRequest,
    ChecklistAnswer,
    Decision,
    Deputy,
    HistoryEntry,
    HistoryEvent,
    ProcessRecord,
    ProcessState,
    Team,
)
from tests.test_rules import NOW, TODAY, approve, at_step, ref, with_draft
from workflows import rules, sop

KARO, OPS, BIRO = "p-003", "ops", "biro"


def refused(record: ProcessRecord, decision: Decision, day: date = TODAY) -> str:
    with pytest.raises(rules.Refusal) as caught:
        acting(record, decision, day)
    return caught.value.code


def acting(record: ProcessRecord, decision: Decision, day: date = TODAY) -> rules.Acting | None:
    """An accepted decision: whom the person acts for, if anyone (a refusal raises)."""
    return rules.check_decision(record, decision, day)


def decision(record: ProcessRecord, person: str, action: Action, **fields: Any) -> Decision:
    assert record.task is not None
    return Decision(task_id=record.task.id, person=person, action=action, **fields)


def checklist(step: int, ok: bool = True) -> list[ChecklistAnswer]:
    return [ChecklistAnswer(item=i.code, ok=ok) for i in sop.step(step).checklist]


def proposal() -> list[Attachment]:
    return [
        Attachment(kind="konsep_rencana_kerja", ref=ref("konsep")),
        Attachment(kind="tor", ref=ref("tor")),
    ]


def submitted_proposal() -> ProcessRecord:
    """The Kasubbag (p-001) submitted the proposal; the Kabag (p-002) holds step 2."""
    record = at_step(1, "p-001")
    rules.apply_decision(
        record, decision(record, "p-001", Action.SUBMIT, documents=proposal()), None, NOW
    )
    return at_step(2, "p-002", record=record)


def decided(record: ProcessRecord, task_id: str) -> None:
    record.history.append(
        HistoryEntry(
            seq=len(record.history) + 1, at=NOW, event=HistoryEvent.DECIDED, task_id=task_id
        )
    )


# --- the task a decision names ------------------------------------------------------------


def test_a_second_click_on_a_decided_task_is_told_it_was_already_decided_even_after_the_end():
    record = at_step(1, "p-001")
    assert record.task is not None
    assert rules.check_task(record, record.task.id) is record.task
    decided(record, record.task.id)
    with pytest.raises(rules.Refusal) as caught:
        rules.check_task(record, record.task.id)
    assert caught.value.code == "already_decided"
    record.state = ProcessState.ARCHIVED
    with pytest.raises(rules.Refusal) as caught:
        rules.check_task(record, record.task.id)
    assert caught.value.code == "already_decided"


def test_a_cancelled_process_takes_no_decision():
    record = at_step(1, "p-001")
    record.state = ProcessState.CANCELLED
    assert refused(record, decision(record, "p-001", Action.SUBMIT, documents=proposal())) == (
        "not_running"
    )


def test_a_link_to_an_earlier_task_is_stale_and_one_never_made_is_unknown():
    record = submitted_proposal()
    first = "s01-001"
    record.history.append(
        HistoryEntry(seq=1, at=NOW, event=HistoryEvent.ENTERED, task_id=first, step=1)
    )
    with pytest.raises(rules.Refusal) as caught:
        rules.check_task(record, first)
    assert caught.value.code == "stale_task"
    with pytest.raises(rules.Refusal) as caught:
        rules.check_task(record, "s09-999")
    assert caught.value.code == "unknown_task"
    record.task = None
    with pytest.raises(rules.Refusal) as caught:
        rules.check_task(record, "s09-999")
    assert caught.value.code == "no_task"


# --- who decides ---------------------------------------------------------------------------


def test_only_the_kabag_or_their_acting_official_decides_at_step_2():
    record = submitted_proposal()
    approve_2 = dict(note="Setuju", checklist=checklist(2))
    assert refused(record, decision(record, "p-003", Action.APPROVE, **approve_2)) == (
        "not_assignee"
    )
    assert record.task is not None
    record.task.assignees[0].deputies = [Deputy(person="p-011", kind="plh", start=TODAY, end=TODAY)]
    deputy = decision(record, "p-011", Action.APPROVE, **approve_2)
    assert acting(record, deputy) == rules.Acting("p-002", "plh")
    late = date(2027, 2, 4)
    assert refused(record, decision(record, "p-011", Action.APPROVE, **approve_2), late) == (
        "not_assignee"
    )


def test_a_task_nobody_holds_takes_no_decision_until_ops_assign_it():
    record = at_step(1)
    assert refused(record, decision(record, "p-001", Action.SUBMIT, documents=proposal())) == (
        "unassigned"
    )


def test_only_an_ops_identity_may_enter_a_decision_for_someone_else():
    record = at_step(1, "p-001")
    record.ops_identities = [OPS]
    entered = decision(record, "p-001", Action.SUBMIT, documents=proposal(), via="p-009")
    assert refused(record, entered) == "via_not_ops"
    ops = decision(record, "p-001", Action.SUBMIT, documents=proposal(), via=OPS)
    assert acting(record, ops) is None


def test_the_kasubbag_submits_and_cannot_approve_his_own_proposal():
    record = at_step(1, "p-001")
    assert refused(record, decision(record, "p-001", Action.APPROVE, note="ok")) == (
        "action_not_allowed"
    )


# --- notes and checklists --------------------------------------------------------------------


def test_the_kabag_returns_the_proposal_only_with_a_note_saying_what_to_revise():
    record = submitted_proposal()
    blank = decision(record, "p-002", Action.RETURN, note="   ", checklist=checklist(2, ok=False))
    assert refused(record, blank) == "note_required"
    said = decision(
        record, "p-002", Action.RETURN, note="Lengkapi TOR.", checklist=checklist(2, ok=False)
    )
    assert acting(record, said) is None


def test_the_kabag_forwards_the_proposal_only_with_a_disposisi_for_the_karo():
    record = submitted_proposal()
    silent = decision(record, "p-002", Action.APPROVE, note=" ", checklist=checklist(2))
    assert refused(record, silent) == "disposisi_required"


def test_a_review_answers_every_item_of_its_checklist_and_no_other():
    record = submitted_proposal()
    answers = checklist(2)
    partial = decision(record, "p-002", Action.APPROVE, note="Setuju", checklist=answers[:-1])
    assert refused(record, partial) == "checklist_incomplete"
    extra = [*answers, ChecklistAnswer(item="tidak_ada", ok=True)]
    unknown = decision(record, "p-002", Action.APPROVE, note="Setuju", checklist=extra)
    assert refused(record, unknown) == "checklist_unknown_item"


def test_the_kabag_approves_only_when_every_item_is_met_and_may_return_when_one_is_not():
    record = submitted_proposal()
    answers = checklist(2)
    answers[0] = ChecklistAnswer(item=answers[0].item, ok=False)
    unmet = decision(record, "p-002", Action.APPROVE, note="Setuju", checklist=answers)
    assert refused(record, unmet) == "checklist_not_met"
    back = decision(record, "p-002", Action.RETURN, note="Perbaiki.", checklist=answers)
    assert acting(record, back) is None


def test_the_official_who_brought_the_work_up_may_not_approve_it_as_its_reviewer():
    record = submitted_proposal()
    assert record.task is not None
    record.task.assignees.append(Assignee(person="p-001"))  # acting as Kabag as well
    own = decision(record, "p-001", Action.APPROVE, note="Setuju", checklist=checklist(2))
    assert refused(record, own) == "own_submission"
    # Returning it is not approving it: allowed.
    back = decision(record, "p-001", Action.RETURN, note="Tarik.", checklist=checklist(2, ok=False))
    assert acting(record, back) is None


def test_the_kabag_who_made_a_version_may_not_approve_it_when_it_comes_back_to_him():
    record = with_draft("v1")
    # The Kabag makes v2 and initials it; the Karo returns it to him.
    assert approve(at_step(8, "p-002", record=record), "p-002", draft="v2").next_step == 9
    at_step(9, KARO, record=record)
    back = decision(record, KARO, Action.RETURN, note="Perbaiki.", checklist=checklist(9, ok=False))
    rules.apply_decision(record, back, None, NOW)
    at_step(8, "p-002", record=record)
    assert record.task is not None and record.task.entered_by is None
    own = decision(record, "p-002", Action.APPROVE, note="ok", checklist=checklist(8))
    assert refused(record, own) == "own_submission"


# --- documents -------------------------------------------------------------------------------


def test_the_kasubbag_submits_the_proposal_only_with_the_konsep_and_the_tor():
    record = at_step(1, "p-001")
    only_konsep = proposal()[:1]
    assert refused(record, decision(record, "p-001", Action.SUBMIT, documents=only_konsep)) == (
        "documents_missing"
    )
    twice = proposal() + proposal()[:1]
    assert refused(record, decision(record, "p-001", Action.SUBMIT, documents=twice)) == (
        "attachment_duplicate"
    )
    stray = [*proposal(), Attachment(kind="draf_iku", ref=ref("draf"))]
    assert refused(record, decision(record, "p-001", Action.SUBMIT, documents=stray)) == (
        "attachment_not_allowed"
    )


def test_the_kasubbag_resubmitting_after_a_return_may_keep_the_tor_already_sent():
    record = submitted_proposal()
    back = decision(
        record, "p-002", Action.RETURN, note="Perbaiki konsep.", checklist=checklist(2, ok=False)
    )
    rules.apply_decision(record, back, None, NOW)
    at_step(1, "p-001", record=record)
    again = [Attachment(kind="konsep_rencana_kerja", ref=ref("konsep v2"))]
    assert acting(record, decision(record, "p-001", Action.SUBMIT, documents=again)) is None


def test_the_team_may_send_many_materials_with_one_draft():
    record = at_step(6, "p-006")
    documents = [Attachment(kind="draf_iku", ref=ref("draf"))] + [
        Attachment(kind="bahan", ref=ref(f"bahan {n}")) for n in range(3)
    ]
    assert acting(record, decision(record, "p-006", Action.SUBMIT, documents=documents)) is None


# --- the team, the paraf and the signature -----------------------------------------------------


def test_the_kasubbag_names_the_team_at_step_5_and_nowhere_else():
    record = at_step(5, "p-001")
    sk = [Attachment(kind="sk_tim", ref=ref("sk tim"))]
    assert refused(record, decision(record, "p-001", Action.SUBMIT, documents=sk)) == (
        "team_required"
    )
    team = Team(members=["p-006", "p-007"], leader="p-006")
    named = decision(record, "p-001", Action.SUBMIT, documents=sk, team=team)
    assert acting(record, named) is None
    rules.apply_decision(record, named, None, NOW)
    assert record.team == team
    at_step(1, "p-001", record=record)
    stray = decision(record, "p-001", Action.SUBMIT, documents=proposal(), team=team)
    assert refused(record, stray) == "team_not_allowed"


def test_approving_at_a_paraf_step_must_bring_the_initialled_version():
    record = with_draft("v1")
    at_step(8, "p-002", record=record)
    bare = decision(record, "p-002", Action.APPROVE, note="ok", checklist=checklist(8))
    with pytest.raises(rules.Refusal) as caught:
        rules.check_signed_approval(record, bare)
    assert caught.value.code == "signature_required"
    initialled = bare.model_copy(
        update={"documents": [Attachment(kind="draf_iku", ref=ref("v1 + paraf"))]}
    )
    assert rules.check_signed_approval(record, initialled) == initialled.documents[0]
    # Returning signs nothing, and neither does approving where nothing is initialled.
    back = decision(
        record, "p-002", Action.RETURN, note="Perbaiki.", checklist=checklist(8, ok=False)
    )
    assert rules.check_signed_approval(record, back) is None
    at_step(7, "p-001", record=record)
    review = decision(record, "p-001", Action.APPROVE, note="ok", checklist=checklist(7))
    assert rules.check_signed_approval(record, review) is None


def test_the_minister_signs_the_version_all_three_initialled():
    record = with_draft("v1")
    for number, person in ((8, "p-002"), (9, "p-003"), (10, "p-004")):
        approve(at_step(number, person, record=record), person)
    at_step(11, "p-005", record=record)
    signing = decision(record, "p-005", Action.APPROVE, note="ok", checklist=checklist(11))
    assert acting(record, signing) is None
    # The Sekjen's paraf withdrawn (say, by a return he did not see): the Minister waits.
    record.marks = [m for m in record.marks if m.step != 10]
    assert refused(record, signing) == "parafs_missing"


# --- steering: cancel, assign, resend ------------------------------------------------------------


def steered() -> ProcessRecord:
    record = at_step(7, "p-001")
    record.owners = [
        Assignee(
            person=KARO,
            deputies=[Deputy(person="p-012", kind="plt", start=TODAY, end=TODAY)],
        )
    ]
    record.ops_identities = [OPS]
    record.bureau_identities = [BIRO]
    return record


def steer_code(record: ProcessRecord, person: str, day: date = TODAY) -> str | None:
    try:
        rules.check_steer(record, person, day)
    except rules.Refusal as refusal:
        return refusal.code
    return None


def test_the_karo_their_acting_official_and_ops_may_steer_a_process_and_nobody_else():
    record = steered()
    assert steer_code(record, KARO) is None
    assert steer_code(record, OPS) is None
    assert steer_code(record, "p-012") is None
    assert steer_code(record, "p-012", date(2027, 2, 4)) == "not_authorised"
    assert steer_code(record, "p-001") == "not_authorised"
    assert steer_code(record, BIRO) == "not_authorised"


def test_nothing_is_steered_once_the_process_ended_or_its_archive_was_decided():
    record = steered()
    record.state = ProcessState.ARCHIVED
    assert steer_code(record, KARO) == "not_running"
    record = steered()
    at_step(16, "p-010", record=record)
    assert record.task is not None
    record.next_step = None
    assert steer_code(record, KARO) is None  # the archive step still waits
    record.task.decided = True
    assert steer_code(record, KARO) == "not_running"


def test_the_bureau_may_ask_for_a_mail_again_but_not_cancel():
    record = steered()
    rules.check_resend(record, BIRO, TODAY)
    rules.check_resend(record, KARO, TODAY)
    with pytest.raises(rules.Refusal) as caught:
        rules.check_cancel(record, CancelRequest(by=BIRO, reason="Salah tahun."), TODAY)
    assert caught.value.code == "not_authorised"
    rules.check_cancel(record, CancelRequest(by=KARO, reason="Salah tahun."), TODAY)
    with pytest.raises(rules.Refusal) as caught:
        rules.check_resend(record, "p-001", TODAY)
    assert caught.value.code == "not_authorised"
    record.state = ProcessState.CANCELLED
    with pytest.raises(rules.Refusal) as caught:
        rules.check_resend(record, BIRO, TODAY)
    assert caught.value.code == "not_running"
