"""One catalogue of what people read: every text in both languages, one word for one thing
on the page, in the mail and in the printed record."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from pathlib import Path

from activities.notify import _step_context
from activities.ringkasan import _HEADER_LABELS as RECORD_HEADER
from activities.ringkasan import decision_done as manual_copy_decision
from activities.ringkasan import resolve_who, signer_line
from api.core.i18n import action_done, button, text
from common import catalogue, formats
from common.directory import load_directory
from common.models import Action, Mark
from common.settings import EXAMPLE_DIRECTORY
from signing.pdf import position_as_signed, stamp_text
from signing.printable import _done as printed_decision
from workflows import sop
from workflows.rules import Refusal

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    name: getattr(catalogue, name)
    for name in (
        "ACTIONS",
        "APPROVE_AS",
        "ACTIONS_DONE",
        "APPROVED_AS",
        "ACTING",
        "ROLE_LABELS",
        "EVENTS",
        "STATES",
        "REFUSALS",
        "PROBLEMS",
        "PAGES",
        "BUREAU",
        "MAIL",
        "MAIL_TEXT",
        "NOTICE_KINDS",
        "INSIGHT",
        "EXPORT_COLUMNS",
        "EXPORT_SHEETS",
        "RECORD",
        "ARCHIVE_GUIDE",
    )
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_has_both_languages_with_the_same_blanks():
    for table_name, table in TABLES.items():
        for key, pair in table.items():
            assert len(pair) == 2, (table_name, key)
            indonesian, english = pair
            assert indonesian.strip() and english.strip(), (table_name, key)
            assert _fields(indonesian) == _fields(english), (table_name, key)


def test_a_key_is_defined_once():
    texts = ("PAGES", "BUREAU", "PROBLEMS", "MAIL", "MAIL_TEXT")
    seen: dict[str, str] = {}
    for name in texts:
        for key in TABLES[name]:
            assert key not in seen, f"{key} in {seen.get(key)} and {name}"
            seen[key] = name


def test_the_submit_word_is_the_same_on_the_page_in_the_mail_and_in_the_record():
    first = sop.STEPS[0]
    page = button("id", Action.SUBMIT, first.number)
    assert page == "Kirim"
    # The record says what the button did: "Kirim" is recorded as "dikirim".
    assert manual_copy_decision(Action.SUBMIT, first.number) == "dikirim"
    assert f"“{page}”" in _step_context(first.number, "id")["todo"]
    assert f"“{button('en', Action.SUBMIT, first.number)}”" in _step_context(1, "en")["todo"]


def test_every_button_of_every_step_is_named_in_its_mail_and_the_record_by_the_page_word():
    for step in sop.STEPS:
        for lang in ("id", "en"):
            todo = _step_context(step.number, lang)["todo"]
            for action in step.actions:
                word = button(lang, action, step.number)
                assert f"“{word}”" in todo, (step.number, lang, action, todo)


def test_the_printed_riwayat_words_every_decision_as_the_pages_do():
    # "disetujui dan diparaf" at a paraf step, on the page and on paper alike.
    for step in sop.STEPS:
        for action in step.actions:
            assert printed_decision(action, step.number) == action_done("id", action, step.number)


def test_the_manual_copy_words_every_decision_as_riwayat_pdf_does():
    # Both printed records say what was done ("disetujui dan diparaf"), never the button
    # ("Setujui dan paraf").
    for step in sop.STEPS:
        for action in step.actions:
            printed = printed_decision(action, step.number)
            assert manual_copy_decision(action, step.number) == printed, (step.number, action)
            assert manual_copy_decision(action, step.number) != button("id", action, step.number)
    assert manual_copy_decision(Action.APPROVE, 9) == "disetujui dan diparaf"
    assert manual_copy_decision(Action.APPROVE, 11) == "disetujui dan ditandatangani"
    assert manual_copy_decision(None, 3) == ""


def test_the_record_names_the_sop_fields_as_the_bureau_page_does():
    assert RECORD_HEADER["kualifikasi_pelaksana"] == text("id", "qualification")
    assert RECORD_HEADER["nama_sop"] == text("id", "sop_name")
    assert set(RECORD_HEADER) == set(sop.SOP_HEADER)


def test_a_refusal_speaks_both_languages_from_the_catalogue():
    refused = Refusal("not_running")
    assert (refused.message_id, refused.message) == catalogue.REFUSALS["not_running"]
    assert action_done("id", Action.APPROVE, 9) == "disetujui dan diparaf"


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_month_names_and_acting_labels_are_written_once():
    sources = [
        p
        for folder in ("api", "activities", "common", "workflows", "commands")
        for p in (ROOT / folder).rglob("*.py")
    ]
    for path in sources:
        constants = _string_constants(path)
        if path.name != "dates.py":
            assert not {"Desember", "Agustus", "Mei"} & set(constants), path
        if path.name != "catalogue.py":
            written = {"Plh/Plt", "Plh", "Plt", "Plh.", "Plt.", "Plh./Plt.", "Kirim", "Ajukan"}
            assert not written & set(constants), path


def test_an_acting_official_is_plh_or_plt_with_the_dot_on_the_page_in_the_mail_and_the_seal():
    assert catalogue.acting_label("plh") == "Plh." and catalogue.acting_label("PLT") == "Plt."
    assert catalogue.acting_label(None) == "Plh./Plt."
    # The signature's position takes the same word (signing/pdf.py builds none of its own).
    assert position_as_signed("Kepala Bagian", "plh") == "Plh. Kepala Bagian"
    assert position_as_signed("Kepala Bagian", None) == "Kepala Bagian"
    # No text of the catalogue writes the bare abbreviation either.
    bare = re.compile(r"\bPl[ht]\b(?!\.)")
    for name, table in TABLES.items():
        for key, pair in table.items():
            assert not any(bare.search(t) for t in pair), (name, key)


# A number that a text quotes as a limit: "paling panjang 300", "at most 40", "2000–2100".
_QUOTED_LIMIT = re.compile(
    r"(?:paling (?:panjang|banyak)|at most|Angka 0–|from 0 to)\s*(\d+)"
    r"|(\d{4})(?:–| to )(\d{4})"
)
_LIMITS = {
    name: value
    for name, value in vars(formats).items()
    if name.isupper() and isinstance(value, int)
}


def test_every_limit_the_catalogue_quotes_is_the_constant_of_common_formats():
    quoted = {
        key: [int(n) for m in _QUOTED_LIMIT.finditer(t) for n in m.groups() if n]
        for key, pair in catalogue.TEXTS.items()
        for t in pair
    }
    for key, numbers in quoted.items():
        assert set(numbers) <= set(_LIMITS.values()), (key, numbers)
    expected = {
        "start_bad_code": [formats.CODE_MAX],
        "start_bad_title": [formats.TITLE_MAX],
        "start_bad_sop_number": [formats.SOP_NUMBER_MAX],
        "start_bad_revision": [formats.REVISION_MAX],
        "start_bad_year": [formats.YEAR_MIN, formats.YEAR_MAX],
        "filter_year": [formats.YEAR_MIN, formats.YEAR_MAX],
    }
    for key, numbers in expected.items():
        for lang in catalogue.LANGS:
            found = [
                int(n) for m in _QUOTED_LIMIT.finditer(text(lang, key)) for n in m.groups() if n
            ]
            assert found == numbers, (key, lang, found)
    # A limit filled in at the call: the note's, and the last step of the SOP.
    assert f"paling banyak {formats.NOTE_MAX} karakter" in text(
        "id", "note_too_long", n=formats.NOTE_MAX
    )
    assert f"1–{len(sop.STEPS)}" in text("id", "filter_step", last=len(sop.STEPS))


def test_a_role_label_is_the_short_title_in_indonesian_and_the_sop_texts_word_in_english():
    assert set(catalogue.ROLE_LABELS) == set(sop.ROLES)
    for code, role in sop.ROLES.items():
        assert catalogue.role_label(code, "id") == role.short, code
    # In English, the words the English SOP text uses for the same post, so a label and
    # the activity under it agree ("(Kabag): … forwards it to the Karo").
    assert catalogue.role_label("menteri", "en") == "Minister"
    assert "the Minister" in sop.step(10).activity_en
    assert catalogue.role_label("sekjen", "en") == "Secretary General"
    assert "the Secretary General" in sop.step(11).activity_en
    assert "the Karo" in sop.step(2).activity_en
    assert catalogue.role_label("karo", "en") == "Karo"


def test_the_manual_copy_and_bag_info_write_plh_with_the_dot_as_the_signed_pdf_does():
    # A record that kept the appointment's kind (every new one): "Plh.", not "Plh".
    directory = load_directory(EXAMPLE_DIRECTORY)
    at = datetime(2027, 2, 5, 3, 0, tzinfo=UTC)
    who = resolve_who(directory, "p-011", "p-002", at, UTC, "kabag", "plh", identities=((), ()))
    assert who.acting == position_as_signed("", "plh").strip() == "Plh."
    mark = Mark(
        kind="paraf",
        step=8,
        task_id="t-8-1",
        person="p-011",
        acting_for="p-002",
        acting_kind="plh",
        document_kind="draf_iku",
        version=1,
        sha256="a" * 64,
        at=at,
    )
    line = signer_line(mark, who)
    assert "Plh. Kepala Bagian Perencanaan Program" in line and "(Plh. menggantikan" in line


def test_step_16_is_archiving_in_its_mail_as_on_its_page():
    # The button says "Arsipkan" and the process "Diarsipkan": the mail asks for the same.
    assert _step_context(16, "id")["todo"] == "arsipkan IKU: pilih “Arsipkan”."
    assert _step_context(16, "en")["todo"] == "archive the IKU: choose “Archive”."


def test_the_english_side_names_the_sops_terms_in_english_first():
    """SOP.md's glossary: paraf is "initials", the Lembar Pemeriksaan the "review checklist",
    the riwayat the "history"; the Indonesian word in brackets at most. "Disposition" is a
    disposisi, never the archival penyusutan ("disposal"); ops are "operations"."""
    for name, table in TABLES.items():
        for key, (indonesian, english) in table.items():
            where = (name, key, english)
            if "paraf" in english:
                assert "(paraf)" in english, where
            if "Lembar Pemeriksaan" in english:
                assert "review checklist (Lembar Pemeriksaan)" in english, where
            if re.search(r"\briwayat\b(?!\.)", english):
                assert "history (riwayat)" in english, where
            if "penyusutan" in indonesian.lower():
                assert "disposition" not in english.lower(), where
            assert not re.search(r"(?<![-_])\bops\b(?![-_])", english), where


def test_the_signature_stamp_names_the_verification_as_the_page_its_qr_code_opens():
    for lang in ("id", "en"):
        page_word = text(lang, "verify_title").split()[0]  # "Verifikasi" / "Verify"
        stamp_word = catalogue.pick(catalogue.RECORD["stamp_verify"], lang).split(":")[0]
        assert stamp_word == page_word, lang
    assert "\nVerifikasi: %(url)s" in stamp_text()
    assert "Periksa keaslian" not in stamp_text()


def test_the_printed_records_take_their_headings_from_the_catalogue_as_the_pages_name_them():
    record, bureau = catalogue.RECORD, catalogue.BUREAU
    assert record["history"] == bureau["history_title"]  # "Riwayat", not "Seluruh catatan"
    assert record["sop_chart"] == bureau["sop_table"]  # "Bagan SOP", not "Riwayat Proses"
    assert record["col_detail"] == bureau["col_detail"]  # "Rincian", not "Catatan"/"Keterangan"
    assert record["documents"] == bureau["doc_versions"]
    # No heading is written in a template any more.
    templates = [
        *(ROOT / "signing" / "templates").glob("*.html"),
        ROOT / "activities" / "record_templates" / "ringkasan.html",
    ]
    for path in templates:
        source = path.read_text(encoding="utf-8")
        for written in ("Seluruh catatan", "Riwayat Proses", "<th>Catatan</th>", "Keterangan<"):
            assert written not in source, (path.name, written)
        assert 'r("col_detail")' in source or "riwayat" not in path.name, path.name
    ringkasan = (ROOT / "activities" / "record_templates" / "ringkasan.html").read_text()
    assert 'r("col_detail")' in ringkasan and 'r("history")' in ringkasan
