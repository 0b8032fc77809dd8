"""A mail's words come from the catalogue: its HTML part and its plain-text part say the same
sentences, in either language, and no template writes a sentence of its own."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities.notify import (
    MAIL_WORDS,
    TEMPLATES_DIR,
    ActingNote,
    _env,
    _step_context,
    render,
)
from common.catalogue import LANGS, MAIL_TEXT, TEXTS, pick
from common.models import NoticeKind

TEMPLATES = sorted(p for p in TEMPLATES_DIR.rglob("*") if p.suffix in (".html", ".txt"))

# --- every kind, both languages, every branch of its templates ---------------------------

_ARRIVALS: list[dict[str, Any] | None] = [
    None,
    # A plain forward without a note: nothing above the step.
    {"kind": "forward", "from_step": 1, "role": "Kasubbag", "disposisi": False, "note": ""},
    {"kind": "forward", "from_step": 1, "role": "Kasubbag", "disposisi": False, "note": "Siap."},
    {"kind": "forward", "from_step": 3, "role": "Karo", "disposisi": True, "note": "Bentuk Tim."},
    {
        "kind": "returned",
        "from_step": 9,
        "role": "Karo",
        "disposisi": False,
        "note": "Target belum terukur.",
        "unmet": [
            {"text": "Target terukur dan realistis", "remark": "Tanpa baseline."},
            {"text": "Selaras dengan Renstra", "remark": ""},
        ],
    },
    {"kind": "returned", "from_step": 9, "role": "Karo", "disposisi": False, "note": "Ulangi."},
    {"kind": "new_version", "from_step": 9, "role": "Karo", "disposisi": False, "note": "v2"},
    {"kind": "new_version", "from_step": 9, "role": "Karo", "disposisi": False, "note": ""},
    {"kind": "reinitial", "from_step": 9, "role": "Karo", "disposisi": False, "note": ""},
]
_WAITING = [
    {"name": "Ahmad Fauzi", "position": "Kepala Bagian", "acting": "Plh.: Dewi Lestari"},
    {"name": "Siti Rahma", "position": "", "acting": ""},
]


def _context(lang: str, kind: NoticeKind, *, full: bool, **over: Any) -> dict[str, Any]:
    """What ``NotifyActivities._message`` gives a template: all of it (``full``) or the least."""
    step = None if kind in (NoticeKind.CANCELLED, NoticeKind.ARCHIVED) and not full else 8
    arrival = over.pop("arrival", None)
    if arrival is not None:
        arrival = {"version": 2, "unmet": []} | arrival
    return {
        "recipient_name": "Rina Wulandari",
        "acting": ActingNote("Plh.", "Kepala Bagian", "Ahmad Fauzi") if full else None,
        "sop_name": "Penyusunan Indikator Kinerja Utama Kementerian",
        "sop_line": "No. 1/123/OT.04.00/XI/2026; disahkan 2 November 2026",
        "process": {
            "workflow_id": "iku-2026-x",
            "year": 2026,
            "code": "biro-perencanaan",
            "title": "IKU <Kemnaker> & “2026”",
            "official_number": "B.12/SJ/OT.04.00/XII/2026" if full else None,
        },
        "step": _step_context(step, lang),
        "deadline": "Kamis, 26 Maret 2026 pukul 16.00 WIB" if full else None,
        "deadline_line": "Kamis, 26 Maret 2026 pukul 16.00 WIB — sisa 2 hari kerja",
        "link": "http://testserver/t/abc" if full else None,
        "link_expires": "Kamis, 2 April 2026 pukul 16.00 WIB",
        "note": "Anggaran dialihkan." if full else "",
        "escalation_number": 2,
        "waiting_on": _WAITING if full else [],
        "cli_command": 'temporal workflow update execute --input \'{"task_id":"t-8-1"}\'',
        "directory_unreadable": False,
        "arrival": arrival,
        "page_link": "http://testserver/proses/iku-2026-x/run" if full else None,
    } | over


def _mails() -> Iterator[tuple[str, str, NoticeKind, dict[str, Any]]]:
    for lang in LANGS:
        for kind in NoticeKind:
            for full in (False, True):
                yield (
                    f"{lang}-{kind.value}-{'full' if full else 'least'}",
                    lang,
                    kind,
                    _context(lang, kind, full=full),
                )
                if kind is NoticeKind.UNASSIGNED:
                    context = _context(lang, kind, full=full, directory_unreadable=True)
                    yield f"{lang}-unassigned-unreadable-{full}", lang, kind, context
            if kind in (NoticeKind.TASK, NoticeKind.REMINDER):
                for i, arrival in enumerate(_ARRIVALS):
                    context = _context(lang, kind, full=True, arrival=arrival)
                    yield f"{lang}-{kind.value}-arrival-{i}", lang, kind, context


MAILS = list(_mails())


def _words_of_html(part: str) -> list[str]:
    # What a reader sees: the <title> repeats the heading, so only the body counts.
    body = part[part.index("<body") :]
    return re.findall(r"\w+", html.unescape(re.sub(r"<[^>]*>", " ", body)))


@pytest.mark.parametrize(
    ("lang", "kind", "context"), [m[1:] for m in MAILS], ids=[m[0] for m in MAILS]
)
def test_the_html_and_the_text_part_say_the_same_words(
    lang: str, kind: NoticeKind, context: dict[str, Any]
) -> None:
    mail = render(kind, lang, context)
    in_text = re.findall(r"\w+", mail.text)
    in_html = _words_of_html(mail.html)
    if context["link"] and kind in (NoticeKind.TASK, NoticeKind.REMINDER):
        # Only the HTML part has a button, and under it what to do if it does not work.
        fallback = re.findall(r"\w+", pick(MAIL_WORDS["button_fallback"], lang))
        at = next(i for i in range(len(in_html)) if in_html[i : i + len(fallback)] == fallback)
        del in_html[at : at + len(fallback)]
    assert in_html == in_text
    # The subject is the first line of both.
    assert mail.subject.endswith(mail.text.splitlines()[0])


def test_the_unassigned_mail_gives_ops_one_cause_in_both_parts() -> None:
    for lang in LANGS:
        for unreadable, key in ((True, "no_directory"), (False, "no_holder")):
            context = _context(lang, NoticeKind.UNASSIGNED, full=True)
            context["directory_unreadable"] = unreadable
            mail = render(NoticeKind.UNASSIGNED, lang, context)
            cause = pick(MAIL_WORDS[key], lang).format(
                n=8, total=16, role=context["step"]["role"], code="kabag"
            )
            assert cause in mail.text
            assert cause.replace("'", "&#39;") in re.sub(r"</?strong>", "", mail.html)
            fill_role = pick(MAIL_WORDS["fill_role"], lang)
            assert (fill_role in mail.text) == (fill_role in mail.html) == (not unreadable)


# --- the templates are layout only --------------------------------------------------------

# Attributes a person reads: they would carry prose past the check on the text.
_READ_ATTRIBUTES = re.compile(r"\b(?:alt|title|aria-label|placeholder|value)\s*=", re.I)
_WORD = re.compile(r"[^\W\d_]")  # a letter, in any script


def _layout_and_literals(path: Path) -> tuple[str, list[str]]:
    """The template's own text (every ``{{ }}``/``{% %}``/``{# #}`` replaced by a space)
    and the string literals inside its tags."""
    own: list[str] = []
    literals: list[str] = []
    for _, kind, value in _env.lex(path.read_text(encoding="utf-8"), name=str(path)):
        if kind == "data":
            own.append(value)
        else:
            own.append(" ")
            if kind == "string":
                literals.append(value[1:-1])
    return "".join(own), literals


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_a_mail_template_writes_no_sentence_of_its_own(path: Path) -> None:
    own, literals = _layout_and_literals(path)
    assert not _READ_ATTRIBUTES.search(own), path
    # Markup aside (tags with their attributes, entities), only punctuation is left.
    shown = re.sub(r"&#?\w+;", " ", re.sub(r"<[^>]*>", " ", own))
    assert not _WORD.search(shown), (path, " ".join(shown.split()))
    # A literal inside a tag is a code, a key or a file name, never words for a reader.
    for literal in literals:
        assert re.fullmatch(r"[a-z0-9_./?-]*", literal), (path, literal)


def test_every_mail_entry_is_used_and_every_word_a_template_names_exists() -> None:
    named: set[str] = set()
    for path in TEMPLATES:
        source = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"\bwords\.(\w+)", source))
        named |= {s for s in _layout_and_literals(path)[1] if s in MAIL_WORDS}
    assert named <= MAIL_WORDS.keys(), named - MAIL_WORDS.keys()
    assert MAIL_WORDS.keys() <= named, MAIL_WORDS.keys() - named
    # What the pages already say, the mail says in the pages' entry, not a copy of it.
    for key, pair in MAIL_TEXT.items():
        assert pair not in TEXTS.values(), key
