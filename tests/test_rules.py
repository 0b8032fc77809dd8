"""The rules of deciding, on the record alone (no Temporal): fast checks of the corners."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from common.models import (
    Action,
    Approval,
    Assignee,
    Attachment,
    ChecklistAnswer,
    Decision,
    Deputy,
    DocumentRef,
    ProcessRecord,
    Task,
)
from workflows import rules, sop

NOW = datetime(2027, 2, 3, 3, 0, tzinfo=UTC)
TODAY = date(2027, 2, 3)


def ref(text: str) -> DocumentRef:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return DocumentRef(
        key=f"sha256/{digest}",
        sha256=digest,
        size=len(text),
        name="x.pdf",
        media_type="application/pdf",
    )


def at_step(number: int, *people: str, record: ProcessRecord | None = None) -> ProcessRecord:
    record = record or ProcessRecord(started_at=NOW)
    record.task_seq += 1
    record.task = Task(
        id=f"s{number:02d}-{record.task_seq:03d}",
        step=number,
        round=record.round,
        role=sop.step(number).role,
        assignees=[Assignee(person=p) for p in people],
        entered_at=NOW,
        entered_by=record.entered_by,
    )
    return record


def approve(record: ProcessRecord, person: str, draft: str | None = None) -> rules.Outcome:
    assert record.task is not None
    step = sop.step(record.task.step)
    decision = Decision(
        task_id=record.task.id,
        person=person,
        action=Action.APPROVE,
        note="ok",
        checklist=[ChecklistAnswer(item=i.code, ok=True) for i in step.checklist],
        documents=[Attachment(kind="draf_iku", ref=ref(draft))] if draft else [],
    )
    acting = rules.check_decision(record, decision, TODAY)
    return rules.apply_decision(record, decision, acting, NOW)


def with_draft(text: str) -> ProcessRecord:
    record = at_step(6, "p-006")
    rules.apply_decision(
        record,
        Decision(
            task_id=record.task.id,
            person="p-006",
            action=Action.SUBMIT,  # type: ignore[union-attr]
            documents=[Attachment(kind="draf_iku", ref=ref(text))],
        ),
        None,
        NOW,
    )
    return record


def test_initials_go_up_one_step_at_a_time_then_to_the_minister():
    record = with_draft("v1")
    assert approve(at_step(7, "p-001", record=record), "p-001").next_step == 8
    assert approve(at_step(8, "p-002", record=record), "p-002").next_step == 9
    assert approve(at_step(9, "p-003", record=record), "p-003").next_step == 10
    assert approve(at_step(10, "p-004", record=record), "p-004").next_step == 11
    assert approve(at_step(11, "p-005", record=record), "p-005").next_step == 12
    assert [m.kind for m in record.marks] == ["paraf"] * 3 + ["signature"]


def test_a_version_made_at_step_10_needs_the_kabag_and_the_karo_again():
    record = with_draft("v1")
    for number, person in ((8, "p-002"), (9, "p-003")):
        approve(at_step(number, person, record=record), person)
    assert approve(at_step(10, "p-004", record=record), "p-004", draft="v2").next_step == 8
    assert approve(at_step(8, "p-002", record=record), "p-002").next_step == 9
    # The Sekjen initialled v2 when he made it: from the Karo it goes to the Minister.
    assert approve(at_step(9, "p-003", record=record), "p-003").next_step == 11


def test_the_minister_cannot_sign_a_version_without_all_three_initials():
    record = with_draft("v1")
    approve(at_step(8, "p-002", record=record), "p-002")
    at_step(11, "p-005", record=record)
    with pytest.raises(rules.Refusal) as refused:
        approve(record, "p-005")
    assert refused.value.code == "parafs_missing"


def test_an_uploaded_rencana_kerja_is_not_overwritten_by_the_konsep():
    record = at_step(1, "p-001")
    rules.apply_decision(
        record,
        Decision(
            task_id=record.task.id,
            person="p-001",
            action=Action.SUBMIT,  # type: ignore[union-attr]
            documents=[
                Attachment(kind="konsep_rencana_kerja", ref=ref("konsep")),
                Attachment(kind="tor", ref=ref("tor")),
            ],
        ),
        None,
        NOW,
    )
    at_step(2, "p-002", record=record)
    decision = Decision(
        task_id=record.task.id,
        person="p-002",
        action=Action.APPROVE,  # type: ignore[union-attr]
        note="Setuju",
        checklist=[ChecklistAnswer(item=i.code, ok=True) for i in sop.step(2).checklist],
        documents=[Attachment(kind="rencana_kerja", ref=ref("rencana kerja final"))],
    )
    rules.apply_decision(record, decision, rules.check_decision(record, decision, TODAY), NOW)
    rencana = rules.latest(record, "rencana_kerja")
    assert rencana is not None and rencana.ref == ref("rencana kerja final")
    assert [d.kind for d in record.documents].count("rencana_kerja") == 1


def test_an_acting_official_may_act_only_within_their_dates():
    record = at_step(2, "p-002")
    assert record.task is not None
    record.task.assignees[0].deputies = [
        Deputy(person="p-011", kind="plt", start=date(2027, 2, 1), end=date(2027, 2, 12))
    ]
    assert rules.acting_for(record.task, "p-011", TODAY) == (True, rules.Acting("p-002", "plt"))
    assert rules.acting_for(record.task, "p-011", date(2027, 2, 13)) == (False, None)
    assert rules.acting_for(record.task, "p-002", TODAY) == (True, None)


def test_the_team_submits_the_draft_as_a_word_file_and_is_told_it_must_be_a_pdf():
    record = at_step(6, "p-006")
    word = ref("Draf IKU").model_copy(
        update={
            "name": "draf.docx",
            "media_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    )
    decision = Decision(
        task_id=record.task.id,  # type: ignore[union-attr]
        person="p-006",
        action=Action.SUBMIT,
        documents=[Attachment(kind="draf_iku", ref=word)],
    )
    with pytest.raises(rules.Refusal) as refused:
        rules.check_decision(record, decision, TODAY)
    assert refused.value.code == "draft_not_pdf"
    assert "PDF" in refused.value.message_id


def test_every_refusal_has_an_english_and_an_indonesian_text():
    for code, (indonesian, english) in rules.REFUSALS.items():
        assert english and indonesian and english != indonesian, code


def test_the_signed_draft_becomes_the_iku_and_keeps_its_uploader():
    record = with_draft("v1")
    for number, person in ((7, "p-001"), (8, "p-002"), (9, "p-003"), (10, "p-004")):
        approve(at_step(number, person, record=record), person)
    approve(at_step(11, "p-005", record=record), "p-005")
    draft, iku = rules.latest(record, "draf_iku"), rules.latest(record, "iku")
    assert draft is not None and iku is not None
    # The bytes the team leader uploaded at step 6, set as the IKU by the Minister at 11.
    assert iku.ref == draft.ref and (iku.by, iku.step, iku.at) == ("p-006", 6, NOW)
    assert iku.promoted is not None
    assert (iku.promoted.step, iku.promoted.by) == (11, "p-005")
    assert (iku.promoted.from_kind, iku.promoted.from_version) == ("draf_iku", 1)
    assert draft.promoted is None


def test_a_return_withdraws_every_paraf_on_the_returned_version():
    record = with_draft("v1")
    approve(at_step(8, "p-002", record=record), "p-002")
    approve(at_step(9, "p-003", record=record), "p-003")
    assert [m.step for m in record.marks] == [8, 9]
    at_step(10, "p-004", record=record)
    decision = Decision(
        task_id=record.task.id,  # type: ignore[union-attr]
        person="p-004",
        action=Action.RETURN,
        note="Perbaiki target.",
        checklist=[ChecklistAnswer(item=i.code, ok=False) for i in sop.step(10).checklist],
    )
    rules.apply_decision(record, decision, rules.check_decision(record, decision, TODAY), NOW)
    assert record.marks == []


def test_a_karo_who_made_the_returned_version_keeps_his_paraf_on_it():
    record = with_draft("v1")
    approve(at_step(8, "p-002", record=record), "p-002")
    # The Karo makes v2 and initials it with the upload.
    assert approve(at_step(9, "p-003", record=record), "p-003", draft="v2").next_step == 8
    approve(at_step(8, "p-002", record=record), "p-002")
    approve(at_step(10, "p-004", record=record), "p-004")
    at_step(11, "p-005", record=record)
    decision = Decision(
        task_id=record.task.id,  # type: ignore[union-attr]
        person="p-005",
        action=Action.RETURN,
        note="Perjelas target.",
        checklist=[ChecklistAnswer(item=i.code, ok=False) for i in sop.step(11).checklist],
    )
    rules.apply_decision(record, decision, rules.check_decision(record, decision, TODAY), NOW)
    # The Kabag and the Sekjen must initial v2 again; the Karo, its author, may not
    # approve it again and need not.
    v2 = rules.latest(record, "draf_iku")
    assert v2 is not None and v2.by == "p-003"
    assert [m.step for m in record.marks if m.sha256 == v2.ref.sha256] == [9]
    assert approve(at_step(10, "p-004", record=record), "p-004").next_step == 8
    assert approve(at_step(8, "p-002", record=record), "p-002").next_step == 11


def test_every_step_that_initials_or_signs_names_its_draft():
    for step in sop.STEPS:
        if step.approval in (Approval.PARAF, Approval.SIGNATURE):
            assert step.draft is not None and step.draft in sop.DOC_KINDS, step.number
