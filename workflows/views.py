"""What the process looks like from outside: the status query, and the Temporal UI text.

Pure functions of the record, so the query, the update replies and the archive all show
the same thing.
"""

from __future__ import annotations

from datetime import date

from common.models import (
    Action,
    Arrival,
    ArrivalKind,
    Assignee,
    DocVersion,
    HistoryEvent,
    ProcessInput,
    ProcessRecord,
    StatusView,
    Task,
    TaskView,
    WaitingMail,
)
from workflows import sop


def task_view(task: Task) -> TaskView:
    step = sop.step(task.step)
    schedule = task.schedule
    return TaskView(
        id=task.id,
        step=task.step,
        round=task.round,
        role=task.role,
        kind=step.kind,
        assignees=[a.person for a in task.assignees],
        acting={a.person: a.deputies for a in task.assignees if a.deputies},
        allowed_actions=list(step.actions),
        entered_at=task.entered_at,
        deadline=schedule.deadline if schedule else None,
        reminder_at=schedule.reminder_at if schedule else None,
        overdue=task.overdue,
        escalations_sent=task.escalations_sent,
        unassigned=not task.assignees,
        arrival=task.arrival,
    )


def status_view(workflow_id: str, process: ProcessInput, record: ProcessRecord) -> StatusView:
    task = record.task
    signatures = [m for m in record.marks if m.kind == "signature"]
    return StatusView(
        workflow_id=workflow_id,
        process=process,
        state=record.state,
        step=task.step if task else None,
        round=record.round,
        task=task_view(task) if task and not task.decided else None,
        team=record.team,
        documents=record.documents,
        parafs=[m for m in record.marks if m.kind == "paraf"],
        signature=signatures[-1] if signatures else None,
        history=record.history,
        cancel_reason=record.cancel_reason,
        archive=record.archive,
        official_number=record.official_number,
    )


def mail_waiting(record: ProcessRecord) -> list[WaitingMail]:
    """The outbox as the bureau may see it: kind, task and since when, nobody's address."""
    return [
        WaitingMail(kind=n.kind, seq=n.seq, task_id=n.task_id, step=n.step, queued_at=n.queued_at)
        for n in record.outbox
    ]


def waiting_on(task: Task, day: date) -> list[str]:
    """Opaque ids of everyone who may act on the task today: holders and acting officials."""
    ids = [a.person for a in task.assignees]
    ids += [d.person for a in task.assignees if (d := a.acting_on(day)) is not None]
    return list(dict.fromkeys(ids))


def current_details(record: ProcessRecord, day: date) -> str:
    """Markdown for the Temporal UI: who the process waits for, and until when."""
    task = record.task
    if task is None:
        return f"**{record.state.value}**"
    step = sop.step(task.step)
    role = sop.ROLES[step.role]
    lines = [
        f"**Langkah {step.number} dari {len(sop.STEPS)}** — {role.short}: {step.activity_id}",
        f"Putaran (round) {task.round} · tugas `{task.id}`",
    ]
    if task.decided:
        lines.append("Keputusan diterima; langkah berikutnya sedang disiapkan.")
    elif not task.assignees:
        lines.append(f"**Belum ada pelaksana** untuk peran `{step.role}`: ops perlu `assign`.")
    else:
        lines.append("Menunggu: " + ", ".join(f"`{p}`" for p in waiting_on(task, day)))
        if task.schedule is not None:
            deadline = task.schedule.deadline.astimezone(sop.WIB)
            lines.append(
                f"Tenggat: {deadline:%Y-%m-%d %H:%M} WIB"
                + (" — **TERLAMBAT**" if task.overdue else "")
            )
        if task.escalations_sent:
            lines.append(f"Eskalasi terkirim: {task.escalations_sent}")
    return "\n\n".join(lines)


def involved(record: ProcessRecord) -> list[str]:
    """Everyone told when the process ends: whoever held or decided a task (an acting
    official too), every member and the leader of the Tim Penyusunan, and whoever holds
    the task now."""
    ids = list(record.holders)
    for h in record.history:
        if h.event is HistoryEvent.DECIDED and h.person:
            ids.append(h.person)
            if h.acting_for:
                ids.append(h.acting_for)
    if record.team is not None:
        ids += [record.team.leader, *record.team.members]
    if record.task is not None:
        ids += [a.person for a in record.task.assignees]
    return list(dict.fromkeys(ids))


def hold(record: ProcessRecord, assignees: list[Assignee]) -> None:
    """Note who was given a task of this process."""
    for a in assignees:
        if a.person not in record.holders:
            record.holders.append(a.person)


def arrival(record: ProcessRecord, number: int) -> Arrival | None:
    """Why the work comes to step ``number``: the last decision, and what it meant."""
    decided = next((h for h in reversed(record.history) if h.event is HistoryEvent.DECIDED), None)
    if decided is None or decided.step is None or decided.person is None:
        return None
    base = {"from_step": decided.step, "by": decided.person, "note": decided.note}
    if decided.action is Action.RETURN:
        unmet = [answer for answer in decided.checklist if not answer.ok]
        return Arrival(kind=ArrivalKind.RETURNED, unmet=unmet, **base)
    draft_kind = sop.step(decided.step).draft
    if decided.action is Action.APPROVE and draft_kind and number < decided.step:
        # Sent back down for paraf: a new version by the reviewer above, or the same one
        # after a return withdrew the paraf on it.
        draft = next((d for d in reversed(record.documents) if d.kind == draft_kind), None)
        if draft is not None and draft.task_id == decided.task_id:
            version = DocVersion(kind=draft.kind, version=draft.version, sha256=draft.ref.sha256)
            return Arrival(kind=ArrivalKind.NEW_VERSION, version=version, **base)
        return Arrival(kind=ArrivalKind.REINITIAL, **base)
    return Arrival(kind=ArrivalKind.FORWARD, **base)
