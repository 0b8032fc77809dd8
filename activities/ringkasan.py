"""The printed record of a process (``ringkasan.html``): what the archive's manual copy is
printed from ("disimpan sebagai data elektronik dan manual").

In Bahasa Indonesia, self-contained (styles inline, no script, nothing fetched), every
value escaped. People are named from the directory as it is when the archive is made; the
record itself keeps only their ids. The page is the template file
``record_templates/ringkasan.html``; this module only gathers what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from common.archives.bag import BAG_CHECKSUMS, payload_path
from common.catalogue import (
    EVENTS,
    HEADER_FIELDS,
    RECORD,
    STATES,
    acting_label,
    done_word,
    pick,
    text,
)
from common.catalogue import label as label_of
from common.dates import format_when
from common.directory import Directory, record_name
from common.models import Action, ArchiveRequest, HistoryEntry, Mark, ProcessState
from common.workcalendar import DEFAULT_TIMEZONE
from workflows.sop import ROLES, SOP_HEADER, STEP_BY_NUMBER, doc_name

# The ops identities and the planning bureau's (settings): who acted without being a person.
Identities = tuple[Sequence[str], Sequence[str]]

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("record_templates")),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.tests["list"] = lambda value: isinstance(value, list)


def _word(key: str, **values: object) -> str:
    """The printed record's words (catalogue ``RECORD``), in Bahasa Indonesia."""
    template = pick(RECORD[key], "id")
    return template.format(**values) if values else template


# Every heading and label of the template: ``{{ r("history") }}``.
_env.globals["r"] = _word

# The record is in Bahasa Indonesia; its words are the catalogue's, as on the pages.
_HEADER_LABELS = {key: text("id", field) for key, field in HEADER_FIELDS.items()}


@dataclass(frozen=True)
class Who:
    """A person as the printed record names them, resolved from the directory."""

    name: str
    nip: str | None
    position: str
    acting: str | None = None  # Plh or Plt (catalogue.acting_label) when standing in
    for_name: str | None = None
    for_position: str | None = None


def _when(moment: datetime, tz: tzinfo) -> str:
    """As the pages and the riwayat write a moment (``Kamis, 26 Maret 2026 pukul 16.00 WIB``)."""
    return format_when(moment, "id", getattr(tz, "key", DEFAULT_TIMEZONE))


def _size(n: int) -> str:
    return f"{n:,}".replace(",", ".") + " byte"


def _acting_kind(directory: Directory, person: str, for_person: str, day: date) -> str:
    """Plh or Plt, from the appointment that covered that day (any of the pair if the
    dates were changed since), for records made before they kept the kind themselves."""
    pair = [a for a in directory.acting if a.person == person and a.for_person == for_person]
    covering = [a for a in pair if a.start <= day <= a.end]
    chosen = covering or pair
    return acting_label(chosen[0].kind if chosen else None)


def resolve_who(
    directory: Directory,
    person_id: str,
    acting_for: str | None,
    at: datetime,
    tz: tzinfo,
    role: str | None = None,
    acting_kind: str | None = None,
    *,
    identities: Identities,
) -> Who:
    role_name = ROLES[role].name_id if role in ROLES else ""
    person = directory.person(person_id)
    if person is None:
        # Ops or the planning bureau by their unit, as every page names them; a person since
        # removed from the directory by their id.
        ops, bureau = identities
        who = Who(
            name=record_name(directory, person_id, ops=ops, bureau=bureau),
            nip=None,
            position="",
        )
    else:
        who = Who(name=person.name, nip=person.nip, position=person.position or role_name)
    if not acting_for:
        return who
    absent = directory.person(acting_for)
    day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz).date()
    return Who(
        name=who.name,
        nip=who.nip,
        position=who.position,
        # "Plh."/"Plt.", as the signed PDF's position writes it.
        acting=acting_label(acting_kind)
        if acting_kind
        else _acting_kind(directory, person_id, acting_for, day),
        for_name=absent.name if absent else acting_for,
        for_position=(absent.position if absent and absent.position else role_name),
    )


def signer_line(mark: Mark, who: Who, lang: str = "id") -> str:
    """A paraf or the signature in one line, naming the signer as the record prints them:
    ``Paraf, langkah 9: Kepala Biro …: Dr. Bambang Sutrisno, M.P.A., NIP …``."""
    kind = text(lang, "verify_paraf" if mark.kind == "paraf" else "verify_signature")
    position = f"{who.acting} {who.for_position}" if who.acting else who.position
    line = pick(RECORD["signer_line"], lang).format(mark=kind, step=mark.step)
    line += (f"{position}: " if position else "") + who.name
    if who.nip:
        line += f", NIP {who.nip}"
    if who.acting:
        acting = pick(RECORD["signer_acting"], lang)
        line += " " + acting.format(acting=who.acting, name=who.for_name)
    return line


def decision_done(action: Action | None, step_number: int | None) -> str:
    """What a decision did, as riwayat.pdf and the pages word it beside "Keputusan":
    "disetujui dan diparaf" at a paraf step, not the button's "Setujui dan paraf"."""
    if action is None:
        return ""
    known = STEP_BY_NUMBER.get(step_number or 0)
    return done_word(action.value, known.approval.value if known else None, "id")


def _step_label(number: int | None) -> str:
    if number is None:
        return ""
    known = STEP_BY_NUMBER.get(number)
    return f"{number} · {ROLES[known.role].short}" if known else str(number)


def _checklist_text(entry: HistoryEntry) -> list[str]:
    known = STEP_BY_NUMBER.get(entry.step or 0)
    texts = {item.code: item.text_id for item in known.checklist} if known else {}
    lines = []
    for answer in entry.checklist:
        line = f"{'✓' if answer.ok else '✗'} {texts.get(answer.item, answer.item)}"
        lines.append(f"{line}: {answer.remark}" if answer.remark else line)
    return lines


def render_ringkasan(
    request: ArchiveRequest,
    run_id: str,
    name: str,
    created_at: datetime,
    directory: Directory,
    tz: tzinfo,
    sop_line: str = "",
    *,
    identities: Identities,
) -> str:
    """The printable record, in Bahasa Indonesia, self-contained; everything escaped.
    ``identities``: the ops and the bureau identities (settings), named by their units."""
    status = request.status
    paths = {(d.kind, d.version, d.ref.sha256): payload_path(d) for d in request.documents}

    def who(
        person: str,
        acting_for: str | None,
        at: datetime,
        step: int | None,
        acting_kind: str | None = None,
    ) -> Who:
        role = STEP_BY_NUMBER[step].role if step in STEP_BY_NUMBER else None
        return resolve_who(
            directory, person, acting_for, at, tz, role, acting_kind, identities=identities
        )

    def mark_row(mark: Mark) -> dict[str, Any]:
        return {
            "kind": _word("mark_paraf" if mark.kind == "paraf" else "mark_signature"),
            "step": _step_label(mark.step),
            "who": who(mark.person, mark.acting_for, mark.at, mark.step, mark.acting_kind),
            "at": _when(mark.at, tz),
            "document": _word(
                "version_of", document=doc_name(mark.document_kind), version=mark.version
            ),
            "sha256": mark.sha256,
            "path": paths.get((mark.document_kind, mark.version, mark.sha256)),
        }

    marks = [mark_row(m) for m in sorted(status.parafs, key=lambda m: (m.step, m.at))]
    if status.signature is not None:
        marks.append(mark_row(status.signature))
    documents = [
        {
            "step": _step_label(d.step),
            "kind": doc_name(d.kind),
            "version": d.version,
            "name": d.ref.name,
            "size": _size(d.ref.size),
            "media_type": d.ref.media_type,
            "by": who(d.by, None, d.at, None).name,
            "at": _when(d.at, tz),
            # A version set as its kind by an approval, without a new upload.
            "promoted": _word(
                "promoted",
                kind=doc_name(d.kind),
                step=d.promoted.step,
                name=who(d.promoted.by, None, d.promoted.at, d.promoted.step).name,
                when=_when(d.promoted.at, tz),
                source=_word(
                    "version_of",
                    document=doc_name(d.promoted.from_kind),
                    version=d.promoted.from_version,
                ),
            )
            if d.promoted
            else "",
            "sha256": d.ref.sha256,
            "path": payload_path(d),
        }
        for d in sorted(request.documents, key=lambda d: (d.step, d.kind, d.version))
    ]
    history = []
    for entry in status.history:
        person = (
            who(entry.person, entry.acting_for, entry.at, entry.step, entry.acting_kind)
            if entry.person
            else None
        )
        history.append(
            {
                "seq": entry.seq,
                "at": _when(entry.at, tz),
                "event": label_of(EVENTS, entry.event.value),
                "step": _step_label(entry.step),
                "round": entry.round or "",
                "person": person,
                "action": decision_done(entry.action, entry.step),
                "note": entry.note,
                "checklist": _checklist_text(entry),
                "documents": [
                    f"{doc_name(v.kind)} v{v.version} ({v.sha256[:12]})" for v in entry.documents
                ],
                "detail": entry.detail,
            }
        )
    team = []
    if status.team is not None:
        for member in status.team.members:
            person = directory.person(member)
            label = person.name if person else member
            team.append(_word("leader_of", name=label) if member == status.team.leader else label)
    header = [(_HEADER_LABELS.get(key, key), value) for key, value in SOP_HEADER.items()]
    return _env.get_template("ringkasan.html").render(
        header=header,
        sop_line=sop_line or f"No. {request.process.sop_number}",
        process=request.process,
        workflow_id=request.workflow_id,
        # Given when the Minister signed (step 11); none for a process cancelled before.
        official_number=status.official_number.number if status.official_number else None,
        run_id=run_id,
        # Archived: with the archive's moment (the bag is made at ``created_at``).
        state=pick(RECORD["state_at"], "id").format(
            state=label_of(STATES, status.state.value), when=_when(created_at, tz)
        )
        if status.state is ProcessState.ARCHIVED
        else label_of(STATES, status.state.value),
        cancel_reason=status.cancel_reason,
        team=team,
        marks=marks,
        documents=documents,
        history=history,
        bag_name=name,
        created=_when(created_at, tz),
        checksums=", ".join(BAG_CHECKSUMS),
    )
