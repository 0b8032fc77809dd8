"""What the workflow tells ops as it goes: metrics and a log line per riwayat event.

Both go through the SDK's replay-safe meter and logger, so a replay (a worker picking a
process up from its history) counts and logs nothing twice. Labels and log fields are
codes only (step number, role, outcome, refusal code, mail kind), never a name, an email,
a NIP, a note or a document.

The metrics come out on the worker's Prometheus endpoint (``IKU_WORKER_METRICS_BIND``),
with the SDK's own labels (namespace, task_queue, workflow_type) added; README.md,
"Metrics", lists them with the alerts to set.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from common.models import HistoryEntry, HistoryEvent
    from workflows import sop

# event -> (metric, description); each counted with the labels LABELS names.
COUNTED: dict[HistoryEvent, tuple[str, str]] = {
    HistoryEvent.STARTED: ("iku_processes_started", "Processes started"),
    HistoryEvent.ENTERED: ("iku_tasks_entered", "Tasks opened, by step and role"),
    HistoryEvent.UNASSIGNED: (
        "iku_tasks_unassigned",
        "Tasks that found nobody in their role (ops must assign)",
    ),
    HistoryEvent.REMINDER: ("iku_reminders", "Reminders sent before a deadline"),
    HistoryEvent.OVERDUE: ("iku_tasks_became_overdue", "Tasks that passed their deadline"),
    HistoryEvent.ESCALATION: ("iku_escalations", "Escalations to a superior"),
    HistoryEvent.NOTIFY_FAILED: (
        "iku_mail_failures",
        "Mails given up on after their retries, or that reached nobody",
    ),
    HistoryEvent.ARCHIVE_FAILED: ("iku_archive_failures", "Archives that could not be built"),
    HistoryEvent.SCHEDULE_FAILED: (
        "iku_schedule_failures",
        "Tasks left without a deadline: the calendar could not be asked",
    ),
    HistoryEvent.REFUSED: ("iku_refusals", "Decisions and requests refused, by code"),
    HistoryEvent.ARCHIVED: ("iku_processes_ended", "Processes that ended, by state"),
    HistoryEvent.CANCELLED: ("iku_processes_ended", "Processes that ended, by state"),
}
DECISIONS = ("iku_decisions", "Decisions applied, by step and outcome")
# No label: which process lost its rows is in the worker's log, and the backfill finds them.
REPORTS_ABANDONED = (
    "iku_reporting_batches_abandoned",
    "Reporting batches given up on after their retries, left to `iku reporting backfill`",
)
# The labels of each counted event: always the same set per metric.
_TASK = ("step", "role")
LABELS: dict[HistoryEvent, tuple[str, ...]] = {
    HistoryEvent.ENTERED: _TASK,
    HistoryEvent.UNASSIGNED: _TASK,
    HistoryEvent.REMINDER: _TASK,
    HistoryEvent.OVERDUE: _TASK,
    HistoryEvent.SCHEDULE_FAILED: _TASK,
    HistoryEvent.ARCHIVE_FAILED: _TASK,
    HistoryEvent.ESCALATION: (*_TASK, "to_role"),
    HistoryEvent.NOTIFY_FAILED: ("kind",),
    HistoryEvent.REFUSED: ("code", "channel"),
    HistoryEvent.ARCHIVED: ("state",),
    HistoryEvent.CANCELLED: ("state",),
}
# What the riwayat's ``detail`` holds is a code for these events (a refusal code, the mail
# kind); for the others it may be text (an archive failure's cause) and is not a label.
_DETAIL_LABEL = {HistoryEvent.REFUSED: "code", HistoryEvent.NOTIFY_FAILED: "kind"}


def recorded(entry: HistoryEntry) -> None:
    """Count and log one riwayat event, as it is recorded."""
    values = _values(entry)
    counted = COUNTED.get(entry.event)
    if counted is not None:
        name, description = counted
        labels = {k: values.get(k, "none") for k in LABELS.get(entry.event, ())}
        workflow.metric_meter().create_counter(name, description).add(1, labels)
    fields: dict[str, object] = {"event": entry.event.value, **values}
    if entry.task_id is not None:
        fields["task_id"] = entry.task_id
    if entry.round is not None:
        fields["round"] = entry.round
    workflow.logger.info("riwayat: %s", entry.event.value, extra={"iku": fields})


def decided(step: int, outcome: str) -> None:
    """One decision applied (``outcome``: submitted, approved, returned, handed_over,
    archived)."""
    labels = {"step": str(step), "role": sop.step(step).role, "outcome": outcome}
    workflow.metric_meter().create_counter(*DECISIONS).add(1, labels)


def refused(code: str) -> None:
    """An Update refused (by its validator or its handler); refused Signals are recorded
    in the riwayat and counted by ``recorded``."""
    workflow.metric_meter().create_counter(*COUNTED[HistoryEvent.REFUSED]).add(
        1, {"code": code, "channel": "update"}
    )


def report_abandoned() -> None:
    """A batch of riwayat events the reporting database never took: the figures and
    exports miss it until ops run the backfill."""
    workflow.metric_meter().create_counter(*REPORTS_ABANDONED).add(1)


def _values(entry: HistoryEntry) -> dict[str, str]:
    """The codes an entry carries, by label name."""
    values: dict[str, str] = {}
    if entry.step is not None:
        values["step"] = str(entry.step)
        values["role"] = sop.step(entry.step).role
    if entry.event is HistoryEvent.ESCALATION and entry.target:
        values["to_role"] = entry.target  # a role code
    if entry.event is HistoryEvent.REFUSED:
        values["channel"] = "signal"
    if entry.event in (HistoryEvent.ARCHIVED, HistoryEvent.CANCELLED):
        values["state"] = entry.event.value
    detail = _DETAIL_LABEL.get(entry.event)
    if detail is not None:
        values[detail] = entry.detail or "unknown"
    return values
