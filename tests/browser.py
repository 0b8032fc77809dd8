"""Debian's chromium, driven by Playwright, for the browser tests.

``scripts/test`` installs chromium with apt-get when it is missing; Playwright's own browser
download cannot be reached from these machines, so a missing chromium fails the test rather
than skipping it: a skipped browser test would hide that the pages were never exercised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
# No sandbox: the tests run as root, where chromium refuses to start with one. The rest keep
# a closed network quiet and a small /dev/shm from crashing the renderer.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-gpu", "--disable-dev-shm-usage"]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not (CHROMIUM.is_file() and CHROMIUM.stat().st_mode & 0o111):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
                    "./scripts/test installs it (apt-get install chromium); "
                    "`playwright install` cannot download browsers on these machines.")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
