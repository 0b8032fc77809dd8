"""The printable record: each review's Lembar Pemeriksaan and the whole riwayat as PDF,
typeset by WeasyPrint from Jinja2 templates (``signing/templates``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from PIL import ImageFile

from common.catalogue import EVENTS, RECORD, acting_label, done_word, pick
from common.catalogue import label as label_of
from common.dates import format_when
from common.deadline import deadline_said, written_deadline
from common.models import (
    Action,
    Document,
    DocVersion,
    HistoryEntry,
    HistoryEvent,
    Mark,
    StatusView,
    StepKind,
)
from common.sop_identity import header_line
from common.workcalendar import DEFAULT_TIMEZONE
from workflows.sop import ROLES, SOP_HEADER, STEPS, doc_name, step

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)

Names = Callable[[str | None], str]


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported late: pango is loaded only when a PDF is made

    # Importing WeasyPrint lets Pillow accept truncated images in the whole process; the
    # web layer's upload check must refuse them, and our templates' images are whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    html = _env.get_template(template).render(header=SOP_HEADER, **context)
    return HTML(string=html).write_pdf(font_config=_font_config())


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, kept: a new one for every sheet was about a tenth
    of an archive's typesetting. Not shared between threads (Pango's font map is not
    thread-safe), and the web layer typesets in threads."""
    fonts: FontConfiguration | None = getattr(_fonts, "config", None)
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _fonts.config = FontConfiguration()
    return fonts


def _done(action: Action | None, step_number: int | None) -> str:
    """What a decision did, in the pages' words (``api.core.i18n.action_done``): "disetujui",
    "dikembalikan untuk diperbaiki", and "disetujui dan diparaf" at a paraf step."""
    if action is None:
        return ""
    approval = step(step_number).approval.value if step_number is not None else None
    return done_word(action.value, approval, "id")


def _decision(action: Action | None, step_number: int | None) -> str:
    """The decision as the record words it: "Disetujui dan diparaf", "Dikembalikan untuk
    diperbaiki"."""
    done = _done(action, step_number)
    return done[:1].upper() + done[1:]


def _who(entry: HistoryEntry, names: Names) -> str:
    who = names(entry.person)
    if entry.acting_for and entry.acting_kind:
        who += f" ({acting_label(entry.acting_kind)} {names(entry.acting_for)})"
    return who


def reviews(status: StatusView) -> list[HistoryEntry]:
    """Every decision taken at a review step: each has its Lembar Pemeriksaan."""
    return [
        h
        for h in status.history
        if h.event is HistoryEvent.DECIDED and h.step is not None and h.checklist
    ]


def _word(key: str, **values: object) -> str:
    """The printed record's words (catalogue ``RECORD``), in Bahasa Indonesia."""
    template = pick(RECORD[key], "id")
    return template.format(**values) if values else template


# Every heading and label of the templates: ``{{ r("history") }}``.
_env.globals["r"] = _word


def when_to_the_second(moment: datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    """``… pukul 16.13.07 WIB``: the riwayat's event list, where several events fall in one
    minute and their order must show."""
    return format_when(moment, "id", tz, seconds=True)


@dataclass(frozen=True)
class Version:
    """One exact version of a document, as the printed record names it."""

    kind: str
    version: int
    sha256: str

    @property
    def label(self) -> str:
        return doc_name(self.kind)

    @property
    def named(self) -> str:
        return _word("version_of", document=self.label, version=self.version)

    @classmethod
    def of(cls, found: Document | DocVersion | Mark) -> Version:
        if isinstance(found, Document):
            return cls(found.kind, found.version, found.ref.sha256)
        if isinstance(found, Mark):
            return cls(found.document_kind, found.version, found.sha256)
        return cls(found.kind, found.version, found.sha256)


@dataclass(frozen=True)
class Decided:
    """What one decision was about, from the record: the versions the reviewer saw and
    decided on, the versions the decision itself added (a paraf or the signature made one,
    or the reviewer uploaded it), and its paraf or signature, standing or withdrawn."""

    reviewed: list[Version]
    made: list[Version]
    # The version a paraf or the signature resulted in (one of ``made``), if it made one.
    result: Version | None
    mark: Mark | None  # the paraf or signature standing in the record
    marks: bool  # the decision was a paraf or the signature (approving at 8–11)
    withdrawn_by: HistoryEntry | None  # the return that withdrew the paraf

    @property
    def uploaded(self) -> list[Version]:
        """What the reviewer attached besides the version their paraf or signature made."""
        return [v for v in self.made if v != self.result]


def _source(status: StatusView, document: Document) -> Document | None:
    """The version ``document`` was made from: the one it extends by an electronic paraf or
    signature, else the version of its kind before it (a new draft replacing it)."""
    before = status.documents[: status.documents.index(document)]
    if document.extends:
        same = [d for d in before if d.ref.sha256 == document.extends]
        kind = [d for d in same if d.kind == document.kind]
        return (kind or same or [None])[-1]
    earlier = [d for d in before if d.kind == document.kind]
    return earlier[-1] if earlier else None


def _lineage(status: StatusView, sha256: str) -> set[str]:
    """A version and every version it was made from by adding a signature."""
    chain: set[str] = set()
    current: str | None = sha256
    while current is not None and current not in chain:
        chain.add(current)
        current = next(
            (d.extends for d in status.documents if d.ref.sha256 == current and d.extends),
            None,
        )
    return chain


def decided(status: StatusView, entry: HistoryEntry) -> Decided:
    """What ``entry`` decided on. The entry's own documents are the record's current versions
    after the decision: at 8–11 that is the version the reviewer's paraf or signature made,
    not the one they saw; the documents say which is which (``task_id``, ``extends``)."""
    the_step = step(entry.step) if entry.step is not None else None
    made_docs = [
        d
        for d in status.documents
        if entry.task_id and d.task_id == entry.task_id and d.promoted is None
    ]
    made_keys = {(d.kind, d.version) for d in made_docs}
    reviewed: list[Version] = []
    for found in entry.documents:
        if (found.kind, found.version) not in made_keys:
            reviewed.append(Version.of(found))
    for document in made_docs:
        source = _source(status, document)
        if source is not None and (source.kind, source.version) not in made_keys:
            version = Version.of(source)
            if version not in reviewed:
                reviewed.append(version)
    marks = bool(the_step and the_step.signs and entry.action is Action.APPROVE)
    result = None
    if marks and the_step is not None:
        # Made by the paraf or signature: a version extending the one reviewed, or (at 8–10)
        # a new draft carrying only the reviewer's paraf.
        signed = [d for d in made_docs if d.extends or d.kind == the_step.draft]
        result = Version.of(signed[-1]) if signed else None
    mark = next(
        (m for m in [*status.parafs, status.signature] if m and m.task_id == entry.task_id),
        None,
    )
    withdrawn_by = None
    if marks and mark is None:
        # The record keeps no withdrawn paraf, only the version it made and the return that
        # withdrew it (whose returned version descends from it).
        ours = {result.sha256} if result else {v.sha256 for v in reviewed}
        withdrawn_by = next(
            (
                h
                for h in status.history
                if h.seq > entry.seq
                and h.event is HistoryEvent.DECIDED
                and h.action is Action.RETURN
                and any(ours & _lineage(status, d.sha256) for d in h.documents)
            ),
            None,
        )
    return Decided(
        reviewed=reviewed,
        made=[Version.of(d) for d in made_docs],
        result=result,
        mark=mark,
        marks=marks,
        withdrawn_by=withdrawn_by,
    )


def _sop_line(status: StatusView, sop_line: str | None) -> str:
    return sop_line or header_line(status.process.sop_number, None, None, "id")


def _printed(printed_at: datetime | None, tz: str) -> str:
    return _word("printed_at", when=when_to_the_second(printed_at or datetime.now(UTC), tz))


def lembar_pemeriksaan(
    status: StatusView,
    entry: HistoryEntry,
    names: Names,
    *,
    printed_at: datetime | None = None,
    sop_line: str | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> bytes:
    """``tz``: the deployment's zone (IKU_TIMEZONE), as the pages write times;
    ``printed_at``: when it is printed (the archive's moment in a bag; now by default);
    ``sop_line``: the SOP's number and dates as the pages write them (its number alone by
    default)."""
    assert entry.step is not None
    the_step = step(entry.step)
    texts = {item.code: item.text_id for item in the_step.checklist}
    about = decided(status, entry)
    withdrawn = about.withdrawn_by
    # The version the paraf or signature was made on: the draft reviewed; a mark recorded
    # on the reviewed version itself (no version of its own) by its own version.
    if about.mark is not None and about.result is None:
        on: Version | None = Version.of(about.mark)
    else:
        on = next((v for v in reversed(about.reviewed) if v.kind == the_step.draft), None)
    return _pdf(
        "lembar_pemeriksaan.html",
        {
            "title": status.process.title,
            "workflow_id": status.workflow_id,
            "sop_label": _word("sop"),
            "sop_line": _sop_line(status, sop_line),
            "printed": _printed(printed_at, tz),
            "step": the_step,
            "entry": entry,
            "who": _who(entry, names),
            "when": format_when(entry.at, "id", tz),
            "decision": _decision(entry.action, entry.step),
            "items": [(texts.get(a.item, a.item), a.ok, a.remark) for a in entry.checklist],
            "reviewed_label": _word("reviewed"),
            "documents": about.reviewed,
            "uploaded_label": _word("uploaded"),
            "uploaded": about.uploaded,
            "marks": about.marks or about.mark is not None,
            "mark_label": _word(
                "mark_signature" if the_step.approval.value == "signature" else "mark_paraf"
            ),
            # The reviewer's box as the task page names it at this step.
            "note_label": _word("disposisi" if the_step.approval.value == "disposisi" else "note"),
            "mark": about.mark,
            "mark_on": _word("mark_on", version=on.named) if on else "",
            "result": about.result,
            "result_text": _word("mark_result", version=about.result.named) if about.result else "",
            "withdrawn": _word(
                "mark_withdrawn",
                step=withdrawn.step,
                round=withdrawn.round,
                when=format_when(withdrawn.at, "id", tz),
            )
            if withdrawn
            else "",
            "withdrawn_kept": _word("mark_withdrawn_kept", version=about.result.named)
            if withdrawn and about.result
            else "",
            "not_recorded": _word("mark_not_recorded")
            if about.marks and about.mark is None and withdrawn is None
            else "",
        },
    )


def _documents_note(status: StatusView, entry: HistoryEntry) -> list[str]:
    """A decision's documents in the event list: those reviewed and those it made, each
    with its whole sha256 (a prefix cannot be checked)."""
    if entry.event is not HistoryEvent.DECIDED or not entry.documents:
        return []

    def listed(versions: list[Version]) -> str:
        return "; ".join(f"{v.named} (sha256 {v.sha256})" for v in versions)

    if entry.step is None or step(entry.step).kind is not StepKind.REVIEW:
        # Sent, handed over, archived: the documents it went with, as recorded.
        return [listed([Version.of(d) for d in entry.documents])]
    about = decided(status, entry)
    lines = []
    if about.reviewed:
        lines.append(_word("decision_reviewed", documents=listed(about.reviewed)))
    if about.made:
        lines.append(_word("decision_result", documents=listed(about.made)))
    return lines


def _detail(h: HistoryEntry, tz: str) -> str:
    """An event's detail as the record prints it: a deadline written out."""
    if (said := deadline_said(h)) is not None:
        words, deadline = said
        return _word(words, deadline=format_when(deadline, "id", tz))
    return h.detail


def _timing(history: list[HistoryEntry], decided: HistoryEntry, tz: str) -> str:
    """A decision's task against its deadline, as the SOP table says it: the last deadline
    the riwayat wrote for the task (runs that wrote none: not said), and late only where
    the workflow recorded it so."""
    before = [h for h in history if h.task_id == decided.task_id and h.seq < decided.seq]
    late = any(h.event is HistoryEvent.OVERDUE for h in before)
    verdict = _word("late" if late else "on_time")
    written = [d for h in before if (d := written_deadline(h.event, h.detail)) is not None]
    if not written:
        return verdict
    return f"{_word('deadline_set', deadline=format_when(written[-1], 'id', tz))}, {verdict}"


def riwayat(
    status: StatusView,
    names: Names,
    *,
    printed_at: datetime | None = None,
    sop_line: str | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> bytes:
    """``printed_at``, ``sop_line`` and ``tz`` as for ``lembar_pemeriksaan``."""
    rows = []
    for s in STEPS:
        passes = [
            {
                "who": _who(h, names),
                "when": format_when(h.at, "id", tz),
                "round": h.round,
                "decision": _decision(h.action, h.step),
                "timing": _timing(status.history, h, tz),
                "note": h.note,
            }
            for h in status.history
            if h.event is HistoryEvent.DECIDED and h.step == s.number
        ]
        rows.append({"step": s, "role": ROLES[s.role].short, "passes": passes})
    events = [
        {
            # To the second: several events fall in one minute, and their order must show.
            "when": when_to_the_second(h.at, tz),
            "event": label_of(EVENTS, h.event.value),
            # What the decision did, as the pages say it beside "Keputusan".
            "action": _done(h.action, h.step),
            "step": h.step or "",
            "who": _who(h, names) if h.person else "",
            "note": h.note or _detail(h, tz),
            "documents": _documents_note(status, h),
        }
        for h in status.history
    ]
    signed = [d for d in status.documents if d.kind == "iku"]
    return _pdf(
        "riwayat.html",
        {
            "title": status.process.title,
            "workflow_id": status.workflow_id,
            "sop_label": _word("sop"),
            "sop_line": _sop_line(status, sop_line),
            "printed": _printed(printed_at, tz),
            "signed_label": _word("signed_iku"),
            "signed": Version.of(signed[-1]) if signed else None,
            "number_label": _word("official_number"),
            "number": status.official_number.number if status.official_number else None,
            "rows": rows,
            "events": events,
        },
    )
