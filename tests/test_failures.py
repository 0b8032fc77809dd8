"""When something around the process fails: the archive, the mail relay, the directory, the
calendar file. The process records it, tells someone, and carries on once it is fixed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import yaml
from temporalio.testing import WorkflowEnvironment

from common.models import (
    Action,
    Assignment,
    CancelRequest,
    HistoryEvent,
    ProcessState,
    ResendRequest,
)
from common.settings import EXAMPLE_DIRECTORY, Settings
from tests.scenario import FUNGSIONAL_UMUM, KABAG, KARO, KASUBAG, Scenario
from workflows.iku import IkuWorkflow
from workflows.sop import WIB


def events(status: object, event: HistoryEvent) -> list:
    return [h for h in status.history if h.event is event]  # type: ignore[attr-defined]


def write_directory(settings: Settings, tmp_path: Path, data: dict) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    settings.directory_file = path


async def test_a_lost_document_fails_the_archive_and_after_ops_restore_it_archiving_succeeds(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(16)
    draft = [d for d in (await p.status()).documents if d.kind == "draf_iku"][-1]
    stored = p.store.path_of(draft.ref)
    kept = stored.read_bytes()
    stored.unlink()

    failed = await p.archive(FUNGSIONAL_UMUM[0])
    # The decision is recorded, the reply says the archive could not be built and the step
    # is open again, with a new task.
    assert failed.outcome == "archive_failed" and failed.archive_error
    assert failed.next_task is not None and failed.next_task.step == 16
    status = await p.status()
    assert status.state is ProcessState.RUNNING
    assert len(events(status, HistoryEvent.ARCHIVE_FAILED)) == 1

    stored.write_bytes(kept)
    done = await p.archive(FUNGSIONAL_UMUM[1])
    assert done.outcome == "archived" and done.archive_error is None
    assert done.archive is not None and done.archive.valid


async def test_while_the_mail_relay_is_down_a_decision_is_still_answered_at_once(
    dev_env: WorkflowEnvironment, dev_worker, settings
):
    p = await Scenario(dev_env.client, settings).start()
    settings.smtp_port = 1  # nothing listens there: every send fails and is retried
    started = asyncio.get_running_loop().time()
    result = await p.do_step()
    assert result.next_step == 2 and result.next_task is not None
    # The Kabag's mail is still being retried, yet the Kasubag's answer did not wait for it.
    assert asyncio.get_running_loop().time() - started < 10


async def test_a_holder_without_an_email_is_named_in_the_riwayat(
    ts_env: WorkflowEnvironment, ts_worker, settings, tmp_path
):
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text())
    data.pop("acting", None)
    for person in data["people"]:
        if person["id"] == KABAG:
            person.pop("email")
    write_directory(settings, tmp_path, data)
    p = await Scenario(ts_env.client, settings).start()
    await p.do_step()
    status = await p.until(lambda s: bool(events(s, HistoryEvent.NOTIFY_FAILED)))
    (failed,) = events(status, HistoryEvent.NOTIFY_FAILED)
    assert (failed.detail, failed.target, failed.step) == ("task", KABAG, 2)


async def test_an_unreadable_directory_leaves_the_task_unassigned_until_ops_assign_it(
    ts_env: WorkflowEnvironment, ts_worker, settings, tmp_path, mail
):
    p = await Scenario(ts_env.client, settings).start()
    broken = tmp_path / "directory.yaml"
    broken.write_text("people: [ {id: p-001\n")
    settings.directory_file = broken
    await p.decide(
        KASUBAG, Action.SUBMIT, documents=[p.document("konsep_rencana_kerja"), p.document("tor")]
    )
    task = await p.task()
    assert task.step == 2 and task.unassigned
    entry = events(await p.status(), HistoryEvent.UNASSIGNED)[-1]
    assert entry.detail == "directory_unavailable"
    (told,) = await mail.wait_for(p.id, "unassigned", task.id)
    body = told.get_body(preferencelist=("plain",))
    assert body is not None
    # Ops are sent to the file, not told the role is empty.
    said = " ".join(body.get_content().split())
    assert "berkas direktori pegawai (IKU_DIRECTORY_FILE) tidak dapat dibaca" in said
    assert "tidak ada orang dengan peran" not in said

    settings.directory_file = EXAMPLE_DIRECTORY  # ops fix it, then assign
    await p.handle.execute_update(
        IkuWorkflow.assign,
        Assignment(task_id=task.id, person=KABAG, by="ops", reason="direktori diperbaiki"),
    )
    assert (await p.approve(KABAG, "Setuju.")).next_step == 3


async def test_a_broken_calendar_file_leaves_no_deadline_until_it_is_fixed(
    clock_env: WorkflowEnvironment, clock_worker, settings
):
    assert settings.calendar_overrides_file is not None
    settings.calendar_overrides_file.write_text("holidays: [ {date: 2027-01-0\n")
    p = await Scenario(clock_env.client, settings).start()
    task = await p.task()
    assert task.deadline is None and not task.unassigned
    assert events(await p.status(), HistoryEvent.SCHEDULE_FAILED)

    settings.calendar_overrides_file.write_text("holidays: []\n")
    await clock_env.sleep(timedelta(hours=1, minutes=5))  # the clock asks again hourly
    fixed = await p.until(lambda s: s.task is not None and s.task.deadline is not None)
    assert fixed.task is not None and fixed.task.id == task.id


async def test_a_plh_appointed_while_the_kabag_holds_the_task_gets_it_on_resend_and_decides(
    ts_env: WorkflowEnvironment, ts_worker, settings, tmp_path, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.do_step()
    task = await p.task()
    assert task.acting == {}
    today = (await ts_env.get_current_time()).astimezone(WIB).date()
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text())
    data["acting"] = [
        {
            "person": "p-011",
            "for": KABAG,
            "kind": "plh",
            "start": str(today - timedelta(days=1)),
            "end": str(today + timedelta(days=1)),
        }
    ]
    write_directory(settings, tmp_path, data)

    await p.handle.execute_update(IkuWorkflow.resend, ResendRequest(task_id=task.id, by="biro"))
    resent = (await mail.wait_for(p.id, "task", task.id, count=2))[-1]
    assert "dewi.lestari@" in resent["To"]  # the Plh, as the directory says today
    # And the workflow agrees she may decide: the mail and the check use the same facts.
    result = await p.approve("p-011", "Setuju (Plh Kabag).")
    assert result.next_step == 3


async def test_a_resend_that_meets_a_decision_does_not_mail_the_next_step_twice(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.do_step()
    task = await p.task()
    decision = await p.decision(KABAG, Action.APPROVE, note="Setuju.")
    # Both in one go, as from the Temporal UI: the resend is for a task that is decided.
    await p.handle.signal("resend", ResendRequest(task_id=task.id, by="ops"))
    await p.handle.signal("decide", decision.model_dump(mode="json"))
    status = await p.until(lambda s: s.task is not None and s.task.step == 3)
    assert status.task is not None
    await mail.wait_for(p.id, "task", status.task.id)
    await asyncio.sleep(1)  # time for a second mail, if one were coming
    assert len(mail.for_process(p.id, "task")) >= 2
    assert (
        len([m for m in mail.for_process(p.id, "task") if m["X-IKU-Task-Id"] == status.task.id])
        == 1
    )


async def test_the_cancel_mail_says_at_which_step_the_process_stopped(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(3)
    await p.handle.execute_update(IkuWorkflow.cancel, CancelRequest(by=KARO, reason="Revisi"))
    (told, *_) = await mail.wait_for(p.id, "cancelled")
    assert "langkah 3" in told.get_body(("plain",)).get_content().lower()
