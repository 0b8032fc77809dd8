"""What the accessibility review found on the pages, as their readers meet them: text that
can be read against its background, names that tell landmarks and charts apart, targets a
finger hits, a verification page that reads on a phone and in English, and titles that say
where one is (and that a form needs correcting).

No server: the stylesheets and templates as served, and the charts as drawn.
"""

from __future__ import annotations

import re
from pathlib import Path

from api.core.pages import render
from reporting import charts
from reporting.figures import Figures, StepFigures

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "api" / "templates"
BUREAU_CSS = (TEMPLATES / "bureau" / "bureau.css").read_text(encoding="utf-8")
STYLE_CSS = (TEMPLATES / "style.css").read_text(encoding="utf-8")


def declarations(css: str, selector: str) -> dict[str, str]:
    """The declarations of the rule whose selector list is exactly ``selector``."""
    found = re.search(r"(?:^|[}\n])" + re.escape(selector) + r"\{([^}]*)\}", css)
    assert found is not None, selector
    return dict(
        (name.strip(), value.strip())
        for name, _, value in (d.partition(":") for d in found.group(1).split(";") if d)
    )


def luminance(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(text: str, background: str) -> float:
    high, low = sorted((luminance(text), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_small_grey_text_on_the_bureau_pages_reads_at_4_5_to_1():
    page = declarations(BUREAU_CSS, "body.bureau")["background"]
    # The footer on the page's own background.
    assert contrast(declarations(BUREAU_CSS, ".foot")["color"], page) >= 4.5
    # A step or role with nothing at it on /proses: its number, count and role are grey on
    # white, readable; "empty" is said by the lighter border, not by fainter text.
    zero = declarations(BUREAU_CSS, ".cell.zero")
    assert zero["background"] == "#fff"
    assert contrast(zero["color"], "#ffffff") >= 4.5
    parts = declarations(BUREAU_CSS, ".cell.zero .cell-k,.cell.zero .cell-r,.cell.zero .cell-n")
    assert contrast(parts["color"], "#ffffff") >= 4.5
    # The column numbers under the SOP table's head, at .7rem.
    numbers = declarations(BUREAU_CSS, "table.sop .colnums td")
    assert contrast(numbers["color"], numbers["background"]) >= 4.5


def test_a_role_on_proses_is_never_cut_to_an_ellipsis():
    role = declarations(BUREAU_CSS, ".cell-r")
    assert "text-overflow" not in role and role.get("white-space") != "nowrap"
    assert "overflow" not in role


def test_the_archive_pages_links_are_a_fingers_worth():
    html = (TEMPLATES / "bureau" / "archive.html").read_text(encoding="utf-8")
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S)
    assert crumbs is not None
    links = re.findall(r"<a\b[^>]*>", crumbs.group(0))
    assert links and all(re.search(r'class="[^"]*\btap\b', a) for a in links), links
    sheets = re.findall(r"<a\b[^>]*\blembar\b[^>]*>", html)
    assert sheets and all(re.search(r'class="[^"]*\btap\b', a) for a in sheets), sheets
    assert re.search(r"a\.tap\{[^}]*min-height:44px", STYLE_CSS)


def test_the_outbox_names_the_language_its_switch_leads_to():
    html = render("outbox.html", "id", {"messages": []}).body.decode()
    assert '<a href="?lang=en" hreflang="en" lang="en">' in html
    english = render("outbox.html", "en", {"messages": []}).body.decode()
    assert '<a href="?lang=id" hreflang="id" lang="id">' in english


def _verify_page(lang: str) -> str:
    signature = {
        "kind": "TTE",
        "signer": "Dr. Ir. Bambang Setiawan, M.Sc.",
        "position": "Kepala Biro Perencanaan dan Manajemen Kinerja",
        "when": "12 Maret 2027 10.15 WIB",
        "timestamped": True,
        "intact": True,
        "trusted": True,
        "problem": "",
        "version": 2,
        "approved_sha256": "ab" * 32,
    }
    record = {
        "sha256": "ab" * 32,
        "valid": True,
        "changed_after_last": False,
        "unsigned": False,
        "signed_by_minister": True,
        "validated_at": "12 Maret 2027",
        "signatures": [signature, signature],
    }
    context = {"code": "abc123", "official_number": None, "record": record, "checked": None}
    return render("verify.html", lang, context).body.decode()  # type: ignore[arg-type]


def test_the_verification_page_offers_english_and_stacks_its_signatures_on_a_phone():
    html = _verify_page("id")
    # The language switch every other page has.
    assert '<a href="?lang=en" hreflang="en" lang="en">English</a>' in html
    assert '<a href="?lang=id" hreflang="id" lang="id">' in _verify_page("en")
    # Every cell says which column it is, for the narrow screen where the rows stack.
    table = html[html.index("<table") : html.index("</table>")]
    assert 'class="stack"' in table
    cells = re.findall(r"<td\b[^>]*>", table)
    assert len(cells) == 10 and all("data-label=" in c for c in cells), cells
    narrow = re.search(r"@media \(max-width:40rem\)\{(.*?)\}\n", STYLE_CSS)
    assert narrow is not None
    assert "table.stack thead{display:none}" in narrow.group(1)
    assert "table.stack td[data-label]::before{content:attr(data-label)" in narrow.group(1)


def test_the_three_kinerja_charts_share_no_element_id():
    steps = [
        StepFigures(step=n, role="kabag", standard_time="1 hari kerja", passes=2, returns=1)
        for n in (2, 3)
    ]
    for s in steps:
        s.median_hours, s.p90_hours, s.median_allowed_hours = 3.0, 5.0, 8.0
    figures = Figures(
        steps=steps,
        on_time_by_role={"kabag": {"2027-01": 0.5}, "karo": {"2027-01": 1.0}},
        longest_running=[],
        years=[],
    )
    reader = charts.Reader("Tidak ada data", lambda x: f"{x:g}")
    drawn = [
        charts.time_per_step(figures, "Waktu", ("median", "p90", "standar"), reader),
        charts.returns_per_step(figures, "Pengembalian", "pengembalian", reader),
        charts.on_time_by_role(figures, "Tepat waktu", reader),
    ]
    ids = [i for chart in drawn for i in re.findall(r'\bid="([^"]+)"', chart.svg)]
    assert len(ids) > 3  # the legends' ids too, not only each chart's own
    assert len(ids) == len(set(ids)), sorted(ids)
