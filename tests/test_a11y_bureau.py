"""The planning bureau's pages with a screen reader and a keyboard: a refused start form puts
the cursor on the first field to put right and says so in its title; a process's page is
titled by the process, its SOP table's scroll box has a name of its own, and each step's
shape says its state in words.

Real parts: the Temporal dev server, a worker, uvicorn serving the app.
"""

from __future__ import annotations

import re

import pytest

from tests.bureau import signed_in, unique_code
from tests.web import Page, Web

pytestmark = pytest.mark.devserver


def title(page: Page) -> str:
    found = re.search(r"<title>(.*?)</title>", page.response.text, re.S)
    assert found is not None
    return found.group(1)


def autofocused(page: Page) -> list[str]:
    return re.findall(r'<input\b[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page.response.text)


async def test_a_refused_start_form_puts_the_cursor_on_the_first_field_to_put_right(
    dev_env, web: Web
):
    async with signed_in(web, "bureau") as biro:
        form = await biro.page("/proses/baru")
        assert autofocused(form) == [] and not title(form).startswith("Perlu diperbaiki")
        typed = {
            "year": "2027",
            "code": "Bukan Kode!",
            "revision": "0",
            "title": "",
            "sop_number": "",
        }
        refused = await biro.post("/proses/baru", typed, form)
        assert refused.status == 422, refused.text
        invalid = re.findall(
            r'<input\b[^>]*\bid="([^"]+)"[^>]*aria-invalid="true"', refused.response.text
        )
        assert invalid[:2] == ["code", "title"], invalid
        # The first of them, in the order of the form, has the cursor; only it.
        assert autofocused(refused) == ["code"]
        assert title(refused).startswith("Perlu diperbaiki: ")
        english = await biro.post("/proses/baru", typed, form, headers={"Accept-Language": "en"})
        assert title(english).startswith("Needs correction: ")


async def test_a_process_page_is_titled_by_its_process_and_its_sop_table_reads_in_words(
    dev_env, web: Web
):
    async with signed_in(web, "bureau") as biro:
        wid = await biro.start(year=2027, code=unique_code("kemnaker"), title="IKU Uji Aksesibel")
        page = await biro.page(f"/proses/{wid}")
        assert page.status == 200
        html = page.response.text
        assert title(page).startswith(f"IKU Uji Aksesibel · {wid}")
        # Two landmarks, two names: the section is the chart, the scroll box its table.
        regions = re.findall(r'<(?:section|div)\b[^>]*\brole="region"[^>]*>', html)
        (scroll,) = regions
        assert 'aria-labelledby="h-sop"' not in scroll
        assert 'aria-label="Tabel Bagan SOP"' in scroll
        assert 'id="bagan"' in html and 'aria-labelledby="h-sop" id="bagan"' in html
        # The step being worked on says so to a screen reader, not by its colour alone.
        row = re.search(r'<tr id="langkah-1".*?</tr>', html, re.S)
        assert row is not None
        assert '<span class="sr-only"> (posisi saat ini)</span>' in row.group(0)
        later = re.search(r'<tr id="langkah-16".*?</tr>', html, re.S)
        assert later is not None and '<span class="sr-only"> (belum)</span>' in later.group(0)
