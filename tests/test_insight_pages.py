"""The Kinerja SOP page, its charts and exports, the archives by classification, and the
same figures in the JSON API; a browser screenshot of the page is kept as an artifact."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from playwright.async_api import ConsoleMessage

from reporting.database import ReportingDatabase
from reporting.schema import StepEvent
from tests.browser import SHOTS, chromium
from tests.bureau import api, credentials, signed_in, unique_code
from tests.scenario import KABAG, KARO, Scenario
from tests.web import Web

pytestmark = [pytest.mark.devserver]
XES = "{http://www.xes-standard.org/}"


async def test_the_bureau_reads_the_kinerja_sop_page_exports_it_and_the_api_agrees(
    dev_env, web: Web
):
    returned = Scenario(dev_env.client, web.settings, code=unique_code("kinerja")).start()
    p = await returned
    await p.walk_to(9)
    await p.return_(KARO, "Indikator 3 belum memiliki formula.")
    await p.approve(KABAG, new_draft="Draf IKU v2")
    await p.walk_to_end()
    await p.result()
    q = await Scenario(dev_env.client, web.settings, code=unique_code("kinerja")).start()
    await q.walk_to(4)
    q_status = await q.status()
    p_status = await p.status()

    async with signed_in(web, "bureau") as bureau:
        page = await bureau.http.get("/kinerja")
        assert page.status_code == 200
        html = page.text
        assert html.count("<svg") == 3 and "<script" not in html
        # Each chart's stylesheet is allowed by its hash, and nothing else is.
        policy = page.headers["content-security-policy"]
        assert policy.count("'sha256-") == 2 + 3 and "unsafe-inline" not in policy
        assert 'id="steps"' in html and "Kinerja SOP" in html
        # Each chart is named by its heading, and by its SVG's title for a screen reader,
        # not drawn a second time inside it.
        assert "plot_title" not in html and "<title>Pygal</title>" not in html
        named = "<title>Waktu kerja per langkah terhadap standar (jam kerja)</title>"
        assert html.count(named) == 1
        # In the reader's words: standard times as the SOP table says them, decimal commas.
        start = html.index('id="steps"')
        table = html[start : html.index("</table>", start)]
        assert '">3 hari kerja</td>' in table and '">3d</td>' not in table
        assert re.search(r">\d+,\d+<", table) and not re.search(r">\d+\.\d+<", table)
        # A return's reason in words, not the record's code.
        assert "tanpa butir yang ditandai (1)" in html and "(tanpa butir)" not in html
        # A period with no process: every chart says so in the page's language.
        empty = (await bureau.http.get("/kinerja", params={"tahun": "2001"})).text
        assert empty.count("Belum ada data") == 3 and "No data" not in empty
        # Step 9: 2 passes (returned, then approved), 1 return, its reason.
        figures = (await bureau.http.get("/kinerja/angka.csv")).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(figures)))
        assert [r["step"] for r in rows] == [str(n) for n in range(1, 17)]
        nine = rows[8]
        assert (nine["passes"], nine["returns"], nine["role"]) == ("2", "1", "karo")
        assert rows[0]["passes"] == "2"  # both processes passed step 1 once
        book = openpyxl.load_workbook(
            io.BytesIO((await bureau.http.get("/kinerja/angka.xlsx")).content)
        )
        assert book.sheetnames[0] == "Per langkah"
        assert book["Per langkah"].max_row == 17
        # The workbook names the role ("Karo") where the CSV keeps its code ("karo").
        assert book["Per langkah"].cell(row=10, column=2).value == "Karo"
        # The raw event log: every recorded event, as CSV, XLSX and XES.
        db = ReportingDatabase(web.settings)
        with db.session() as s:
            recorded = s.query(StepEvent).count()
        db.dispose()
        events = (await bureau.http.get("/kinerja/peristiwa.csv")).content.decode("utf-8-sig")
        logged = list(csv.DictReader(io.StringIO(events)))
        assert len(logged) == recorded
        sheet = openpyxl.load_workbook(
            io.BytesIO((await bureau.http.get("/kinerja/peristiwa.xlsx")).content)
        )["Peristiwa"]
        assert sheet.max_row == recorded + 1
        # Times as the pages give them, in WIB: the CSV with its offset, the sheet saying so.
        first = datetime.fromisoformat(logged[0]["at"])
        assert first.utcoffset() == timedelta(hours=7) and logged[0]["at"][10] == " "
        # A sheet is for people: headed in the reader's words, with a last sheet naming
        # each header's column in the CSV.
        header = [c.value for c in sheet[1]]
        assert header[:3] == ["Proses", "ID proses", "ID run"], header
        at = header.index("Waktu (WIB)")
        assert sheet.cell(row=2, column=at + 1).value.replace(microsecond=0) == first.replace(
            tzinfo=None
        )
        legend = openpyxl.load_workbook(
            io.BytesIO((await bureau.http.get("/kinerja/peristiwa.xlsx")).content)
        )["Kolom"]
        assert {r[0].value: r[1].value for r in legend.iter_rows(min_row=2)}["Waktu (WIB)"] == "at"
        english = openpyxl.load_workbook(
            io.BytesIO(
                (await bureau.http.get("/kinerja/angka.xlsx", params={"lang": "en"})).content
            )
        )
        assert english.sheetnames == [
            "By step",
            "On time by role",
            "Running longest",
            "Year against year",
            "Columns",
        ]
        assert [c.value for c in english["By step"][1]][:3] == ["Step", "Role", "Standard time"]
        assert english["By step"].cell(row=11, column=2).value == "Secretary General"
        xes = ET.fromstring((await bureau.http.get("/kinerja/peristiwa.xes")).content)
        # The log is named as the SOP names itself.
        log_name = xes.find(f"{XES}string[@key='concept:name']")
        assert log_name is not None
        assert log_name.get("value") == "SOP Penyusunan Indikator Kinerja Utama Kementerian"
        traces = xes.findall(f"{XES}trace")
        names = [
            t.find(f"{XES}string[@key='iku:workflow_id']").get("value")  # type: ignore[union-attr]
            for t in traces
        ]
        assert sorted(names) == sorted([p.id, q.id])  # one trace per process
        assert sum(len(t.findall(f"{XES}event")) for t in traces) == recorded

        # A step's entry and decision are one activity's start and complete, for mining tools.
        def named(event: ET.Element, key: str) -> str | None:
            found = event.find(f"{XES}string[@key='{key}']")
            return None if found is None else found.get("value")

        pairs = [
            (named(e, "concept:name"), named(e, "lifecycle:transition"))
            for e in traces[0].findall(f"{XES}event")
        ]
        opened = pairs.index(("01 kasubag", "start"))
        assert pairs[opened + 1] == ("01 kasubag", "complete"), pairs
        # A filter: only the unit of the returned process.
        only = await bureau.http.get("/kinerja/angka.csv", params={"kode": p.process.code})
        only_rows = list(csv.DictReader(io.StringIO(only.content.decode("utf-8-sig"))))
        assert only_rows[0]["passes"] == "1"
        bad = await bureau.http.get("/kinerja", params={"dari": "kemarin"})
        assert bad.status_code == 400 and "Keputusan sejak" in bad.text
        assert "Periksa isian \u201cKeputusan sejak\u201d" in bad.text  # and how to put it right

        # The official number on the process page; ANRI metadata on its archive page and
        # in the records office's list.
        number = p_status.official_number.number  # type: ignore[union-attr]
        assert number in (await bureau.page(f"/proses/{p.id}")).response.text
        archive = (await bureau.page(f"/proses/{p.id}/arsip")).response.text
        assert "OT.04.00" in archive and "Biasa" in archive and "permanen" in archive
        year = p_status.archive.metadata.inactive_from_year  # type: ignore[union-attr]
        records = (await bureau.http.get("/arsip", params={"tahun": str(year)})).text
        # The year asked is the one the retention falls due in, not the IKU's year.
        assert "Tahun jatuh tempo retensi" in records and "Tahun IKU" not in records
        due = records.split('id="due-inactive"', 1)[1].split("</table>", 1)[0]
        assert p.id in due and q.id not in records
        assert (await bureau.http.get("/arsip", params={"tahun": "20x7"})).status_code == 400

    async with api(web, "bureau") as http:
        got = (await http.get("/api/figures")).json()
        assert got["steps"][8]["returns"] == 1 and got["steps"][8]["passes"] == 2
        assert got["steps"][8]["return_reasons"] == {"(tanpa butir)": 1}
        assert [w["workflow_id"] for w in got["longest_running"]] == [q.id]
        assert got["longest_running"][0]["step"] == q_status.step
        bad = await http.get("/api/figures", params={"tahun": "dua ribu"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "tahun"]
        # A filter by another name is refused, not ignored (it would answer for every year).
        unknown = await http.get("/api/figures", params={"year": "2027"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == [
            "query",
            "year",
        ]
        assert (await http.get("/api/figures", params={"tahun": "2027"})).status_code == 200
        assert (await http.get("/api/events.xes")).status_code == 200
    async with api(web, "bureau") as http:
        http.headers.pop("Authorization")
        assert (await http.get("/api/figures")).status_code == 401

    # A person's view: the page in a real browser, its charts drawn, no style refused.
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="id-ID")
        page_ = await context.new_page()
        refused: list[str] = []
        page_.on("console", lambda m: refused.append(m.text) if _csp(m) else None)
        user, password = credentials(web.settings, "bureau")
        await page_.goto(f"{web.settings.public_base_url}/masuk?next=/kinerja")
        await page_.fill("#user", user)
        await page_.fill("#password", password)
        await page_.click("main button[type=submit]")
        await page_.wait_for_url("**/kinerja")
        assert await page_.locator("#waktu svg").is_visible()
        box = await page_.locator("#waktu svg").bounding_box()
        assert box is not None and box["width"] > 300
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page_.screenshot(path=str(SHOTS / "bureau-kinerja.png"), full_page=True)
        assert refused == []
        await context.close()


def _csp(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text


def test_a_return_reason_reads_as_its_checklist_item_in_the_readers_language():
    from api.bureau.insight import _reason

    assert _reason("target_terukur", "id") == "Target terukur dan realistis"
    assert _reason("target_terukur", "en") == "Targets are measurable and realistic"
    assert _reason("(tanpa butir)", "en") == "no item marked"
    assert _reason("butir_lama", "id") == "butir_lama"  # an item no longer in the SOP
