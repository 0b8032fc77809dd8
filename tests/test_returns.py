"""Returns for revision (dikembalikan untuk diperbaiki) and the paraf rule."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from common.models import Action, ArrivalKind, HistoryEvent
from tests.scenario import KABAG, KARO, KASUBAG, MENTERI, REVIEWER, SEKJEN, Scenario
from workflows import sop

REVIEW_STEPS = [s.number for s in sop.STEPS if s.on_return is not None]


def test_the_sop_has_seven_review_steps_each_returning_to_the_step_before() -> None:
    assert REVIEW_STEPS == [2, 3, 7, 8, 9, 10, 11]
    assert all(sop.step(n).on_return == n - 1 for n in REVIEW_STEPS)


@pytest.mark.parametrize("review_step", REVIEW_STEPS)
async def test_a_return_lands_on_the_previous_step_with_a_new_round_and_task_id(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail, review_step: int
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(review_step)
    before = await p.task()

    result = await p.return_(REVIEWER[review_step], "Mohon diperbaiki: target belum terukur.")

    assert result.outcome == "returned" and result.next_step == review_step - 1
    after = result.next_task
    assert after is not None
    assert after.step == review_step - 1
    assert after.round == before.round + 1
    assert after.id != before.id
    # The person who must fix it is told why, in the mail that gives them the task.
    mails = await mail.wait_for(p.id, "task", after.id)
    assert "target belum terukur" in mails[0].get_body(("plain",)).get_content()
    assert mails[0]["Subject"].startswith(
        f"[IKU 2027 · {p.process.code}] Dikembalikan untuk diperbaiki: "
    )
    assert after.arrival is not None and after.arrival.kind is ArrivalKind.RETURNED
    returned = [h for h in (await p.status()).history if h.action is Action.RETURN]
    assert [(h.step, h.person, h.note) for h in returned] == [
        (review_step, REVIEWER[review_step], "Mohon diperbaiki: target belum terukur.")
    ]
    # Sent up again, it reaches the same reviewer in the new round; a draft sent up
    # unchanged first goes back to the Kabag, whose paraf on it the return withdrew.
    await p.do_step()
    again = await p.task()
    expected = 8 if review_step in (10, 11) else review_step
    assert (again.step, again.round) == (expected, before.round + 1)


async def test_the_karo_returns_the_draft_the_kabag_revises_it_the_karo_approves(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(9)
    await p.return_(KARO, "Indikator 3 belum memiliki formula.")

    revised = await p.approve(KABAG, new_draft="Draf IKU v2, indikator 3 dengan formula")
    assert revised.next_step == 9  # the Kabag initialled the new version himself
    approved = await p.approve(KARO)
    assert approved.next_step == 10

    status = await p.status()
    # Every paraf is a version of its own: the Kabag's new draft carries his paraf, the
    # Karo's version is that one plus hers.
    drafts = [d for d in status.documents if d.kind == "draf_iku"]
    first_paraf, returned, (v2, karos) = drafts[1], drafts[1], drafts[-2:]
    assert v2.by == KABAG and v2.step == 8
    assert [(m.step, m.sha256, m.extends) for m in status.parafs] == [
        (8, v2.ref.sha256, None),
        (9, karos.ref.sha256, v2.ref.sha256),
    ]
    # The Kabag's paraf on the returned version is withdrawn; the riwayat still says what
    # he initialled then.
    assert not [m for m in status.parafs if m.sha256 == returned.ref.sha256]
    decided_v1 = [h for h in status.history if h.step == 8 and h.action is Action.APPROVE]
    assert [d.sha256 for d in decided_v1[0].documents] == [first_paraf.ref.sha256]


async def test_a_new_version_at_step_9_goes_back_to_step_8_for_its_paraf(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(10)
    await p.return_(SEKJEN, "Sesuaikan dengan Renstra 2025-2029.")

    # The Karo fixes the draft himself: his paraf is on bytes the Kabag never saw.
    fixed = await p.approve(
        KARO, "Sudah saya sesuaikan.", new_draft="Draf IKU v2 (Renstra 2025-2029)"
    )
    assert fixed.next_step == 8 and fixed.next_task is not None
    assert fixed.next_task.assignees == [KABAG]
    # The Kabag is told why it is back: a new version by the Karo, to initial again.
    arrival = fixed.next_task.arrival
    assert arrival is not None and arrival.kind is ArrivalKind.NEW_VERSION
    assert (arrival.from_step, arrival.by, arrival.note) == (9, KARO, "Sudah saya sesuaikan.")
    fixed_draft = [d for d in (await p.status()).documents if d.kind == "draf_iku"][-1]
    assert fixed_draft.by == KARO and fixed_draft.step == 9
    assert arrival.version is not None
    assert (arrival.version.version, arrival.version.sha256) == (
        fixed_draft.version,
        fixed_draft.ref.sha256,
    )
    (told,) = await mail.wait_for(p.id, "task", fixed.next_task.id)
    assert "Mohon paraf ulang: versi baru oleh Karo" in told["Subject"]
    assert "Sudah saya sesuaikan." in told.get_body(("plain",)).get_content()

    # The Kabag initials v2; the Karo already has, so it goes straight to the Sekjen.
    assert (await p.approve(KABAG)).next_step == 10
    assert (await p.approve(SEKJEN)).next_step == 11
    signed = await p.approve(MENTERI, "Ditandatangani.")

    status = await p.status()
    # The Karo's paraf on his new draft, then each paraf and the signature added to it.
    drafts = [d for d in status.documents if d.kind == "draf_iku"]
    start = drafts.index(fixed_draft)
    by_kabag, by_sekjen = drafts[start + 1 :]
    by_minister = [d for d in status.documents if d.kind == "iku"][-1]
    assert [(m.step, m.sha256) for m in status.parafs] == [
        (9, fixed_draft.ref.sha256),
        (8, by_kabag.ref.sha256),
        (10, by_sekjen.ref.sha256),
    ]
    # The Minister's signature is on the version all three initialled, and says so.
    assert status.signature is not None and status.signature.sha256 == by_sekjen.ref.sha256
    assert signed.mark is not None and signed.mark.kind == "signature"
    assert signed.mark.sha256 == by_sekjen.ref.sha256
    # The IKU handed down is exactly the Sekjen's version plus the Minister's signature.
    assert by_minister.by == MENTERI and by_minister.extends == by_sekjen.ref.sha256


async def test_the_minister_returns_the_sekjen_approves_unchanged_and_all_initial_it_again(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(11)
    returned = await p.return_(MENTERI, "Perjelas target tahun 2027.")
    assert returned.next_step == 10
    # The returned version is no longer vouched for by anyone.
    assert (await p.status()).parafs == []

    # The Sekjen sends the same bytes up with an explanation: he initials them again, and
    # so must the Kabag and the Karo before the Minister may sign.
    again = await p.approve(SEKJEN, "Sudah dijelaskan dalam lampiran.")
    assert again.next_step == 8
    assert (await p.approve(KABAG)).next_step == 9
    assert (await p.approve(KARO)).next_step == 11
    status = await p.status()
    assert sorted(m.step for m in status.parafs) == [8, 9, 10]


async def test_the_karo_returns_and_the_kabags_paraf_on_that_version_is_withdrawn(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(9)
    assert [m.step for m in (await p.status()).parafs] == [8]
    await p.return_(KARO, "Target indikator 2 belum terukur.")
    # The hint of the paraf table says it: a paraf on a returned version no longer stands.
    assert (await p.status()).parafs == []
    # The Kabag fixes it: his paraf is on the new version only.
    fixed = await p.approve(KABAG, "Diperbaiki.", new_draft="Draf IKU v2")
    assert fixed.next_step == 9
    status = await p.status()
    v2 = [d for d in status.documents if d.kind == "draf_iku"][-1]
    assert [(m.step, m.sha256) for m in status.parafs] == [(8, v2.ref.sha256)]


async def test_a_reviewer_who_returns_a_version_withdraws_their_paraf_on_it(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(9)
    await p.return_(KARO, "Perbaiki indikator 2.")
    returned = await p.return_(KABAG, "Kasubbag agar memperbaiki indikator 2.")
    assert returned.next_step == 7
    # The Kabag no longer vouches for that version: no paraf of step 8 remains on it.
    assert [m.step for m in (await p.status()).parafs] == []
    # The Kasubag sends the same bytes up again: the Kabag must look at them again.
    assert (await p.approve(KASUBAG)).next_step == 8


async def test_every_return_is_in_the_riwayat_with_its_note(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(2)
    await p.return_(KABAG, "TOR belum memuat jadwal.")
    await p.submit(KASUBAG, tor="TOR v2 dengan jadwal")
    await p.approve(KABAG, "Setuju.")
    status = await p.status()
    decided = [h for h in status.history if h.event is HistoryEvent.DECIDED]
    assert [(h.step, h.action) for h in decided] == [
        (1, Action.SUBMIT),
        (2, Action.RETURN),
        (1, Action.SUBMIT),
        (2, Action.APPROVE),
    ]
    assert decided[1].note == "TOR belum memuat jadwal."
    tors = [d for d in status.documents if d.kind == "tor"]
    assert [d.version for d in tors] == [1, 2]
    # The second approval concerns TOR v2, and the record says so.
    assert {(d.kind, d.version) for d in decided[3].documents} >= {("tor", 2)}


async def test_the_karos_own_draft_keeps_his_paraf_through_a_ministers_return(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(10)
    await p.return_(SEKJEN, "Sesuaikan Renstra.")
    # The Karo fixes the draft: a new PDF carrying his paraf.
    await p.approve(KARO, new_draft="Draf IKU v2 (Renstra)")
    await p.walk_to(11)
    await p.return_(MENTERI, "Perjelas target.")
    # The paraf on the returned version are withdrawn, the Karo's on his own draft stands
    # (he made it): after the Sekjen and the Kabag initial it again, it goes up to the
    # Minister without the Karo approving his own text.
    assert [m.step for m in (await p.status()).parafs] == [9]
    assert (await p.approve(SEKJEN, "Sudah diperjelas.")).next_step == 8
    assert (await p.approve(KABAG)).next_step == 11
    assert sorted(m.step for m in (await p.status()).parafs) == [8, 9, 10]
