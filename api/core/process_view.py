"""Everything the process page shows besides the SOP table: where it stands at a glance,
the documents with every version and the decisions on each, the paraf and the signature,
reminders and escalations, and the whole riwayat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.core.doc_versions import Versions
from api.core.i18n import (
    Lang,
    action_done,
    doc_kind,
    refusal,
    role_label,
    role_name,
    text,
    when,
)
from api.core.i18n_bureau import event_name, short_when
from api.core.people import People
from common.catalogue import acting_label
from common.deadline import deadline_line, deadline_said
from common.models import (
    Action,
    Approval,
    HistoryEntry,
    HistoryEvent,
    ProcessState,
    StatusView,
    TaskView,
)
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows import sop
from workflows.rules import REFUSALS

NOTICES = (
    HistoryEvent.REMINDER,
    HistoryEvent.OVERDUE,
    HistoryEvent.ESCALATION,
    HistoryEvent.RESENT,
    HistoryEvent.HANDED_OVER,
    HistoryEvent.NOTIFY_FAILED,
    HistoryEvent.UNASSIGNED,
    HistoryEvent.DEADLINE_MOVED,
)


@dataclass
class View:
    lang: Lang
    settings: Settings
    people: People
    calendar: WorkCalendar
    now: datetime

    def name(self, person: str | None) -> str:
        return self.people.who_name(person, self.lang)

    def short(self, moment: datetime) -> str:
        return short_when(moment, self.lang, self.settings.timezone)

    def long(self, moment: datetime) -> str:
        return when(moment, self.lang, self.settings.timezone)

    # --- at a glance -------------------------------------------------------------------

    def glance(self, status: StatusView) -> dict[str, Any]:
        started = next((h for h in status.history if h.event is HistoryEvent.STARTED), None)
        out: dict[str, Any] = {
            "state": status.state.value,
            "started_by": self.name(status.process.started_by),
            "started_at": self.long(started.at) if started else "",
            "round": status.round,
            "returns": sum(
                1
                for h in status.history
                if h.event is HistoryEvent.DECIDED and h.action is Action.RETURN
            ),
            "cancel_reason": status.cancel_reason or "",
            "ended_at": "",
            "ended_by": "",
            "task": None,
        }
        ended = next(
            (
                h
                for h in reversed(status.history)
                if h.event in (HistoryEvent.ARCHIVED, HistoryEvent.CANCELLED)
            ),
            None,
        )
        if ended is not None and status.state is not ProcessState.RUNNING:
            out["ended_at"] = self.long(ended.at)
            out["ended_by"] = self.name(ended.person) if ended.person else ""
        task = status.task
        if task is not None and status.state is ProcessState.RUNNING:
            step = sop.step(task.step)
            since = next((h.at for h in status.history if h.task_id == task.id), None)
            line = (
                deadline_line(
                    task.deadline,
                    self.now,
                    self.calendar,
                    self.lang,
                    overdue=task.overdue,
                    when=self.long,
                )
                if task.deadline
                else None
            )
            out["task"] = {
                "id": task.id,
                "step": task.step,
                "total": len(sop.STEPS),
                "round": task.round,
                "activity": step.activity_en if self.lang == "en" else step.activity_id,
                # Named as a label ("Kabag: belum ada pelaksana", "ditugaskan untuk peran:
                # Kabag"), as the list and the SOP chart name it; a person's post stays full.
                "role": role_label(self.lang, task.role),
                "holders": [self._holder(task, p) for p in task.assignees],
                # The role is said once: not again under a position that already names it.
                # (Positions are written in Indonesian, in the directory.)
                "role_in_positions": bool(task.assignees)
                and all(
                    role_name("id", task.role).lower() in self._holder(task, p)["position"].lower()
                    for p in task.assignees
                ),
                "unassigned": task.unassigned,
                **self._left_post(status, task),
                "since": self.long(since) if since else "",
                "deadline": line.when if line else "",
                "overdue": line.overdue if line else task.overdue,
                "left": line.left if line else "",
                "escalations": task.escalations_sent,
            }
        return out

    def _left_post(self, status: StatusView, task: TaskView) -> dict[str, Any]:
        """Holders the directory no longer backs (``left_post``, names) and, then, who holds
        the step's role now (``role_now``: id and name each), for ops to assign."""
        by_hand = {
            h.target
            for h in status.history
            if h.task_id == task.id and h.event is HistoryEvent.ASSIGNED and h.target
        }
        left = self.people.no_longer_holding(task, by_hand)
        now = [p for p in self.people.role_holders(task.role) if p.id not in task.assignees]
        return {
            "left_post": [self.name(p) for p in left],
            "role_now": [{"id": p.id, "name": p.name} for p in now] if left else [],
        }

    def _holder(self, task: TaskView, person: str) -> dict[str, str]:
        found = self.people.person(person)
        return {
            "id": person,
            "name": self.name(person),
            "position": found.position if found else "",
            "acting": self.people.acting_line(task, person, self.now.date()),
        }

    # --- documents -----------------------------------------------------------------------

    def documents(self, status: StatusView, page_url: str) -> list[dict[str, Any]]:
        """``page_url``: the process page's address (id and run); a version is below it."""
        # The SOP's kinds in its order, then any other kind the record holds.
        kinds = dict.fromkeys([*sop.DOC_KINDS, *(d.kind for d in status.documents)])
        versions = Versions(
            self.lang,
            self.name,
            self.short,
            lambda d: f"{page_url}/dokumen/{d.ref.sha256}",
        )
        return versions.groups(status, kinds)

    # --- paraf and signature --------------------------------------------------------------

    def marks(self, status: StatusView) -> list[dict[str, Any]]:
        """Every paraf and signature ever given, on which version, and whether it stands
        (a reviewer who returns a version withdraws their paraf on it)."""
        in_force = {(m.step, m.sha256) for m in status.parafs}
        newest = {d.kind: d.version for d in status.documents}
        if status.signature is not None:
            in_force.add((status.signature.step, status.signature.sha256))
        versions = {(d.kind, d.version): d for d in status.documents}
        rows = []
        for h in status.history:
            if h.event is not HistoryEvent.DECIDED or h.action is not Action.APPROVE:
                continue
            step = sop.step(h.step) if h.step else None
            if step is None or not step.signs:
                continue
            concerned = next((v for v in h.documents if v.kind == step.draft), None)
            if concerned is None:
                continue
            doc = versions.get((concerned.kind, concerned.version))
            rows.append(
                {
                    "kind": text(
                        self.lang,
                        "mark_paraf" if step.approval is Approval.PARAF else "mark_signature",
                    ),
                    "step": h.step,
                    "who": self.name(h.person),
                    "acting_for": self.name(h.acting_for) if h.acting_for else "",
                    "acting_kind": acting_label(h.acting_kind),
                    "doc": doc_kind(self.lang, concerned.kind),
                    "version": concerned.version,
                    "sha256": concerned.sha256,
                    "name": doc.ref.name if doc else "",
                    "when": self.short(h.at),
                    "in_force": (h.step, concerned.sha256) in in_force,
                    "latest": newest.get(concerned.kind) == concerned.version,
                }
            )
        return rows

    # --- reminders and escalations -----------------------------------------------------

    def notices(self, status: StatusView) -> list[dict[str, Any]]:
        return [self._entry(h) for h in status.history if h.event in NOTICES]

    # --- the riwayat ---------------------------------------------------------------------

    def history(self, status: StatusView) -> list[dict[str, Any]]:
        return [self._entry(h) for h in status.history]

    def _entry(self, h: HistoryEntry) -> dict[str, Any]:
        step = sop.step(h.step) if h.step else None
        checklist = []
        if step is not None:
            texts = {
                i.code: (i.text_en if self.lang == "en" else i.text_id) for i in step.checklist
            }
            checklist = [
                {"text": texts.get(a.item, a.item), "ok": a.ok, "remark": a.remark}
                for a in h.checklist
            ]
        return {
            "seq": h.seq,
            "when": self.short(h.at),
            "event": h.event.value,
            "label": event_name(self.lang, h.event.value),
            "step": h.step,
            "round": h.round,
            "task_id": h.task_id or "",
            "who": self.name(h.person) if h.person else "",
            "acting_for": self.name(h.acting_for) if h.acting_for else "",
            "acting_kind": acting_label(h.acting_kind),
            "via": h.via or "",
            "action": action_done(self.lang, h.action, h.step) if h.action else "",
            "returned": h.action is Action.RETURN,
            "note": h.note,
            "checklist": checklist,
            "documents": [
                {"kind": doc_kind(self.lang, v.kind), "version": v.version, "sha256": v.sha256}
                for v in h.documents
            ],
            "target": self._target(h),
            "detail": self._detail(h),
        }

    def _target(self, h: HistoryEntry) -> str:
        if not h.target:
            return ""
        if h.event in (HistoryEvent.ASSIGNED, HistoryEvent.HANDED_OVER):
            return text(self.lang, "to_person", name=self.name(h.target))
        if h.event is HistoryEvent.ESCALATION:
            return text(self.lang, "to_role", role=role_label(self.lang, h.target))
        if h.event is HistoryEvent.DECIDED and h.target.isdigit():
            return text(self.lang, "to_step", n=h.target)
        if h.event in (HistoryEvent.ENTERED, HistoryEvent.UNASSIGNED):
            return role_label(self.lang, h.target)
        return ""

    def _detail(self, h: HistoryEntry) -> str:
        if h.event is HistoryEvent.REFUSED and h.detail in REFUSALS:
            return refusal(self.lang, h.detail)
        if h.event is HistoryEvent.ESCALATION and h.detail:
            return text(self.lang, "escalation_n", n=h.detail)
        if (said := deadline_said(h)) is not None:
            words, deadline = said
            return text(self.lang, words, deadline=self.long(deadline))
        return h.detail
