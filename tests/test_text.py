"""Invisible characters never reach a page, a mail or the record, whichever door text uses."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from common.models import Assignment, CancelRequest, ChecklistAnswer, Decision, ProcessInput
from common.text import clean_line, clean_multiline, has_invisible

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\ufeff"
C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c")
C1 = "".join(chr(c) for c in range(0x7F, 0xA0) if c != 0x85)


@pytest.mark.parametrize("hidden", [*BIDI, *ZERO_WIDTH, *C0, *C1, "\x00", "\ud800", "\u00ad"])
def test_every_invisible_character_is_removed_from_a_line(hidden):
    assert clean_line(f"Setuju{hidden} lanjut") == "Setuju lanjut"
    assert clean_multiline(f"Setuju{hidden}\nlanjut") == "Setuju\nlanjut"
    assert has_invisible(f"a{hidden}b")


def test_a_right_to_left_override_cannot_disguise_a_name():
    assert clean_line("laporan\u202efdp.exe") == "laporanfdp.exe"


def test_a_line_turns_tabs_and_line_breaks_into_spaces():
    assert clean_line("  Judul\tIKU\r\n2027\u2028baru  ") == "Judul IKU 2027 baru"


def test_a_multiline_field_keeps_its_lines_and_tabs():
    text = "Catatan Karo:\r\n\t1. perbaiki target\r2. lampirkan data\u2029selesai"
    assert (
        clean_multiline(text) == "Catatan Karo:\n\t1. perbaiki target\n2. lampirkan data\nselesai"
    )


def test_ordinary_indonesian_text_and_accents_are_untouched():
    text = "Penyusunan IKU – Biro Perencanaan (café, naïve, ½, ±5 %)"
    assert clean_line(text) == text
    assert not has_invisible(text)
    assert clean_line("cafe\u0301") == "café"  # composed, so a search finds it


def test_a_decision_note_and_remarks_lose_their_hidden_characters():
    decision = Decision(
        task_id="s07-001",
        person="p-karo",
        action="return",
        note="Mohon\u200b diperbaiki\u202e\x00\nbagian target",
        checklist=[ChecklistAnswer(item="target\u200b", ok=False, remark="kurang\u2066 jelas\x07")],
        via="ops\u202e",
    )
    assert decision.note == "Mohon diperbaiki\nbagian target"
    assert decision.checklist[0].remark == "kurang jelas"
    assert decision.checklist[0].item == "target"
    assert decision.via == "ops"


def test_the_limits_apply_to_what_is_sent_then_the_text_is_cleaned():
    # So the schema's maxLength says exactly what is accepted.
    with pytest.raises(ValidationError):
        Decision(task_id="s07-001", person="p-karo", action="approve", note="a" * 4001)
    with pytest.raises(ValidationError):
        Decision(task_id="s07-001", person="p-karo", action="approve", note=" " + "a" * 4000)
    note = "a" * 3990 + "\u200b" * 10
    assert Decision(task_id="s07-001", person="p-karo", action="approve", note=note).note == (
        "a" * 3990
    )


def test_the_schema_says_the_limits_and_that_a_title_may_not_be_blank():
    schema = ProcessInput.model_json_schema()["properties"]
    title = schema["title"]
    assert title["maxLength"] == 300 and title["minLength"] == 1
    assert "trimmed" in title["description"]
    pattern = re.compile(title["pattern"])
    assert pattern.search("IKU 2027") and not pattern.search(" \t\u200b\u202e\x00")
    # The SOP number may be left blank at start: the process then runs under the
    # deployment's registered number (IKU_SOP_NUMBER).
    assert schema["sop_number"]["maxLength"] == 100 and schema["sop_number"]["default"] == ""


def test_a_title_of_only_invisible_characters_is_refused():
    with pytest.raises(ValidationError):
        ProcessInput(year=2027, code="kemnaker", title="\u200b\u202e \t", started_by="biro")
    process = ProcessInput(
        year=2027,
        code="kemnaker",
        title=" IKU\u202e 2027 ",
        sop_number="12/\x00OT",
        started_by="biro",
    )
    assert (process.title, process.sop_number) == ("IKU 2027", "12/OT")


def test_a_reason_of_only_invisible_characters_is_refused():
    with pytest.raises(ValidationError):
        CancelRequest(by="ops", reason="\u200b\ufeff")
    assert Assignment(task_id="s07-001", person="p-x", by="ops", reason="cuti\u202e").reason == (
        "cuti"
    )


def test_the_cleaning_also_applies_to_plain_json_from_the_temporal_cli():
    raw = '{"task_id": "s07-001", "person": "p-karo", "action": "approve", "note": "ok\\u202e"}'
    assert Decision.model_validate_json(raw).note == "ok"
