"""A real browser on a phone: Debian's chromium, driven by Playwright, opens the links the
officials received by mail, uploads through the page's own file inputs and decides.

Everything is real: the Temporal dev server, a worker, mail over SMTP (aiosmtpd), uvicorn
serving the app, files on disk. Full-page screenshots of every stage are kept in
``artifacts/screenshots/`` (CI keeps ``artifacts/``) so a person can judge the pages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from playwright.async_api import Browser, Page, Response

from common.models import Action, HistoryEvent
from tests import samples
from tests.browser import PHONE, SHOTS, chromium, device, shot
from tests.scenario import KABAG, KARO, KASUBAG, Scenario
from tests.web import Web

PREFIX = "phone-"  # this test's screenshots; those of an earlier run are removed first


async def press(page: Page, label: str) -> Response:
    """Press a form button and wait for the page the POST answers with."""
    async with page.expect_response(lambda r: r.request.method == "POST") as answered:
        await page.get_by_role("button", name=label, exact=True).click()
    response = await answered.value
    await page.wait_for_load_state()
    return response


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_officials_decide_from_their_phones(dev_env, web: Web, tmp_path: Path):
    async with chromium() as browser:
        await officials_decide(dev_env, web, browser, tmp_path)


async def officials_decide(dev_env, web: Web, browser: Browser, tmp_path: Path) -> None:
    for old in SHOTS.glob(f"{PREFIX}*.png"):  # a failed run must not leave an earlier pass's
        old.unlink()
    p = await Scenario(dev_env.client, web.settings).start()
    konsep, tor = samples.docx("Konsep Rencana Kerja IKU 2027"), samples.pdf("TOR IKU 2027")
    files = {"konsep": tmp_path / "Konsep Rencana Kerja.docx", "tor": tmp_path / "TOR IKU.pdf"}
    files["konsep"].write_bytes(konsep)
    files["tor"].write_bytes(tor)

    # --- 1. The Kasubag opens the link from the mail the SMTP server received -------------
    kasubag = await device(browser, PHONE)
    page = await kasubag.new_page()
    opened = await page.goto(await web.link(p.id, KASUBAG))
    assert opened is not None and opened.status == 200
    assert await page.locator("html").get_attribute("lang") == "id"  # from the phone's locale
    body = await page.locator("body").inner_text()
    assert "Langkah 1 dari 16" in body and "Penyusunan Indikator Kinerja Utama" in body
    assert "Rina Wulandari" in body  # asked by name
    await shot(page, f"{PREFIX}01-kasubag-task")

    await page.locator('input[type=file][name="doc.konsep_rencana_kerja"]').set_input_files(
        files["konsep"]
    )
    await page.locator('input[type=file][name="doc.tor"]').set_input_files(files["tor"])
    await shot(page, f"{PREFIX}02-kasubag-files-chosen")
    answer = await press(page, "Kirim")
    assert answer.status == 200, await page.locator("body").inner_text()
    body = await page.locator("body").inner_text()
    assert "Terkirim" in body and "Langkah 2 dari 16" in body
    # Who is next, by name and position from the directory.
    assert "Ahmad Fauzi" in body and "Kepala Bagian" in body
    await shot(page, f"{PREFIX}03-kasubag-result")
    await kasubag.close()

    # The bytes the file inputs sent are the documents the process now holds.
    status = await p.status()
    held = {d.kind: d.ref for d in status.documents}
    assert held["konsep_rencana_kerja"].sha256 == sha(konsep)
    assert held["tor"].sha256 == sha(tor)
    assert held["tor"].name == "TOR IKU.pdf"

    # --- 2. The Kabag reviews on their own phone, ticks the checklist, writes a disposisi ---
    kabag = await device(browser, PHONE)
    page = await kabag.new_page()
    opened = await page.goto(await web.link(p.id, KABAG))
    assert opened is not None and opened.status == 200
    body = await page.locator("body").inner_text()
    assert "Langkah 2 dari 16" in body and "Lembar Pemeriksaan" in body
    assert "TOR IKU.pdf" in body  # the document to read, before deciding
    await shot(page, f"{PREFIX}04-kabag-task")

    items = page.locator('input[type=radio][value="ok"]')
    assert await items.count() == 3
    for index in range(await items.count()):
        await items.nth(index).check()
    note = "Setuju, teruskan kepada Karo. Mohon perhatikan target indikator 2."
    await page.locator("textarea#note").fill(note)
    await shot(page, f"{PREFIX}05-kabag-filled")
    answer = await press(page, "Setujui")
    assert answer.status == 200, await page.locator("body").inner_text()
    body = await page.locator("body").inner_text()
    assert "Disetujui" in body and "Langkah 3 dari 16" in body
    assert "Bambang Sutrisno" in body  # the Karo is next
    await shot(page, f"{PREFIX}06-kabag-result")
    await kabag.close()

    # --- 3. Temporal says the same --------------------------------------------------------
    status = await p.status()
    assert status.step == 3 and status.task is not None and status.task.assignees == [KARO]
    [decided] = [h for h in status.history if h.event is HistoryEvent.DECIDED and h.step == 2]
    assert decided.person == KABAG and decided.action is Action.APPROVE
    assert decided.note == note
    assert [(a.item, a.ok) for a in decided.checklist] == [
        ("kelengkapan", True),
        ("selaras_renstra", True),
        ("tor_memadai", True),
    ]
