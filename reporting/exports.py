"""Exports of the figures and of the raw event log: CSV, XLSX (openpyxl) and, for process
mining tools, XES (IEEE 1849) with one trace per process."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime, tzinfo
from typing import Any
from xml.etree import ElementTree as ET

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.catalogue import (
    ACTIONS_DONE,
    DEFAULT_LANG,
    EVENTS,
    EXPORT_COLUMNS,
    EXPORT_SHEETS,
    INSIGHT,
    acting_label,
    done_word,
    label,
    pick,
    role_label,
)
from reporting.events import process_key
from reporting.figures import NO_ITEM, Figures, Waiting, YearFigures
from reporting.schema import Process, StepEvent
from workflows import sop

EVENT_COLUMNS = (
    "process",
    "workflow_id",
    "run_id",
    "seq",
    "kind",
    "at",
    "year",
    "code",
    "sop_number",
    "revision",
    "step",
    "role",
    "task_id",
    "round",
    "person",
    "acting_for",
    "acting_kind",
    "action",
    "doc_kind",
    "doc_version",
    "sha256",
    "entered_at",
    "clock_start",
    "decided_at",
    "standard_time",
    "deadline",
    "working_hours",
    "allowed_hours",
    "overdue",
    "escalations",
    "reasons",
)
STEP_COLUMNS = (
    "step",
    "role",
    "standard_time",
    "passes",
    "approvals",
    "returns",
    "measured",
    "median_hours",
    "p90_hours",
    "median_allowed_hours",
    "on_time",
    "on_time_share",
    "escalations",
    "by_acting",
    "return_reasons",
)

# The figures' other tables, as the dataclasses give them (an empty table keeps its header).
WAITING_COLUMNS = tuple(f.name for f in fields(Waiting))
YEAR_COLUMNS = tuple(f.name for f in fields(YearFigures))


def event_rows(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(StepEvent, Process).join(Process).order_by(Process.id, StepEvent.seq)
    ).all()
    out = []
    for event, process in rows:
        row = {c: getattr(event, c, None) for c in EVENT_COLUMNS if hasattr(StepEvent, c)}
        row["process"] = process_key(process.workflow_id, process.started_at)
        row["workflow_id"] = process.workflow_id
        out.append({c: row.get(c) for c in EVENT_COLUMNS})
    return out


def step_rows(figures: Figures, lang: str | None = None) -> list[dict[str, Any]]:
    """The figures per step; the reasons by their checklist codes (the CSV, for scripts),
    or in ``lang`` as the checklist words them (the workbook, for people)."""
    rows = []
    for r in figures.steps:
        row = {c: getattr(r, c) for c in STEP_COLUMNS}
        row["return_reasons"] = "; ".join(
            f"{reason_label(k, lang) if lang else k}: {v}" for k, v in r.return_reasons.items()
        )
        rows.append(row)
    return rows


# --- what a person reads in the workbook's cells -------------------------------------------


def reason_label(code: str, lang: str) -> str:
    """A return's reason, a checklist item by its code, as the checklist words it."""
    if code == NO_ITEM:
        return pick(INSIGHT["insight_no_item"], lang)
    return sop.item_text(code, lang)


def event_label(kind: str, lang: str) -> str:
    """An event by its name in the database, as the Riwayat names it; a return (its own
    kind there) as what the decision did."""
    if kind == "returned":
        done = label(ACTIONS_DONE, "return", lang)
        return done[:1].upper() + done[1:]
    return label(EVENTS, kind, lang)


def cell_label(column: str, value: Any, row: dict[str, Any], lang: str) -> Any:
    """A cell in the reader's words where the CSV keeps a code: a role ("Kabag"), an event
    ("Masuk langkah"), an acting kind ("Plh."), a decision ("disetujui dan diparaf"), the
    reasons of a return (the checklist's items)."""
    if not isinstance(value, str) or not value:
        return value
    if column == "role":
        return role_label(value, lang)
    if column == "kind":
        return event_label(value, lang)
    if column == "acting_kind":
        return acting_label(value)
    if column == "action":
        known = sop.STEP_BY_NUMBER.get(row.get("step") or 0)
        return done_word(value, known.approval.value if known else None, lang)
    if column == "reasons":
        return "; ".join(reason_label(code, lang) for code in value.split(","))
    return value


def _cell(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, datetime):
        # The office's time, as the pages show it, with its offset: "2026-12-09 16:00:00+07:00".
        return value.astimezone(tz).isoformat(sep=" ", timespec="seconds")
    return "" if value is None else value


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]], tz: tzinfo) -> bytes:
    """Times in ``tz`` (the office's zone), with their offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c), tz) for c in columns])
    # With a byte order mark, spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[dict[str, Any]]]],
    tz: tzinfo,
    lang: str = DEFAULT_LANG,
) -> bytes:
    """A workbook for people: each sheet (keyed in ``EXPORT_SHEETS``) headed in the reader's
    words, times in ``tz`` (the office's zone) as dates a spreadsheet reads; Excel keeps no
    zone, so a time column's header names it ("Waktu (WIB)"). A last sheet pairs each
    header with the column's name in the CSV, which scripts read. A cell holding a code
    (a role, an event, an acting kind, a decision, a return's reasons) shows its label
    (``cell_label``); the CSV keeps the codes."""
    book = Workbook()
    book.remove(book.active)
    named: dict[str, str] = {}
    for key, columns, rows in sheets:
        sheet = book.create_sheet(label(EXPORT_SHEETS, key, lang)[:31])
        words = [label(EXPORT_COLUMNS, c, lang) for c in columns]
        sheet.append(words)
        timed: set[int] = set()
        for row in rows:
            cells = []
            for i, c in enumerate(columns):
                value = cell_label(c, row.get(c), row, lang)
                if isinstance(value, datetime):
                    timed.add(i)
                    value = value.astimezone(tz).replace(tzinfo=None)
                cells.append(value)
            sheet.append(cells)
        zone = datetime.now(tz).tzname()
        for i in timed:
            words[i] = f"{words[i]} ({zone})"
            sheet.cell(row=1, column=i + 1, value=words[i])
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.number_format = "yyyy-mm-dd hh:mm"
        sheet.freeze_panes = "A2"
        named.update(zip(words, columns, strict=True))
    legend = book.create_sheet(label(EXPORT_SHEETS, "columns", lang))
    legend.append([label(EXPORT_SHEETS, k, lang) for k in ("column_word", "column_csv")])
    for word, column in named.items():
        legend.append([word, column])
    legend.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figures_xlsx(figures: Figures, tz: tzinfo, lang: str = DEFAULT_LANG) -> bytes:
    years = [vars(y) for y in figures.years]
    waiting = [vars(w) for w in figures.longest_running]
    on_time = [
        {"role": role, "month": month, "on_time_share": share}
        for role, months in figures.on_time_by_role.items()
        for month, share in months.items()
    ]
    return to_xlsx(
        [
            ("steps", STEP_COLUMNS, step_rows(figures, lang)),
            ("on_time", ("role", "month", "on_time_share"), on_time),
            ("longest", WAITING_COLUMNS, waiting),
            ("years", YEAR_COLUMNS, years),
        ],
        tz,
        lang,
    )


# --- XES (IEEE 1849-2016) ------------------------------------------------------------------

XES_NS = "http://www.xes-standard.org/"
_STARTS = ("entered", "unassigned")  # a step opened (held by someone, or by nobody yet)


def to_xes(rows: Sequence[dict[str, Any]]) -> bytes:
    """One trace per process (concept:name = the process key), one event per step event:
    concept:name the step and its role for its entry (start) and decision (complete), the
    step and what happened for anything else, org:resource the directory id, org:role the
    role, time:timestamp the moment (UTC), iku:kind what happened."""
    log = ET.Element("log", {"xes.version": "1849-2016", "xes.features": "", "xmlns": XES_NS})
    for prefix, name, uri in (
        ("concept", "Concept", "http://www.xes-standard.org/concept.xesext"),
        ("time", "Time", "http://www.xes-standard.org/time.xesext"),
        ("org", "Organizational", "http://www.xes-standard.org/org.xesext"),
        ("lifecycle", "Lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ):
        ET.SubElement(log, "extension", {"name": name, "prefix": prefix, "uri": uri})
    # The log is named as the SOP names itself: "SOP Penyusunan Indikator Kinerja Utama …".
    sop_name = f"SOP {sop.SOP_HEADER['nama_sop']}"
    ET.SubElement(log, "string", {"key": "concept:name", "value": sop_name})
    traces: dict[str, ET.Element] = {}
    for row in rows:
        trace = traces.get(row["process"])
        if trace is None:
            trace = traces[row["process"]] = ET.SubElement(log, "trace")
            ET.SubElement(trace, "string", {"key": "concept:name", "value": row["process"]})
            ET.SubElement(trace, "string", {"key": "iku:workflow_id", "value": row["workflow_id"]})
            ET.SubElement(trace, "int", {"key": "iku:year", "value": str(row["year"])})
        event = ET.SubElement(trace, "event")
        step, kind = row["step"], row["kind"]
        # A step's entry and its decision are one activity's start and complete (so a mining
        # tool pairs them into a duration); anything else on the way is an event of its own.
        paired = kind in _STARTS or kind == "decided"
        if step is None:
            name = kind
        else:
            name = f"{step:02d} {row['role'] or ''}".strip() if paired else f"{step:02d} {kind}"
        ET.SubElement(event, "string", {"key": "concept:name", "value": name})
        ET.SubElement(event, "date", {"key": "time:timestamp", "value": row["at"].isoformat()})
        transition = "start" if kind in _STARTS else "complete"
        ET.SubElement(event, "string", {"key": "lifecycle:transition", "value": transition})
        ET.SubElement(event, "string", {"key": "iku:kind", "value": kind})
        if row.get("person"):
            ET.SubElement(event, "string", {"key": "org:resource", "value": row["person"]})
        if row.get("role"):
            ET.SubElement(event, "string", {"key": "org:role", "value": row["role"]})
        for key in ("task_id", "action", "acting_for", "sha256"):
            if row.get(key):
                ET.SubElement(event, "string", {"key": f"iku:{key}", "value": str(row[key])})
        if row.get("round") is not None:
            ET.SubElement(event, "int", {"key": "iku:round", "value": str(row["round"])})
        if row.get("working_hours") is not None:
            ET.SubElement(
                event, "float", {"key": "iku:working_hours", "value": repr(row["working_hours"])}
            )
    ET.indent(log)
    return ET.tostring(log, encoding="utf-8", xml_declaration=True)
