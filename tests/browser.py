"""Debian's chromium, driven by Playwright, for the browser tests.

``scripts/test`` installs chromium with apt-get when it is missing; Playwright's own browser
download cannot be reached from these machines, so a missing chromium fails the test rather
than skipping it: a skipped browser test would hide that the pages were never exercised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
# No sandbox: the tests run as root, where chromium refuses to start with one. The rest keep
# a closed network quiet and a small /dev/shm from crashing the renderer.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]

# A common small Android phone, in Indonesia: officials open their mail there.
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}
# The bureau works at a desk: a common office laptop screen, in Jakarta.
DESK: dict[str, Any] = {
    "viewport": {"width": 1440, "height": 900},
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}
# Playwright's default is 30 s per action; a page that takes more than this is broken.
ACTION_TIMEOUT_MS = 10_000


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not (CHROMIUM.is_file() and CHROMIUM.stat().st_mode & 0o111):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
            "./scripts/test installs it (apt-get install chromium); "
            "`playwright install` cannot download browsers on these machines."
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def device(browser: Browser, options: dict[str, Any]) -> BrowserContext:
    """A fresh device (PHONE or DESK): each person uses their own, cookies included."""
    context = await browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


async def shot(page: Page, name: str) -> Path:
    """A full-page screenshot in SHOTS as ``<name>.png``, and the check a person would make
    first: nothing is wider than the screen (a sideways scroll hides buttons and the ends
    of lines)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
    return path


async def tall_enough(page: Page, *selectors: str) -> None:
    """Every element matched and shown (not folded away) is at least 44 px tall: a target
    a finger hits."""
    for selector in selectors:
        found = page.locator(selector)
        shown = [found.nth(i) for i in range(await found.count())]
        shown = [element for element in shown if await element.is_visible()]
        assert shown, selector
        for element in shown:
            box = await element.bounding_box()
            assert box is not None and box["height"] >= 44, (selector, box)
