"""Who acts: acting officials, the team pool, unassigned roles, and ops steering a process."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.core import gateway
from common import search_attributes as sa
from common.deadline import moved_to
from common.models import (
    Action,
    Assignment,
    CancelRequest,
    HistoryEvent,
    ProcessState,
    ResendRequest,
)
from tests.scenario import (
    FUNGSIONAL_UMUM,
    KABAG,
    KARO,
    KASUBAG,
    STAF_LAIN,
    TIM_ANGGOTA,
    TIM_KETUA,
    Scenario,
    appointment,
    write_directory,
)
from tests.support import runs, settle
from workflows.iku import IkuWorkflow
from workflows.sop import WIB

PLH_KABAG = "p-011"


async def jakarta_today(env: WorkflowEnvironment) -> date:
    """Today in Jakarta by the server's clock, which is what the worker acts on."""
    return (await env.get_current_time()).astimezone(WIB).date()


async def test_an_acting_kabag_receives_and_decides_the_kabags_review(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail, tmp_path
):
    today = await jakarta_today(ts_env)
    settings.directory_file = write_directory(
        tmp_path,
        acting=[
            appointment(PLH_KABAG, KABAG, today - timedelta(days=1), today + timedelta(days=30))
        ],
    )
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(2)
    task = await p.task()
    assert task.assignees == [KABAG] and task.acting[KABAG][0].person == PLH_KABAG
    # The mail goes to the acting official, the search attribute finds the task under them.
    (sent,) = await mail.wait_for(p.id, "task", task.id)
    assert "dewi.lestari@" in sent["To"] and "Plh. " in sent.get_body(("plain",)).get_content()
    assignees = (await p.handle.describe()).typed_search_attributes.get(sa.ASSIGNEE)
    assert assignees is not None and PLH_KABAG in assignees

    result = await p.approve(PLH_KABAG, "Setuju, teruskan kepada Karo. (Plh Kabag)")
    assert result.next_step == 3 and result.mark is None  # a disposisi, not a paraf
    decided = (await p.status()).history[-2]
    assert (decided.person, decided.acting_for, decided.step) == (PLH_KABAG, KABAG, 2)


async def test_an_acting_official_outside_their_dates_is_refused(
    ts_env: WorkflowEnvironment, ts_worker, settings, tmp_path
):
    # The Plh Kabag's appointment ended the day before yesterday.
    today = await jakarta_today(ts_env)
    settings.directory_file = write_directory(
        tmp_path,
        acting=[
            appointment(PLH_KABAG, KABAG, today - timedelta(days=10), today - timedelta(days=2))
        ],
    )
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(2)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.approve(PLH_KABAG, "Setuju")
    assert caught.value.cause.type == "not_assignee"  # type: ignore[union-attr]


async def test_the_drafting_team_is_a_pool_and_any_member_may_submit_the_draft(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(6)
    task = await p.task()
    assert sorted(task.assignees) == [TIM_KETUA, TIM_ANGGOTA]
    mails = await mail.wait_for(p.id, "task", task.id, count=2)
    assert {m["X-IKU-Kind"] for m in mails} == {"task"}
    # Someone outside the team named in the SK Tim cannot submit.
    with pytest.raises(WorkflowUpdateFailedError):
        await p.submit(STAF_LAIN, draf_iku="Draf dari luar tim")

    result = await p.submit(TIM_ANGGOTA, draf_iku="Draf IKU v1 oleh anggota tim")
    assert result.next_step == 7
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.decide(TIM_KETUA, Action.SUBMIT, task_id=task.id)
    assert caught.value.cause.type == "already_decided"  # type: ignore[union-attr]


async def test_the_fungsional_umum_pool_archives(ts_env: WorkflowEnvironment, ts_worker, settings):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(16)
    assert sorted((await p.task()).assignees) == list(FUNGSIONAL_UMUM)
    final = await p.archive(FUNGSIONAL_UMUM[1])
    assert final.outcome == "archived" and final.archive is not None


async def test_a_role_with_nobody_waits_unassigned_until_ops_assign_someone(
    clock_env: WorkflowEnvironment, clock_worker, settings, mail, tmp_path
):
    def no_kasubag(data: dict[str, Any]) -> None:
        for person in data["people"]:
            person["roles"] = [r for r in person.get("roles", []) if r != "kasubag"]

    settings.directory_file = write_directory(tmp_path, change=no_kasubag)
    p = await Scenario(clock_env.client, settings).start()
    task = await p.task()
    assert task.unassigned and task.assignees == [] and task.deadline is None
    (alert,) = await mail.wait_for(p.id, "unassigned")
    assert "ops@" in alert["To"] and "assign" in alert.get_body(("plain",)).get_content()
    assert (await p.handle.describe()).typed_search_attributes.get(sa.ROLE) == "kasubag"
    # Days without anyone holding it do not make it late.
    await clock_env.sleep(timedelta(days=10))
    assert not (await p.task()).overdue

    status = await p.handle.execute_update(
        IkuWorkflow.assign,
        Assignment(task_id=task.id, person=KASUBAG, by="ops", reason="Kasubbag baru dilantik"),
    )
    assert status.task is not None and status.task.assignees == [KASUBAG]
    (given,) = await mail.wait_for(p.id, "task", task.id)
    assert "rina.wulandari@" in given["To"]
    assigned = await p.until(lambda s: s.task is not None and s.task.deadline is not None)
    assert assigned.task is not None and assigned.task.id == task.id
    entry = next(h for h in assigned.history if h.event is HistoryEvent.ASSIGNED)
    assert (entry.person, entry.target, entry.note) == ("ops", KASUBAG, "Kasubbag baru dilantik")
    # The riwayat writes the deadline its clock now runs to.
    (first,) = [h for h in assigned.history if h.event is HistoryEvent.DEADLINE_MOVED]
    assert first.seq > entry.seq and moved_to(first) == assigned.task.deadline
    assert (await p.do_step()).next_step == 2


async def test_the_karo_reassigns_a_task_and_the_old_holder_can_no_longer_act(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    task = await p.task()
    await p.handle.execute_update(
        IkuWorkflow.assign,
        Assignment(task_id=task.id, person=STAF_LAIN, by=KARO, reason="Kasubbag sakit"),
    )
    await mail.wait_for(p.id, "task", task.id, count=2)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.do_step()
    assert caught.value.cause.type == "not_assignee"  # type: ignore[union-attr]
    result = await p.submit(STAF_LAIN, konsep_rencana_kerja="Konsep", tor="TOR")
    assert result.next_step == 2


async def test_the_bureau_resends_the_current_task_mail(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    task = await p.task()
    await mail.wait_for(p.id, "task", task.id)
    await p.handle.execute_update(IkuWorkflow.resend, ResendRequest(task_id=task.id, by="ops"))
    first, second = await mail.wait_for(p.id, "task", task.id, count=2)
    assert first["Message-ID"] != second["Message-ID"]
    status = await p.status()
    assert any(h.event is HistoryEvent.RESENT and h.person == "ops" for h in status.history)
    # From the Temporal UI it is a signal; a stranger's is recorded and ignored.
    await p.handle.signal("resend", ResendRequest(task_id=task.id, by=STAF_LAIN))
    await p.handle.signal("resend", ResendRequest(task_id=task.id, by="ops"))
    await mail.wait_for(p.id, "task", task.id, count=3)
    history = (await p.status()).history
    assert [h.detail for h in history if h.event is HistoryEvent.REFUSED] == ["not_authorised"]


async def test_the_karo_cancels_the_process_and_everyone_involved_is_told(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(3)
    status = await p.handle.execute_update(
        IkuWorkflow.cancel, CancelRequest(by=KARO, reason="IKU 2027 ditetapkan ulang")
    )
    assert status.state is ProcessState.CANCELLED
    result = await p.result()
    assert result.state is ProcessState.CANCELLED  # type: ignore[attr-defined]
    assert result.cancel_reason == "IKU 2027 ditetapkan ulang"  # type: ignore[attr-defined]
    told = await mail.wait_for(p.id, "cancelled", count=2)
    addressees = " ".join(m["To"] for m in told)
    assert "rina.wulandari@" in addressees and "ahmad.fauzi@" in addressees
    described = await p.handle.describe()
    assert described.typed_search_attributes.get(sa.STATE) == "cancelled"
    assert described.typed_search_attributes.get(sa.ASSIGNEE) == []


async def test_on_cancel_the_whole_team_and_everyone_who_held_a_task_and_the_bureau_are_told(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(8)
    task = await p.task()
    # The Kabag's paraf is given to a staff member for a while, then back to the Kabag.
    for person in (STAF_LAIN, KABAG):
        await p.handle.execute_update(
            IkuWorkflow.assign, Assignment(task_id=task.id, person=person, by="ops", reason="x")
        )
    await p.handle.execute_update(
        IkuWorkflow.cancel, CancelRequest(by="ops", reason="Diganti revisi 1")
    )
    await p.result()
    told = await mail.wait_for(p.id, "cancelled", count=7)
    to = sorted(m["X-Envelope-To"] for m in told)
    assert to == sorted(
        [
            "rina.wulandari@kemnaker.example",  # Kasubbag: decided
            "ahmad.fauzi@kemnaker.example",  # Kabag: decided, holds the task
            "bambang.sutrisno@kemnaker.example",  # Karo: decided
            "yusuf.maulana@kemnaker.example",  # leader of the team: wrote the draft
            "putri.anggraini@kemnaker.example",  # member of the team: never decided
            "michael.tan@kemnaker.example",  # held the task for a while
            settings.bureau_email,  # the planning bureau, with the process page
        ]
    )
    (bureau,) = [m for m in told if m["X-Envelope-To"] == settings.bureau_email]
    assert f"/proses/{p.id}" in bureau.get_body(("plain",)).get_content()


async def test_ops_cancel_by_signal_from_the_temporal_ui(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.handle.signal("cancel", CancelRequest(by=KASUBAG, reason="coba"))
    await p.handle.signal("cancel", CancelRequest(by="ops", reason="Salah kode"))
    result = await p.result()
    assert result.state is ProcessState.CANCELLED  # type: ignore[attr-defined]
    history = (await p.status()).history
    assert [h.detail for h in history if h.event is HistoryEvent.REFUSED] == ["not_authorised"]


async def test_a_long_process_continues_as_new_and_keeps_its_whole_record(
    dev_env: WorkflowEnvironment, dev_worker, settings
):
    # On the dev server: the test server loses update results across continue-as-new.
    p = await Scenario(dev_env.client, settings, history_event_limit=80).start()
    await p.walk_to(9)
    await p.return_(KARO, "Perbaiki indikator 1.")
    await p.approve(KABAG, new_draft="Draf v2")
    final = await p.walk_to_end()

    described = await p.handle.describe()
    assert described.run_id != p.first_run_id  # it did continue as new, at least once
    status = await p.status()
    decided = [h for h in status.history if h.event is HistoryEvent.DECIDED]
    assert decided[0].step == 1 and decided[-1].step == 16
    assert [h.seq for h in status.history] == list(range(1, len(status.history) + 1))
    assert status.archive is not None and status.archive.valid
    assert (await p.result()).returns == 1  # type: ignore[attr-defined]
    assert final.state is ProcessState.ARCHIVED


async def test_a_process_the_web_layer_starts_hands_over_past_its_runs_events(
    dev_env: WorkflowEnvironment, dev_worker, settings
):
    assert settings.history_events_per_run == 100  # the default, as in production
    process = Scenario(dev_env.client, settings).process
    workflow_id, first_run = await gateway.start(dev_env.client, settings, process)
    started = (
        (await dev_env.client.get_workflow_handle(workflow_id, run_id=first_run).fetch_history())
        .events[0]
        .workflow_execution_started_event_attributes
    )
    assert json.loads(started.input.payloads[0].data)["history_event_limit"] == 100

    p = Scenario.attach(dev_env.client, settings, workflow_id)
    await p.until(lambda s: s.task is not None)  # the start answers before step 1 opens
    while True:
        # As officials decide, some time after the mail: a run hands over once its step's
        # mail and report are done, and a decision that comes sooner puts it off.
        assert await settle(p.handle)
        final = await p.do_step()
        if final.outcome == "archived":
            break

    assert len([run async for run in runs(dev_env.client, workflow_id)]) >= 3  # ~300 events
    status = await p.status()
    assert [h.seq for h in status.history] == list(range(1, len(status.history) + 1))
    assert final.state is ProcessState.ARCHIVED and status.archive is not None


async def test_a_run_upserts_no_memo_or_search_attribute_its_start_gave_it(
    dev_env: WorkflowEnvironment, dev_worker, settings
):
    """Started as the bureau's page starts it, the title and the year, code, state and
    overdue flag come with the start, and a continued run has them from the run before:
    no run sets them again (each upsert is a history event, and a command the worker keeps
    while it keeps the run). Step by step, only what changed is upserted."""
    settings = settings.model_copy(update={"history_events_per_run": 60})
    p = Scenario(dev_env.client, settings)
    p.as_the_web_layer = True
    await p.start()
    await p.walk_to(6)

    handles = [run async for run in runs(dev_env.client, p.id)]
    assert len(handles) >= 2  # it handed over at least once
    given = {sa.YEAR.name, sa.CODE.name, sa.STATE.name, sa.OVERDUE.name}
    for handle in handles:
        events = (await handle.fetch_history()).events
        assert not [
            e for e in events if e.HasField("workflow_properties_modified_event_attributes")
        ]
        upserts = [
            set(
                e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            )
            - {"TemporalChangeVersion"}
            for e in events
            if e.HasField("upsert_workflow_search_attributes_event_attributes")
        ]
        upserts = [keys for keys in upserts if keys]
        assert upserts and not set().union(*upserts) & given, upserts
        assert sa.STEP.name in upserts[0]  # the first is the step's, nothing before it

    await listed_at(p, 6)


async def test_a_process_started_without_memo_or_search_attributes_gets_them_from_the_workflow(
    dev_env: WorkflowEnvironment, dev_worker, settings
):
    """From the Temporal UI or the CLI nothing comes with the start: the workflow sets it."""
    p = await Scenario(dev_env.client, settings).start()
    await listed_at(p, 1)


async def listed_at(p: Scenario, step: int) -> None:
    """What the bureau's list reads: the title from the memo, the rest from the search
    attributes."""
    described = await p.handle.describe()
    assert await described.memo_value("title", type_hint=str) == p.process.title
    found = described.typed_search_attributes
    assert (found.get(sa.YEAR), found.get(sa.CODE)) == (p.process.year, p.process.code)
    assert (found.get(sa.STATE), found.get(sa.OVERDUE)) == ("running", False)
    assert found.get(sa.STEP) == step


async def test_the_bureau_may_resend_but_not_assign_or_cancel(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    task = await p.task()
    await p.handle.execute_update(IkuWorkflow.resend, ResendRequest(task_id=task.id, by="biro"))
    await mail.wait_for(p.id, "task", task.id, count=2)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.handle.execute_update(
            IkuWorkflow.assign, Assignment(task_id=task.id, person=STAF_LAIN, by="biro")
        )
    assert caught.value.cause.type == "not_authorised"  # type: ignore[union-attr]
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await p.handle.execute_update(IkuWorkflow.cancel, CancelRequest(by="biro", reason="x"))
    assert caught.value.cause.type == "not_authorised"  # type: ignore[union-attr]
