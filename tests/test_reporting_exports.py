"""The exports' cells: the XLSX is for people (labels), the CSV for scripts (codes)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl

from common import catalogue
from reporting.exports import EVENT_COLUMNS, to_csv, to_xlsx

TZ = ZoneInfo("Asia/Jakarta")
AT = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(EVENT_COLUMNS)
    row.update(process="iku-2027-x@1", workflow_id="iku-2027-x", at=AT, year=2027, **values)
    return row


ROWS = [
    _row(seq=1, kind="entered", step=2, role="kabag"),
    _row(seq=2, kind="decided", step=9, role="karo", action="approve", acting_kind="plh"),
    _row(seq=3, kind="returned", step=3, role="karo", action="return", reasons="kelengkapan"),
]


def _sheet(lang: str) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([("events", EVENT_COLUMNS, ROWS)], TZ, lang)))
    sheet = book[catalogue.label(catalogue.EXPORT_SHEETS, "events", lang)]
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in values[1:]]


def test_the_workbook_shows_roles_events_acting_kinds_and_decisions_by_their_labels():
    entered, approved, returned = _sheet("id")
    assert (entered["role"], entered["kind"]) == ("Kabag", "Masuk langkah")
    assert (approved["role"], approved["kind"], approved["acting_kind"]) == (
        "Karo",
        "Keputusan",
        "Plh.",
    )
    # What the decision did, as riwayat.pdf and the pages word it at a paraf step.
    assert approved["action"] == "disetujui dan diparaf"
    assert returned["kind"] == "Dikembalikan untuk diperbaiki"
    assert returned["reasons"] and returned["reasons"] != "kelengkapan"
    english = _sheet("en")
    assert (english[0]["role"], english[0]["kind"]) == ("Kabag", "Step entered")
    assert english[1]["action"] == "approved and initialled"


def test_the_csv_keeps_the_codes_for_scripts():
    text = to_csv(EVENT_COLUMNS, ROWS, TZ).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["role"], r["kind"]) for r in rows] == [
        ("kabag", "entered"),
        ("karo", "decided"),
        ("karo", "returned"),
    ]
    assert (rows[1]["acting_kind"], rows[1]["action"]) == ("plh", "approve")
    assert rows[2]["reasons"] == "kelengkapan"


def test_role_and_person_are_named_alike_on_the_pages_and_in_the_exports():
    # "Peran" for a role, "Ditugaskan kepada" for the person holding the task.
    assert catalogue.EXPORT_COLUMNS["role"] == catalogue.INSIGHT["insight_role"]
    assert catalogue.pick(catalogue.EXPORT_COLUMNS["role"], "id") == "Peran"
    for key in ("asked", "assignee", "col_holder", "held_by"):
        assert catalogue.TEXTS[key] == ("Ditugaskan kepada", "Assigned to"), key
    # One header for a return's reasons, in both sheets and on the Kinerja page.
    reasons = catalogue.EXPORT_COLUMNS["reasons"]
    assert (
        catalogue.EXPORT_COLUMNS["return_reasons"]
        == reasons
        == catalogue.INSIGHT["insight_reasons"]
    )
    assert reasons == catalogue.PAGES["items_not_met"]
