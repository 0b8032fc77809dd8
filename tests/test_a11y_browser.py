"""In Debian's chromium, on a phone: the team search comes back with the cursor in its search
box (not at the top of a long page), and a refused decision with the cursor on what to put
right; the counts on /proses name each role whole.

Real parts: the Temporal dev server, a worker, mail over SMTP, uvicorn, chromium.
"""

from __future__ import annotations

import pytest

from tests.browser import PHONE, chromium, device
from tests.bureau import credentials
from tests.scenario import KASUBAG, Scenario
from tests.web import Web

pytestmark = [pytest.mark.browser, pytest.mark.devserver]


async def test_the_team_search_comes_back_at_the_team_on_a_phone(dev_env, web: Web):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(5)
    link = await web.link(p.id, KASUBAG, (await p.task()).id)
    async with chromium() as browser:
        phone = await device(browser, PHONE)
        page = await phone.new_page()
        await page.goto(link)
        await page.fill("#cari", "analis kinerja")
        async with page.expect_navigation():
            await page.click("button[name=cari_tim]")
        # The cursor is in the search box, scrolled to it: its label is on the screen.
        assert await page.evaluate("() => document.activeElement.id") == "cari"
        label = await page.evaluate(
            "() => document.querySelector('label[for=cari]').getBoundingClientRect().top"
        )
        assert 0 <= label < PHONE["viewport"]["height"], label
        top = await page.evaluate(
            "() => document.getElementById('tim').getBoundingClientRect().top"
        )
        assert await page.evaluate("() => window.scrollY") > 0
        assert top < PHONE["viewport"]["height"], top
        # Sent then without the SK Tim: refused, the cursor goes to the file to choose.
        async with page.expect_navigation():
            await page.click("button[name=action][value=submit]")
        assert "Keputusan Anda belum dicatat" in await page.locator(".alert").inner_text()
        focused = await page.evaluate(
            "() => [document.activeElement.name,"
            " document.activeElement.getAttribute('aria-invalid')]"
        )
        assert focused == ["doc.sk_tim", "true"], focused
        await phone.close()


async def test_every_role_on_proses_is_named_whole_at_360_and_640_px(dev_env, web: Web):
    await Scenario(dev_env.client, web.settings).start()
    user, password = credentials(web.settings, "bureau")
    async with chromium() as browser:
        for width in (360, 640):
            context = await device(browser, {**PHONE, "viewport": {"width": width, "height": 800}})
            page = await context.new_page()
            await page.goto(f"{web.settings.public_base_url}/proses")
            await page.fill("#user", user)
            await page.fill("#password", password)
            await page.click("main button[type=submit]")
            await page.wait_for_url("**/proses")
            # No label is cut short, and every word of it fits its cell (none broken).
            cut = await page.evaluate(
                """() => [...document.querySelectorAll('.cell-r')].flatMap(el => {
                    const style = getComputedStyle(el);
                    const ctx = document.createElement('canvas').getContext('2d');
                    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
                    const words = el.textContent.split(/\\s+/).filter(Boolean);
                    const widest = Math.max(...words.map(w => ctx.measureText(w).width));
                    const clipped = el.scrollWidth > el.clientWidth
                        || style.textOverflow === 'ellipsis';
                    return clipped || widest > el.clientWidth + 0.5
                        ? [[el.textContent, widest, el.clientWidth]] : [];
                })"""
            )
            assert cut == [], (width, cut)
            await context.close()
