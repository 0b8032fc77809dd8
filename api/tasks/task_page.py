"""What the task page shows, built from the status query and the directory.

Everything an official needs to decide on a phone: which SOP and step, who is asked and by
whom, the deadline in working days, every document version with the decisions made on it,
and a form with only what this step takes (checklist, note or disposisi, uploads, team,
the allowed buttons).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.core.deps import today
from api.core.doc_versions import Versions
from api.core.i18n import (
    Lang,
    action_done,
    activity,
    button,
    doc_kind,
    role_label,
    role_name,
    size,
    text,
    when,
)
from api.core.people import People
from api.tasks.access import TaskAccess
from common.catalogue import acting_label
from common.deadline import deadline_line
from common.filetypes import EXTENSIONS
from common.models import (
    Action,
    Approval,
    ArrivalKind,
    Document,
    HistoryEntry,
    HistoryEvent,
    StatusView,
    StepKind,
    TaskView,
)
from common.settings import Settings
from common.sop_identity import header_line
from common.workcalendar import WorkCalendar
from workflows import sop

ACCEPT = ",".join([*EXTENSIONS.values(), ".jpeg", *EXTENSIONS.keys()])

# The part of the form a refusal of the workflow is about: the page marks it (aria-invalid,
# described by the refusal) and puts the cursor there, so a phone does not open at the top of
# a long page. A group ("checklist", "team", "uploads") is marked on its fieldset, and its
# first control to put right takes the cursor.
REFUSAL_FIELDS = {
    "note_required": "note",
    "disposisi_required": "note",
    "checklist_incomplete": "checklist",
    "checklist_unknown_item": "checklist",
    "checklist_not_met": "checklist",
    "team_required": "team",
    "team_not_allowed": "team",
    "documents_missing": "uploads",
    "attachment_not_allowed": "uploads",
    "attachment_duplicate": "uploads",
    "draft_not_pdf": "uploads",
}


def field_of(code: str) -> str:
    """The form's field a refusal code of the workflow is about, or "" for none."""
    return REFUSAL_FIELDS.get(code, "")


@dataclass
class FormValues:
    """What the official typed, shown again when the workflow refused the form."""

    note: str = ""
    checklist: dict[str, str] = field(default_factory=dict)  # code -> "ok" / "not_ok"
    remarks: dict[str, str] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    leader: str = ""
    team_query: str = ""  # what the team picker's search box holds


def task_page(
    access: TaskAccess,
    *,
    lang: Lang,
    settings: Settings,
    people: People,
    calendar: WorkCalendar,
    nonce: str,
    values: FormValues | None = None,
    error: list[str] | None = None,
    error_field: str = "",
    refused: bool = False,
) -> dict[str, Any]:
    """``error``: the lines on top of a form shown again; ``error_field``: the field they
    are about (see ``field_of``); ``refused``: the form was refused (not only searched)."""
    status, task = access.status, access.task
    step = sop.step(task.step)
    # A form shown again without a refusal is the answer to the team picker's search.
    searched = values is not None and not refused
    values = values or FormValues()
    ctx = _Context(lang, settings, people, calendar, access.token)
    checklist = (
        [
            {
                "code": item.code,
                "text": item.text_en if lang == "en" else item.text_id,
                "value": values.checklist.get(item.code, ""),
                "remark": values.remarks.get(item.code, ""),
            }
            for item in step.checklist
        ]
        if step.kind is StepKind.REVIEW
        else []
    )
    uploads = ctx.uploads(step, status)
    team = ctx.team(status, values, access.claims.person) if step.names_team else None
    # Only a field the page shows can be marked; the refusal is on top either way.
    shown = {
        "note": True,
        "passphrase": step.signs,
        "checklist": bool(checklist),
        "team": team is not None,
        "uploads": bool(uploads),
    }
    error_field = error_field if error and shown.get(error_field) else ""
    return {
        "process": status.process,
        "sop_name": sop.SOP_HEADER["name_en" if lang == "en" else "nama_sop"],
        # As the mail's header says it: the number (or that it is not yet registered) and
        # the dates of approval and revision from the deployment's settings.
        "sop_line": header_line(
            status.process.sop_number, settings.sop_approved_on, settings.sop_revised_on, lang
        ),
        "step": {
            "number": step.number,
            "total": len(sop.STEPS),
            "short": step.short(lang),
            "activity": activity(lang, step.number),
            # "(Kabag)", as the SOP table heads its columns; the full title (in Indonesian,
            # as the directory writes posts) only tells whether the post already says it.
            "role": role_label(lang, step.role),
            "role_title": role_name("id", step.role),
            "related": step.related_sop,
        },
        # How many times this step has been opened: the process's round would tell a reader
        # who sees a step for the first time that it is their second.
        "round": sum(
            1 for h in status.history if h.event is HistoryEvent.ENTERED and h.step == task.step
        ),
        "asked": ctx.asked(access),
        "origin": ctx.origin(status, task),
        "deadline": ctx.deadline(task),
        "docs_step": ctx.documents(status, list(step.requires)),
        "docs_other": ctx.documents(
            status, [k for k in _kinds(status.documents) if k not in step.requires]
        ),
        "checklist": checklist,
        "note": ctx.note(step, values.note),
        "uploads": uploads,
        "upload_hint": text(lang, "uploads_hint", size=size(settings.max_upload_bytes)),
        "accept": ACCEPT,
        "team": team,
        "buttons": [
            {
                "action": a.value,
                "label": button(lang, a, step.number),
                "secondary": a is Action.RETURN,
            }
            for a in task.allowed_actions
        ],
        # At 8–11 approving signs: the page asks for the passphrase (never pre-filled).
        "signing": (
            {
                "label": text(lang, "passphrase_label"),
                "hint": text(
                    lang,
                    "passphrase_hint_signature"
                    if step.approval is Approval.SIGNATURE
                    else "passphrase_hint_paraf",
                ),
            }
            if step.signs
            else None
        ),
        "nonce": nonce,
        "token": access.token,
        "other_lang": "id" if lang == "en" else "en",
        "error": error or [],
        "refused": refused and bool(error),
        "searched": searched,
        "error_field": error_field,
        # Within a group, the control to put right first: the first checklist item not
        # answered "sesuai", the first document still required.
        "error_item": next((c["code"] for c in checklist if c["value"] != "ok"), "")
        or (checklist[0]["code"] if checklist else ""),
        "error_upload": next((u["field"] for u in uploads if u["required"]), "")
        or (uploads[0]["field"] if uploads else ""),
        "history": ctx.history(status),
    }


def _kinds(documents: list[Document]) -> list[str]:
    return list(dict.fromkeys(d.kind for d in documents))


@dataclass
class _Context:
    lang: Lang
    settings: Settings
    people: People
    calendar: WorkCalendar
    token: str

    def when(self, moment: datetime) -> str:
        return when(moment, self.lang, self.settings.timezone)

    def asked(self, access: TaskAccess) -> dict[str, str]:
        person = access.claims.person
        found = access.standing.acting
        acting = ""
        if found is not None:
            acting = text(
                self.lang,
                "acting_as",
                kind=acting_label(found.kind),
                position=self.people.position(found.for_person),
                name=self.people.name(found.for_person),
            )
        return {
            "name": self.people.name(person),
            "position": self.people.position(person),
            "acting": acting,
        }

    def origin(self, status: StatusView, task: TaskView) -> dict[str, Any]:
        """Whose decision brought the work here: a forward decision, or a return."""
        entered = next(
            (
                h
                for h in status.history
                if h.task_id == task.id
                and h.event in (HistoryEvent.ENTERED, HistoryEvent.UNASSIGNED)
            ),
            None,
        )
        limit = entered.seq if entered else len(status.history) + 1
        decided = [h for h in status.history if h.event is HistoryEvent.DECIDED and h.seq < limit]
        if not decided:
            return {
                "label": text(self.lang, "started_by"),
                "name": self.people.who_name(status.process.started_by, self.lang),
                "step": None,
                "when": "",
                "why": "",
                "returned": False,
                "note": "",
                "note_label": "",
                "unmet": [],
            }
        last = decided[-1]
        returned = last.action is Action.RETURN
        # Why it is here, as the workflow recorded it: a new version to initial again, or
        # the same one whose paraf a return withdrew; and the sender's note or disposisi.
        arrival = task.arrival
        sender = sop.step(last.step) if last.step else None
        role = role_label(self.lang, sender.role) if sender else ""
        why = ""
        if arrival is not None and arrival.kind in (
            ArrivalKind.NEW_VERSION,
            ArrivalKind.REINITIAL,
        ):
            why = text(
                self.lang,
                f"arrival_{arrival.kind.value}",
                role=role,
                step=arrival.from_step,
                version=arrival.version.version if arrival.version else "",
            )
        if returned:
            note_label = text(self.lang, "return_note")
        elif sender is not None and sender.approval is Approval.DISPOSISI:
            note_label = text(self.lang, "disposisi_of", role=role)
        else:
            note_label = text(self.lang, "note_of", role=role)
        return {
            "label": text(self.lang, "returned_by" if returned else "sent_by"),
            "name": self.people.name(last.person),
            "step": last.step,
            "when": self.when(last.at),
            "why": why,
            "returned": returned,
            "note": last.note.strip(),
            "note_label": note_label,
            "unmet": self.unmet(last) if returned else [],
        }

    def unmet(self, returned: HistoryEntry) -> list[dict[str, str]]:
        """What the reviewer who returned the work found not met, with their remarks: what
        the holder has to put right."""
        return [
            {"text": sop.item_text(answer.item, self.lang), "remark": answer.remark.strip()}
            for answer in returned.checklist
            if not answer.ok
        ]

    def deadline(self, task: TaskView) -> dict[str, Any] | None:
        if task.deadline is None:
            return None
        line = deadline_line(
            task.deadline,
            today(),
            self.calendar,
            self.lang,
            overdue=task.overdue,
            when=self.when,
        )
        return {"when": line.when, "left": line.left, "overdue": line.overdue}

    def documents(self, status: StatusView, kinds: list[str]) -> list[dict[str, Any]]:
        # Links relative to the page (/t/<token>), in the reader's language.
        versions = Versions(
            self.lang,
            lambda person: self.people.who_name(person, self.lang),
            self.when,
            lambda d: f"{self.token}/dokumen/{d.ref.sha256}?lang={self.lang}",
        )
        return versions.groups(status, kinds)

    def note(self, step: sop.Step, value: str) -> dict[str, Any]:
        disposisi = step.approval is Approval.DISPOSISI
        if disposisi:
            hint = text(self.lang, "disposisi_hint")
        elif step.kind is StepKind.REVIEW:
            hint = text(self.lang, "note_hint")
        else:
            hint = ""
        return {
            "label": text(self.lang, "disposisi" if disposisi else "note"),
            "hint": hint,
            "required": disposisi,
            "value": value,
        }

    def uploads(self, step: sop.Step, status: StatusView) -> list[dict[str, Any]]:
        several_actions = len(step.actions) > 1
        rows = []
        for upload in step.uploads:
            held = [d for d in status.documents if d.kind == upload.kind]
            if upload.required and not held:
                state = text(self.lang, "required")
            elif upload.required:
                state = text(self.lang, "keeps_version", n=max(d.version for d in held))
            else:
                state = text(self.lang, "optional")
            rows.append(
                {
                    "field": f"doc.{upload.kind}",
                    "label": doc_kind(self.lang, upload.kind),
                    "state": state,
                    "required": upload.required and not held,
                    "multiple": upload.multiple,
                    "for": text(
                        self.lang,
                        "for_actions",
                        actions=", ".join(
                            button(self.lang, a, step.number) for a in upload.actions
                        ),
                    )
                    if several_actions
                    else "",
                }
            )
        return rows

    def team(self, status: StatusView, values: FormValues, person: str) -> dict[str, Any]:
        """The staff of the unit of whoever names the team, those chosen first; a search
        (by name or position) narrows the rest, never dropping someone chosen."""
        members = set(values.members or (status.team.members if status.team else []))
        leader = values.leader or (status.team.leader if status.team else "")
        chosen = members | {leader}
        staff = self.people.unit_staff(person)
        known = {p.id for p in staff}
        staff += [p for p in self.people.selectable() if p.id in chosen and p.id not in known]
        query = values.team_query.strip().casefold()
        shown = [
            p
            for p in staff
            if p.id in chosen or not query or query in f"{p.name} {p.position}".casefold()
        ]
        shown.sort(key=lambda p: (p.id not in chosen, p.name.casefold()))
        return {
            "query": values.team_query,
            "found": len([p for p in shown if p.id not in chosen]),
            "people": [
                {
                    "id": p.id,
                    "name": p.name,
                    "position": p.position,
                    "member": p.id in members,
                    "leader": p.id == leader,
                }
                for p in shown
            ],
        }

    def history(self, status: StatusView) -> list[dict[str, str]]:
        decided: list[HistoryEntry] = [h for h in status.history if h.event is HistoryEvent.DECIDED]
        return [
            {
                "when": self.when(h.at),
                "step": str(h.step),
                "what": action_done(self.lang, h.action, h.step),
                "who": self.people.name(h.person),
                "note": h.note,
            }
            for h in reversed(decided)
        ]
