"""Every decision the SOP does not allow is refused with a reason, and changes nothing."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from common.models import (
    Action,
    Assignment,
    Attachment,
    CancelRequest,
    Decision,
    DocumentRef,
    HistoryEvent,
    ProcessState,
    Team,
)
from tests.scenario import (
    KABAG,
    KARO,
    KASUBAG,
    SEKJEN,
    STAF_LAIN,
    TIM_ANGGOTA,
    TIM_KETUA,
    Scenario,
)
from workflows.iku import IkuWorkflow


async def refused(p: Scenario, person: str, action: Action, **kwargs: object) -> str:
    """Send a decision that must be refused; return the refusal code, check nothing moved."""
    before = await p.status()
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.decide(person, action, **kwargs)
    after = await p.status()
    assert after.task == before.task and after.history == before.history
    assert after.documents == before.documents
    return caught.value.cause.type  # type: ignore[union-attr]


@pytest.fixture
async def p(ts_env: WorkflowEnvironment, ts_worker, settings) -> Scenario:
    return await Scenario(ts_env.client, settings).start()


async def test_a_decision_on_an_unknown_task_is_refused(p: Scenario):
    assert await refused(p, KASUBAG, Action.SUBMIT, task_id="s99-999") == "unknown_task"


async def test_a_decision_on_an_earlier_task_is_refused_as_already_decided(p: Scenario):
    first = (await p.task()).id
    await p.do_step()
    assert await refused(p, KABAG, Action.APPROVE, task_id=first) == "already_decided"


async def test_someone_who_is_neither_assignee_nor_acting_official_is_refused(p: Scenario):
    assert await refused(p, KABAG, Action.SUBMIT) == "not_assignee"


async def test_the_kasubag_cannot_approve_her_own_proposal(p: Scenario):
    await p.do_step()  # the Kasubag submits the proposal
    task = await p.task()
    # Ops give the Kabag's review to the Kasubag (say, as acting Kabag) …
    await p.handle.execute_update(
        IkuWorkflow.assign,
        Assignment(task_id=task.id, person=KASUBAG, by="ops", reason="Kabag cuti"),
    )
    # … but she cannot approve what she submitted herself.
    assert await refused(p, KASUBAG, Action.APPROVE, note="Setuju") == "own_submission"


async def test_the_team_member_who_wrote_the_draft_cannot_initial_it_when_given_step_8(
    p: Scenario,
):
    # The team leader writes the draft; the Kasubbag reviews it and passes it up.
    await p.walk_to(8)
    status = await p.status()
    (draft,) = [d for d in status.documents if d.kind == "draf_iku"]
    assert draft.by == TIM_KETUA
    task = await p.task()
    # Ops give the Kabag's paraf to the team leader (say, as acting Kabag) …
    await p.handle.execute_update(
        IkuWorkflow.assign,
        Assignment(task_id=task.id, person=TIM_KETUA, by="ops", reason="Kabag dinas luar"),
    )
    # … who did not pass the work up, but wrote the version under review.
    assert await refused(p, TIM_KETUA, Action.APPROVE) == "own_submission"
    # Returning it is still theirs to do.
    assert (await p.return_(TIM_KETUA, "Perlu ditinjau pejabat lain.")).outcome == "returned"


async def test_an_action_the_step_does_not_allow_is_refused(p: Scenario):
    assert await refused(p, KASUBAG, Action.APPROVE) == "action_not_allowed"
    assert await refused(p, KASUBAG, Action.RETURN, note="x") == "action_not_allowed"


async def test_a_return_without_a_note_is_refused(p: Scenario):
    await p.walk_to(2)
    assert await refused(p, KABAG, Action.RETURN, note="  ") == "note_required"


async def test_approving_the_proposal_without_a_disposisi_is_refused(p: Scenario):
    await p.walk_to(2)
    assert await refused(p, KABAG, Action.APPROVE, note="") == "disposisi_required"


async def test_a_submit_without_its_required_documents_is_refused(p: Scenario):
    tor = p.document("tor")
    code = await refused(p, KASUBAG, Action.SUBMIT, documents=[tor])
    assert code == "documents_missing"


async def test_a_reference_the_store_does_not_hold_with_that_sha256_is_refused(p: Scenario):
    real = p.document("konsep_rencana_kerja")
    digest = hashlib.sha256(b"never stored").hexdigest()
    ghost = Attachment(
        kind="tor",
        ref=DocumentRef(
            key=f"sha256/{digest}",
            sha256=digest,
            size=12,
            name="tor.pdf",
            media_type="application/pdf",
        ),
    )
    assert await refused(p, KASUBAG, Action.SUBMIT, documents=[real, ghost]) == (
        "document_not_in_store"
    )
    # A real file whose size was misreported is not "held with that sha256" either.
    lying = Attachment(kind="tor", ref=real.ref.model_copy(update={"size": real.ref.size + 1}))
    assert await refused(p, KASUBAG, Action.SUBMIT, documents=[real, lying]) == (
        "document_not_in_store"
    )


async def test_attachments_the_step_does_not_produce_are_refused(p: Scenario):
    docs = [p.document("konsep_rencana_kerja"), p.document("tor"), p.document("iku")]
    assert await refused(p, KASUBAG, Action.SUBMIT, documents=docs) == "attachment_not_allowed"
    twice = [p.document("konsep_rencana_kerja"), p.document("tor"), p.document("tor")]
    assert await refused(p, KASUBAG, Action.SUBMIT, documents=twice) == "attachment_duplicate"


async def test_the_review_checklist_must_be_complete_and_met_to_approve(p: Scenario):
    await p.walk_to(2)
    incomplete = {"kelengkapan": True}
    assert await refused(p, KABAG, Action.APPROVE, note="Setuju", checklist=incomplete) == (
        "checklist_incomplete"
    )
    unknown = {"kelengkapan": True, "selaras_renstra": True, "tor_memadai": True, "x": True}
    assert await refused(p, KABAG, Action.APPROVE, note="Setuju", checklist=unknown) == (
        "checklist_unknown_item"
    )
    unmet = {"kelengkapan": True, "selaras_renstra": False, "tor_memadai": True}
    assert await refused(p, KABAG, Action.APPROVE, note="Setuju", checklist=unmet) == (
        "checklist_not_met"
    )
    # An unmet item is exactly what a return is for.
    result = await p.decide(KABAG, Action.RETURN, note="Belum selaras Renstra", checklist=unmet)
    assert result.outcome == "returned"
    assert (await p.status()).history[-2].checklist[1].ok is False


async def test_the_team_is_named_at_step_5_and_only_there(p: Scenario):
    await p.walk_to(5)
    sk = p.document("sk_tim")
    assert await refused(p, KASUBAG, Action.SUBMIT, documents=[sk]) == "team_required"
    stranger = Team(members=[TIM_KETUA, "p-404"], leader=TIM_KETUA)
    assert await refused(p, KASUBAG, Action.SUBMIT, documents=[sk], team=stranger) == (
        "unknown_person"
    )
    await p.do_step()  # step 5 with a real team
    team = Team(members=[TIM_KETUA], leader=TIM_KETUA)
    draft = p.document("draf_iku")
    assert await refused(p, TIM_ANGGOTA, Action.SUBMIT, documents=[draft], team=team) == (
        "team_not_allowed"
    )


async def test_a_decision_after_the_karo_cancelled_the_process_is_refused(p: Scenario):
    task = await p.task()
    await p.handle.execute_update(IkuWorkflow.cancel, CancelRequest(by=KARO, reason="Batal"))
    late = Decision(task_id=task.id, person=KASUBAG, action=Action.SUBMIT)
    # Before the run closes the workflow refuses it; after, the server does.
    with pytest.raises((WorkflowUpdateFailedError, RPCError)) as caught:
        await p.handle.execute_update(IkuWorkflow.decide, late)
    if isinstance(caught.value, WorkflowUpdateFailedError):
        assert caught.value.cause.type == "not_running"  # type: ignore[union-attr]
    status = await p.status()
    assert status.state is ProcessState.CANCELLED and status.cancel_reason == "Batal"


async def test_two_simultaneous_decisions_yield_one_decision_and_one_already_decided(p: Scenario):
    first = await p.decision(
        KASUBAG, Action.SUBMIT, documents=[p.document("konsep_rencana_kerja"), p.document("tor")]
    )
    second = first.model_copy(update={"note": "klik kedua"})
    results = await asyncio.gather(
        p.handle.execute_update(IkuWorkflow.decide, first),
        p.handle.execute_update(IkuWorkflow.decide, second),
        return_exceptions=True,
    )
    applied = [r for r in results if not isinstance(r, BaseException)]
    failed = [r for r in results if isinstance(r, WorkflowUpdateFailedError)]
    assert len(applied) == 1 and len(failed) == 1
    assert failed[0].cause.type == "already_decided"  # type: ignore[union-attr]
    status = await p.status()
    assert [h.step for h in status.history if h.event is HistoryEvent.DECIDED] == [1]


async def test_a_refused_signal_is_recorded_and_not_applied(p: Scenario):
    task = await p.task()
    wrong_person = await p.decision(SEKJEN, Action.SUBMIT)
    await p.handle.signal("decide", wrong_person.model_dump(mode="json"))
    await p.handle.signal("decide", {"task_id": task.id, "person": KASUBAG, "action": "fly"})

    status = await p.until(lambda s: sum(h.event is HistoryEvent.REFUSED for h in s.history) == 2)
    refusals = [h for h in status.history if h.event is HistoryEvent.REFUSED]
    assert [(h.detail, h.person) for h in refusals] == [
        ("not_assignee", SEKJEN),
        ("invalid_input", None),
    ]
    assert status.task is not None and status.task.id == task.id  # nothing moved


async def test_a_valid_signal_from_the_temporal_ui_is_applied(p: Scenario):
    decision = await p.decision(
        KASUBAG, Action.SUBMIT, documents=[p.document("konsep_rencana_kerja"), p.document("tor")]
    )
    await p.handle.signal("decide", decision.model_dump(mode="json"))
    status = await p.until(lambda s: s.task is not None and s.task.step == 2)
    assert status.task is not None and status.task.assignees == [KABAG]


async def test_only_the_karo_or_ops_may_cancel_or_assign(p: Scenario):
    task = await p.task()
    for person in (KASUBAG, KABAG, SEKJEN, STAF_LAIN):
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await p.handle.execute_update(
                IkuWorkflow.cancel, CancelRequest(by=person, reason="Tidak perlu")
            )
        assert caught.value.cause.type == "not_authorised"  # type: ignore[union-attr]
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await p.handle.execute_update(
                IkuWorkflow.assign, Assignment(task_id=task.id, person=STAF_LAIN, by=person)
            )
        assert caught.value.cause.type == "not_authorised"  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.handle.execute_update(
            IkuWorkflow.assign, Assignment(task_id=task.id, person="p-404", by="ops")
        )
    assert caught.value.cause.type == "unknown_person"  # type: ignore[union-attr]


async def test_only_ops_may_enter_a_decision_for_an_official(p: Scenario):
    documents = [p.document("konsep_rencana_kerja"), p.document("tor")]
    decision = await p.decision(KASUBAG, Action.SUBMIT, documents=documents)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.handle.execute_update(
            IkuWorkflow.decide, decision.model_copy(update={"via": KABAG})
        )
    assert caught.value.cause.type == "via_not_ops"  # type: ignore[union-attr]
    await p.handle.execute_update(IkuWorkflow.decide, decision.model_copy(update={"via": "ops"}))
    entry = next(h for h in (await p.status()).history if h.event is HistoryEvent.DECIDED)
    assert (entry.person, entry.via) == (KASUBAG, "ops")
