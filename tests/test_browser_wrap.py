"""A long unbroken word (a pasted address, a code, a title without spaces) wraps: no page
grows wider than the phone it is read on, and no hidden character survives to be shown.

Real parts: the Temporal dev server, a worker, mail over SMTP, uvicorn, Debian's chromium.
"""

from __future__ import annotations

from playwright.async_api import Page

from tests.browser import DESK, PHONE, chromium, device, shot
from tests.bureau import credentials
from tests.scenario import KABAG, KASUBAG, Scenario
from tests.web import Web

LONG_WORD = "https://drive.example.go.id/" + "berkas-iku-2027-" * 16
TITLE = "IKU" + "X" * 290 + "\u202e\u200b"  # 293 visible characters without a break
NOTE = "Lampiran lengkap di " + LONG_WORD + "\u202egnp.exe" + " " + "Z" * 400


async def no_wider_than_the_screen(page: Page, name: str) -> None:
    await shot(page, name)  # asserts: nothing wider than the screen
    body = await page.locator("body").inner_text()
    assert "\u202e" not in body and "\u200b" not in body


async def test_long_words_wrap_on_a_phone_and_a_desk(dev_env, web: Web):
    p = Scenario(dev_env.client, web.settings)
    p.process = p.process.model_copy(update={"title": TITLE})
    await p.start()
    result = await p.submit(KASUBAG, NOTE, konsep_rencana_kerja="Konsep", tor="TOR")
    assert result.next_task is not None
    status = await p.status()
    assert status.process.title == "IKU" + "X" * 290  # cleaned when the process started
    assert "\u202e" not in status.history[-1].note
    link = await web.link(p.id, KABAG, task_id=result.next_task.id)
    async with chromium() as browser:
        phone = await device(browser, PHONE)
        page = await phone.new_page()
        opened = await page.goto(link)
        assert opened is not None and opened.status == 200
        await no_wider_than_the_screen(page, "wrap-phone-task")
        await phone.close()

        desk = await device(browser, DESK)
        page = await desk.new_page()
        user, password = credentials(web.settings, "bureau")
        await page.goto(f"{web.settings.public_base_url}/proses")
        await page.fill("#user", user)
        await page.fill("#password", password)
        await page.click("main button[type=submit]")
        await page.wait_for_url("**/proses")
        await no_wider_than_the_screen(page, "wrap-desk-list")
        await page.goto(f"{web.settings.public_base_url}/proses/{p.id}")
        await no_wider_than_the_screen(page, "wrap-desk-process")
        await desk.close()
