"""What an accepted decision writes into the process record, on the record alone (no
Temporal): versions and what they extend, paraf marks and who they were given for, the
Rencana Kerja set from the Konsep, rounds, and who brought the work up."""

from __future__ import annotations

from common.formats import Outcome as DecisionOutcome
from common.models import (
    Action,
    Attachment,
    ChecklistAnswer,
    Decision,
    Deputy,
    ProcessRecord,
)
from tests.test_rules import NOW, TODAY, approve, at_step, ref, with_draft
from workflows import rules, sop

KABAG, KARO, SEKJEN, MENTERI, TEAM = "p-002", "p-003", "p-004", "p-005", "p-006"


def sha(text: str) -> str:
    return ref(text).sha256


def review(
    record: ProcessRecord,
    person: str,
    action: Action,
    documents: list[Attachment] | None = None,
    extends: str | None = None,
) -> rules.Outcome:
    """A reviewer's decision at the current step, checked and applied as the workflow does."""
    assert record.task is not None
    step = record.task.step
    forward = action is not Action.RETURN
    decision = Decision(
        task_id=record.task.id,
        person=person,
        action=action,
        note="Setuju." if forward else "Perbaiki.",
        checklist=[ChecklistAnswer(item=i.code, ok=forward) for i in sop.step(step).checklist],
        documents=documents or [],
    )
    acting = rules.check_decision(record, decision, TODAY)
    return rules.apply_decision(record, decision, acting, NOW, extends)


def initial(record: ProcessRecord, person: str, initialled: str) -> rules.Outcome:
    """An electronic paraf: the approver's version is the current one plus their signature."""
    current = rules.latest(record, "draf_iku")
    assert current is not None
    attached = [Attachment(kind="draf_iku", ref=ref(initialled))]
    return review(record, person, Action.APPROVE, attached, extends=current.ref.sha256)


def submit(record: ProcessRecord, documents: list[Attachment]) -> None:
    """The Kasubbag (p-001) submits the proposal at step 1."""
    assert record.task is not None
    decision = Decision(
        task_id=record.task.id, person="p-001", action=Action.SUBMIT, documents=documents
    )
    rules.apply_decision(record, decision, rules.check_decision(record, decision, TODAY), NOW)


def versions(record: ProcessRecord, kind: str = "draf_iku") -> list[tuple[int, str, str | None]]:
    return [(d.version, d.by, d.extends) for d in record.documents if d.kind == kind]


def test_three_electronic_parafs_make_three_versions_each_extending_the_last():
    record = with_draft("v1")
    at_step(8, KABAG, record=record)
    assert initial(record, KABAG, "v1+kabag") == rules.Outcome(DecisionOutcome.APPROVED, 8, 9)
    at_step(9, KARO, record=record)
    assert initial(record, KARO, "v1+kabag+karo").next_step == 10
    at_step(10, SEKJEN, record=record)
    assert initial(record, SEKJEN, "v1+kabag+karo+sekjen").next_step == 11
    assert versions(record) == [
        (1, TEAM, None),
        (2, KABAG, sha("v1")),
        (3, KARO, sha("v1+kabag")),
        (4, SEKJEN, sha("v1+kabag+karo")),
    ]
    assert [(m.step, m.version, m.extends) for m in record.marks] == [
        (8, 2, sha("v1")),
        (9, 3, sha("v1+kabag")),
        (10, 4, sha("v1+kabag+karo")),
    ]
    assert rules.parafs_carried(record, sha("v1+kabag+karo+sekjen")) == {8, 9, 10}
    assert rules.parafs_carried(record, sha("v1+kabag")) == {8}
    # The Minister signs the last version: it carries all three.
    at_step(11, MENTERI, record=record)
    last = sha("v1+kabag+karo+sekjen")
    signed = [Attachment(kind="iku", ref=ref("signed"))]
    assert review(record, MENTERI, Action.APPROVE, signed, extends=last).next_step == 12
    # The IKU is that version plus the Minister's signature; a paraf mark alone names
    # what its version extends.
    assert versions(record, "iku") == [(1, MENTERI, last)]
    assert record.marks[-1].kind == "signature" and record.marks[-1].extends is None


def test_a_new_draft_uploaded_at_step_10_carries_no_paraf_from_the_versions_before():
    record = with_draft("v1")
    approve(at_step(8, KABAG, record=record), KABAG)  # initialled on v1 itself
    at_step(9, KARO, record=record)
    initial(record, KARO, "v1+karo")
    at_step(10, SEKJEN, record=record)
    rewritten = [Attachment(kind="draf_iku", ref=ref("v3 by the sekjen"))]
    # Only the Sekjen's own paraf is on it: back to the Kabag.
    assert review(record, SEKJEN, Action.APPROVE, rewritten).next_step == 8
    assert rules.parafs_carried(record, sha("v3 by the sekjen")) == {10}


def test_the_kabag_may_approve_again_a_version_he_only_initialled():
    record = with_draft("v1")
    at_step(8, KABAG, record=record)
    initial(record, KABAG, "v1+kabag")
    at_step(9, KARO, record=record)
    assert review(record, KARO, Action.RETURN).next_step == 8
    # Back with the Kabag: v2 is the team's text with his paraf, not his own writing.
    at_step(8, KABAG, record=record)
    assert record.task is not None and record.task.entered_by is None
    assert rules.latest(record, "draf_iku").version == 2  # type: ignore[union-attr]
    assert initial(record, KABAG, "v1+kabag again").next_step == 9


def test_a_return_withdraws_every_electronic_paraf_down_the_chain():
    record = with_draft("v1")
    for step, person in ((8, KABAG), (9, KARO), (10, SEKJEN)):
        at_step(step, person, record=record)
        initial(record, person, f"v1 initialled at {step}")
    at_step(11, MENTERI, record=record)
    assert review(record, MENTERI, Action.RETURN).next_step == 10
    assert record.marks == []
    # The bytes still extend each other: only the marks went.
    assert [extends for _, _, extends in versions(record)][1:] == [
        sha("v1"),
        sha("v1 initialled at 8"),
        sha("v1 initialled at 9"),
    ]


def test_a_paraf_given_by_a_plh_names_whom_it_was_given_for():
    record = with_draft("v1")
    at_step(8, KABAG, record=record)
    assert record.task is not None
    record.task.assignees[0].deputies = [Deputy(person="p-011", kind="plh", start=TODAY, end=TODAY)]
    initial(record, "p-011", "v1+plh")
    mark = record.marks[-1]
    assert (mark.person, mark.acting_for, mark.acting_kind) == ("p-011", KABAG, "plh")
    assert record.entered_by == "p-011"


def test_the_kabag_initials_a_second_version_and_his_paraf_on_the_first_stays_on_record():
    record = with_draft("v1")
    approve(at_step(8, KABAG, record=record), KABAG)
    at_step(9, KARO, record=record)
    v2 = [Attachment(kind="draf_iku", ref=ref("v2"))]
    assert review(record, KARO, Action.APPROVE, v2).next_step == 8
    approve(at_step(8, KABAG, record=record), KABAG)
    assert [(m.step, m.version) for m in record.marks] == [(8, 1), (9, 2), (8, 2)]


def test_the_rencana_kerja_follows_each_konsep_the_kabag_approves():
    record = at_step(1, "p-001")
    proposal = [
        Attachment(kind="konsep_rencana_kerja", ref=ref("konsep 1")),
        Attachment(kind="tor", ref=ref("tor")),
    ]
    submit(record, proposal)
    at_step(2, KABAG, record=record)
    assert review(record, KABAG, Action.RETURN).next_step == 1
    assert (record.round, record.entered_by, record.next_step) == (2, None, 1)
    at_step(1, "p-001", record=record)
    submit(record, [Attachment(kind="konsep_rencana_kerja", ref=ref("konsep 2"))])
    at_step(2, KABAG, record=record)
    assert review(record, KABAG, Action.APPROVE).outcome is DecisionOutcome.APPROVED
    assert record.task is not None and record.task.decided is True
    assert (record.entered_by, record.next_step) == (KABAG, 3)
    at_step(3, KARO, record=record)
    assert review(record, KARO, Action.RETURN).next_step == 2
    at_step(2, KABAG, record=record)
    assert review(record, KABAG, Action.RETURN).next_step == 1
    assert record.round == 4
    at_step(1, "p-001", record=record)
    submit(record, [Attachment(kind="konsep_rencana_kerja", ref=ref("konsep 3"))])
    at_step(2, KABAG, record=record)
    review(record, KABAG, Action.APPROVE)
    # The Rencana Kerja counts its own versions: its first is the Konsep's second.
    rencana = [d for d in record.documents if d.kind == "rencana_kerja"]
    assert [(d.version, d.ref.sha256) for d in rencana] == [
        (1, sha("konsep 2")),
        (2, sha("konsep 3")),
    ]
    assert [(d.promoted.from_version, d.promoted.by) for d in rencana if d.promoted] == [
        (2, KABAG),
        (3, KABAG),
    ]
    # The riwayat entry of a decision names the newest version of each document it concerns.
    looked_at = rules.current_documents(record, ("rencana_kerja", "disposisi", "tor"))
    assert [(d.kind, d.version, d.sha256) for d in looked_at] == [
        ("rencana_kerja", 2, sha("konsep 3")),
        ("tor", 1, sha("tor")),
    ]


def test_a_record_whose_versions_do_not_name_what_they_extend_finds_it_in_the_paraf_marks():
    # Records written before a version named the one it extends (2026-12-01) kept that on
    # the electronic paraf's mark alone; processes running since still read so.
    record = with_draft("v1")
    at_step(8, KABAG, record=record)
    initial(record, KABAG, "v1+kabag")
    at_step(9, KARO, record=record)
    initial(record, KARO, "v1+kabag+karo")
    record.documents = [d.model_copy(update={"extends": None}) for d in record.documents]
    assert rules.parafs_carried(record, sha("v1+kabag+karo")) == {8, 9}
    # A return finds the chain there too, and withdraws both parafs.
    at_step(10, SEKJEN, record=record)
    assert review(record, SEKJEN, Action.RETURN).next_step == 9
    assert record.marks == []


def test_a_refusal_reads_as_its_english_text_in_a_log():
    refusal = rules.Refusal("not_assignee")
    assert str(refusal) == refusal.message == rules.REFUSALS["not_assignee"][1]
    assert refusal.message_id == rules.REFUSALS["not_assignee"][0]
