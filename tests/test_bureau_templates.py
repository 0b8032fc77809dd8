"""The bureau's pages look and read alike: each form field is of a kind the bureau's
stylesheet styles (a field it misses shows as the browser's bare default, as the Kinerja SOP
and Arsip filters once did) and has a label of its own, and each cell of a data table carries
its column's name, which a phone shows beside the value once the table's head is hidden."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "api" / "templates" / "bureau"
# Fields that are hidden, or drawn apart (a checkbox beside its label, a button).
NOT_TEXT = {"hidden", "checkbox", "radio", "submit", "button", "file"}
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)")


def attribute(attrs: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', attrs)
    return found.group(1) if found else None


def fields() -> Iterator[tuple[str, str, str, int, str]]:
    """(page, tag, attributes, position, the page's source) for every field of every page."""
    for page in sorted(TEMPLATES.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        for found in FIELD.finditer(html):
            yield page.name, found.group(1), found.group(2), found.start(), html


def test_every_field_on_the_bureau_pages_is_of_a_kind_the_stylesheet_styles() -> None:
    css = (TEMPLATES / "bureau.css").read_text(encoding="utf-8")
    seen = 0
    for page, tag, attrs, _, _ in fields():
        kind = attribute(attrs, "type") if tag == "input" else tag
        assert kind is not None, f"{page}: an input without a type ({attrs.strip()[:60]})"
        if kind in NOT_TEXT:
            continue
        selector = f"body.bureau input[type={kind}]" if tag == "input" else f"body.bureau {tag}"
        assert selector in css, f"{page}: {tag} {kind} is not styled ({selector})"
        seen += 1
    assert seen >= 15  # the filters, the start form, sign-in, steering


def test_every_field_on_the_bureau_pages_has_a_label_of_its_own() -> None:
    for page, tag, attrs, at, html in fields():
        if attribute(attrs, "type") in {"hidden", "submit", "button"}:
            continue
        inside_label = html.rfind("<label", 0, at) > html.rfind("</label>", 0, at)
        field_id = attribute(attrs, "id")
        labelled = field_id is not None and f'<label for="{field_id}"' in html
        assert inside_label or labelled, f"{page}: {tag} {attrs.strip()[:60]} has no label"


def test_every_cell_of_a_bureau_data_table_names_its_column() -> None:
    checked = 0
    for page in sorted(TEMPLATES.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        for table in re.findall(r'<table class="data[^"]*"[^>]*>.*?</table>', html, re.S):
            if "<thead>" not in table:
                continue  # a list of pairs (the API page, a bag's files): no columns to name
            body = table[table.index("</thead>") :]
            for cell in re.findall(r"<td\b[^>]*>", body):
                assert "data-label=" in cell or "colspan=" in cell, f"{page.name}: {cell}"
                checked += 1
    assert checked >= 40
