"""A real browser at the bureau: Debian's chromium, driven by Playwright, signs in, starts a
process and opens its SOP table; then follows one that went back and forth.

Full-page screenshots are kept in ``artifacts/screenshots/bureau-*.png`` so a person can judge
the pages. A missing chromium is a failure, not a skip (``scripts/test`` installs it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from tests.browser import SHOTS, chromium, tall_enough
from tests.bureau import credentials, unique_code
from tests.scenario import KARO, Scenario
from tests.web import Web

pytestmark = [pytest.mark.browser, pytest.mark.devserver]

# The bureau works at a desk: a common office laptop screen, in Jakarta.
DESK = {
    "viewport": {"width": 1440, "height": 900},
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}
ACTION_TIMEOUT_MS = 10_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"bureau-{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page: Page, web: Web, kind: str = "bureau", shot_as: str = "") -> None:
    user, password = credentials(web.settings, kind)  # type: ignore[arg-type]
    await page.goto(f"{web.settings.public_base_url}/proses")
    assert "/masuk" in page.url  # not signed in yet: sent to the sign-in page
    if shot_as:
        await shot(page, shot_as)
    await page.fill("#user", user)
    await page.fill("#password", password)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/proses")


async def test_the_head_of_bureau_signs_in_starts_a_process_and_reads_its_sop_table(
    dev_env, web: Web, browser: Browser
):
    context = await browser.new_context(**DESK)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = await context.new_page()
    await sign_in(page, web, shot_as="signin")
    await shot(page, "list")

    code = unique_code("kemnaker")
    await page.click("main a.btn[href='/proses/baru']")
    await page.fill("#year", "2027")
    await page.fill("#code", code)
    await page.fill("#title", "IKU Kementerian Ketenagakerjaan 2027")
    await shot(page, "start")
    await page.click("main button[type=submit]")
    # Asked once, with the id the process takes for good.
    confirm = page.locator("main button[name=confirm]")
    assert f"iku-2027-{code}" in await confirm.inner_text()
    await shot(page, "start-confirm")
    await confirm.click()
    await page.wait_for_url(f"**/proses/iku-2027-{code}/*?ok=started")
    assert await page.locator("#flash").is_visible()
    # The page does not wait for step 1 to be entered: a moment later a reload shows it.
    for _ in range(50):
        if await page.locator("#holders").count():
            break
        await page.wait_for_timeout(100)
        await page.reload()
    table = page.locator("#sop-table")
    await table.scroll_into_view_if_needed()
    assert await table.locator("tbody tr.step-row").count() == 16
    assert await page.locator("#langkah-1").get_attribute("data-state") == "current"
    assert "Rina Wulandari" in await page.locator("#holders").inner_text()
    await shot(page, "process-started")

    # The same id again: refused, and the form keeps what was typed.
    await page.goto(f"{web.settings.public_base_url}/proses/baru")
    await page.fill("#year", "2027")
    await page.fill("#code", code)
    await page.fill("#title", "Judul yang diketik")
    await page.click("main button[type=submit]")
    assert "sudah ada" in await page.locator(".alert").inner_text()
    assert await page.input_value("#title") == "Judul yang diketik"
    await context.close()


async def test_a_process_returned_at_step_9_reads_well_on_a_desk_and_on_a_phone(
    dev_env, web: Web, browser: Browser
):
    p = await Scenario(
        dev_env.client, web.settings, year=2027, code=unique_code("kemnaker")
    ).start()
    await p.walk_to(9)
    await p.return_(KARO, "Target indikator 3 belum terukur; lengkapi definisi operasional.")
    await p.approve("p-002", "Diperbaiki sesuai catatan Karo.", new_draft="Draf IKU v2")
    for kind, viewport in (("desk", DESK), ("phone", PHONE)):
        context = await browser.new_context(**viewport)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = await context.new_page()
        await sign_in(page, web, "ops")
        await shot(page, f"list-{kind}")
        await page.goto(f"{web.settings.public_base_url}/proses/{p.id}")
        assert await page.locator("#langkah-9").get_attribute("data-state") == "current"
        await shot(page, f"process-{kind}")
        if kind == "phone":  # each a finger's worth (44 px): sign-out, language, documents
            await tall_enough(
                page, ".me button.linklike", ".me a.lang", "#dokumen a.tap", "a.lembar"
            )
        await context.close()


# The smallest desk the bureau works at.
DESK_1280 = {**DESK, "viewport": {"width": 1280, "height": 800}}


async def test_the_sop_table_fits_a_1280_screen_and_the_process_page_prints_without_the_app(
    dev_env, web: Web, browser: Browser
):
    p = await Scenario(
        dev_env.client, web.settings, year=2027, code=unique_code("kemnaker")
    ).start()
    await p.walk_to(3)
    context = await browser.new_context(**DESK_1280)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = await context.new_page()
    await sign_in(page, web, "ops")
    await page.goto(f"{web.settings.public_base_url}/proses/{p.id}")
    await page.locator("#sop-table").wait_for()
    widths = await page.evaluate(
        """() => {
            const box = document.querySelector('.sop-scroll');
            const doc = document.documentElement;
            return [box.scrollWidth, box.clientWidth, doc.scrollWidth, doc.clientWidth];
        }"""
    )
    table_width, box_width, page_width, screen_width = widths
    assert table_width <= box_width, f"the SOP table scrolls sideways: {widths}"
    assert page_width <= screen_width, f"the page scrolls sideways: {widths}"

    # On paper: the record, without the bar, the actions and the forms.
    await page.emulate_media(media="print")
    assert await page.locator("#sop-table").is_visible()
    assert not await page.locator(".topbar").is_visible()
    assert not await page.locator("#form-resend").is_visible()
    await context.close()


async def test_the_kasubag_picks_the_team_from_the_units_staff_on_a_phone(
    dev_env, web: Web, browser: Browser
):
    p = await Scenario(
        dev_env.client, web.settings, year=2027, code=unique_code("kemnaker")
    ).start()
    await p.walk_to(5)
    link = await web.link(p.id, "p-001", (await p.task()).id)
    context = await browser.new_context(**PHONE)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = await context.new_page()
    await page.goto(link)
    offered = await page.locator("input[name=team_member]").evaluate_all(
        "boxes => boxes.map(b => b.value)"
    )
    assert "p-005" not in offered and "p-004" not in offered  # not the Minister nor the Sekjen
    await page.locator("input[name=team_member][value=p-006]").check()
    await page.fill("#cari", "analis kinerja")
    async with page.expect_navigation():
        await page.click("button[name=cari_tim]")
    assert "cari" not in page.url  # posted: nothing typed goes into the address
    shown = await page.locator("input[name=team_member]").evaluate_all(
        "boxes => boxes.map(b => [b.value, b.checked])"
    )
    assert shown == [["p-006", True], ["p-007", False]]
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the team picker is {overflow}px wider than a 390px phone"
    await shot(page, "team-picker-phone")
    await context.close()
