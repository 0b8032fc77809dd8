"""The worker's Prometheus endpoint after real scenarios: the Temporal SDK's metrics and
the process's own (decisions, refusals, reminders, escalations, mail and archive
failures), each equal to what the riwayat and the mailbox say happened, labelled with
codes only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from common.models import Action, HistoryEvent
from tests.metrics import metered_worker, names, scrape, value
from tests.scenario import (
    FUNGSIONAL_UMUM,
    KABAG,
    KARO,
    KASUBAG,
    Scenario,
    without_email,
    write_directory,
)
from tests.support import eventually, sleep_until

MINUTE = timedelta(minutes=1)


async def test_the_kabag_returns_is_refused_reminded_and_escalated_and_the_worker_counts_it(
    clock_env: WorkflowEnvironment, settings, mail
):
    async with metered_worker(clock_env, settings) as url:
        p = await Scenario(clock_env.client, settings).start()
        await p.do_step()
        await p.return_(KABAG, "TOR belum lengkap.")
        await p.do_step()
        # The Karo is not the one asked at step 2 (an Update); a decision on a task that
        # does not exist comes as a Signal from the Temporal UI.
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await p.decide(KARO, Action.APPROVE)
        assert refused.value.cause.type == "not_assignee"  # type: ignore[union-attr]
        await p.handle.signal(
            "decide", {"task_id": "s99-999", "person": KABAG, "action": "approve"}
        )
        await p.until(lambda s: any(h.event is HistoryEvent.REFUSED for h in s.history))

        # The Kabag lets the task lie: reminded, overdue, escalated to the Karo once.
        task = await p.task()
        first_escalation = p.escalation_times(task)[0]
        await sleep_until(clock_env, first_escalation + MINUTE)
        await mail.wait_for(p.id, "escalation")
        status = await p.until(lambda s: s.task is not None and s.task.escalations_sent == 1)
        sent = {kind: len(mail.for_process(p.id, kind)) for kind in ("task", "reminder")}

        async def counted() -> list:
            samples = await scrape(url)
            assert value(samples, "iku_escalations_total") == 1
            assert value(samples, "iku_mails_sent_total", kind="escalation") == 1
            return samples

        samples = await eventually(counted, within=10)

    mine = {"task_queue": settings.task_queue}
    assert value(samples, "iku_processes_started_total", **mine) == 1
    assert value(samples, "iku_decisions_total", step="1", outcome="submitted", **mine) == 2
    assert value(samples, "iku_decisions_total", step="2", role="kabag", outcome="returned") == 1
    assert value(samples, "iku_decisions_total", **mine) == 3
    assert value(samples, "iku_refusals_total", code="not_assignee", channel="update") == 1
    assert value(samples, "iku_refusals_total", code="unknown_task", channel="signal") == 1
    assert value(samples, "iku_reminders_total", step="2", role="kabag") == 1
    assert value(samples, "iku_tasks_became_overdue_total", step="2", role="kabag") == 1
    assert value(samples, "iku_escalations_total", step="2", role="kabag", to_role="karo") == 1
    # Every mail the mailbox received was counted once, by kind.
    for kind, count in sent.items():
        assert value(samples, "iku_mails_sent_total", kind=kind, **mine) == count
    # Counted as they happened, not again when a worker replays the history.
    entered = [h for h in status.history if h.event is HistoryEvent.ENTERED]
    assert value(samples, "iku_tasks_entered_total", **mine) == len(entered) == 4
    # The SDK's own metrics are on the same endpoint.
    assert {
        "temporal_workflow_task_execution_latency_count",
        "temporal_activity_execution_latency_count",
        "temporal_request_total",
    } <= names(samples)
    # Labels are codes: no label value names a person or carries an address.
    for _, labels, _ in samples:
        for label in labels.values():
            assert "@" not in label and not re.fullmatch(r"p-\d+", label), label


async def test_a_kabag_without_an_email_and_a_lost_document_show_as_mail_and_archive_failures(
    ts_env: WorkflowEnvironment, settings, tmp_path
):
    settings.directory_file = write_directory(tmp_path, change=without_email(KABAG))

    async with metered_worker(ts_env, settings) as url:
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to(16)
        draft = [d for d in (await p.status()).documents if d.kind == "draf_iku"][-1]
        p.store.path_of(draft.ref).unlink()
        failed = await p.archive(FUNGSIONAL_UMUM[0])
        assert failed.outcome == "archive_failed"
        status = await p.status()
        no_mail = [h for h in status.history if h.event is HistoryEvent.NOTIFY_FAILED]
        assert no_mail and {h.detail for h in no_mail} == {"task"}

        async def counted() -> list:
            samples = await scrape(url)
            assert value(samples, "iku_archive_failures_total") == 1
            assert value(samples, "iku_mail_failures_total") == len(no_mail)
            return samples

        samples = await eventually(counted, within=10)

    assert value(samples, "iku_mail_failures_total", kind="task") == len(no_mail)
    assert value(samples, "iku_archive_failures_total", step="16", role="fungsional_umum") == 1
    # The activity's attempt failed for good (a missing document is not retried).
    assert value(samples, "iku_archive_attempt_failures_total", error="DocumentMissing") == 1
    assert value(samples, "iku_decisions_total", step="16", outcome="archived") == 1
    assert value(samples, "iku_decisions_total", role=KASUBAG) == 0  # roles, never people
