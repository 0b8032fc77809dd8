"""The printable record: each review's Lembar Pemeriksaan and the whole riwayat as PDF,
typeset by WeasyPrint from Jinja2 templates (``signing/templates``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from PIL import ImageFile

from common.catalogue import ACTIONS_DONE, APPROVED_AS, EVENTS, acting_label, pick
from common.catalogue import label as label_of
from common.dates import format_when
from common.models import Action, HistoryEntry, HistoryEvent, StatusView
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
    if action is Action.APPROVE and step_number is not None:
        as_ = APPROVED_AS.get(step(step_number).approval.value)
        if as_ is not None:
            return pick(as_, "id")
    return label_of(ACTIONS_DONE, action.value)


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


def lembar_pemeriksaan(status: StatusView, entry: HistoryEntry, names: Names) -> bytes:
    assert entry.step is not None
    the_step = step(entry.step)
    texts = {item.code: item.text_id for item in the_step.checklist}
    mark = next(
        (m for m in [*status.parafs, status.signature] if m and m.task_id == entry.task_id),
        None,
    )
    return _pdf(
        "lembar_pemeriksaan.html",
        {
            "title": status.process.title,
            "workflow_id": status.workflow_id,
            "step": the_step,
            "entry": entry,
            "who": _who(entry, names),
            "when": format_when(entry.at),
            "decision": _decision(entry.action, entry.step),
            "items": [(texts.get(a.item, a.item), a.ok, a.remark) for a in entry.checklist],
            "documents": [
                {"label": doc_name(d.kind), "version": d.version, "sha256": d.sha256}
                for d in entry.documents
            ],
            "mark": mark,
        },
    )


def riwayat(status: StatusView, names: Names) -> bytes:
    rows = []
    for s in STEPS:
        passes = [
            {
                "who": _who(h, names),
                "when": format_when(h.at),
                "round": h.round,
                "decision": _decision(h.action, h.step),
                "note": h.note,
            }
            for h in status.history
            if h.event is HistoryEvent.DECIDED and h.step == s.number
        ]
        rows.append({"step": s, "role": ROLES[s.role].short, "passes": passes})
    events = [
        {
            "when": format_when(h.at),
            "event": label_of(EVENTS, h.event.value),
            # What the decision did, as the pages say it beside "Keputusan".
            "action": _done(h.action, h.step),
            "step": h.step or "",
            "who": _who(h, names) if h.person else "",
            "note": h.note or h.detail,
        }
        for h in status.history
    ]
    return _pdf(
        "riwayat.html",
        {
            "title": status.process.title,
            "workflow_id": status.workflow_id,
            "rows": rows,
            "events": events,
        },
    )
