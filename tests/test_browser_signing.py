"""The Minister signs from a browser: types the TTE passphrase on the task page at step 11
and approves. The stamped first page of the signed IKU is rendered (pdftoppm) and kept with
the page screenshots in ``artifacts/screenshots/`` for a person to judge."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from signing.verify import verify_pdf
from tests.browser import PHONE, SHOTS, chromium, device, shot, tall_enough
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario
from tests.signatures import make_keys
from tests.test_signed_process import sign_and_approve
from tests.web import Web


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
async def test_the_minister_types_the_passphrase_and_signs_at_step_11(
    dev_env, web: Web, settings, tmp_path: Path
) -> None:
    keys = make_keys(settings.signing_dir)
    p = await Scenario(dev_env.client, settings).start()
    await p.walk_to(8)
    for person in (KABAG, KARO, SEKJEN):
        await sign_and_approve(p, keys, person)
    assert (await p.task()).step == 11
    async with chromium() as browser:
        minister = await device(browser, PHONE)
        page = await minister.new_page()
        opened = await page.goto(await web.link(p.id, MENTERI, (await p.task()).id))
        assert opened is not None and opened.status == 200
        items = page.locator('input[type=radio][value="ok"]')
        for index in range(await items.count()):
            await items.nth(index).check()
        await page.locator("textarea#note").fill("Ditandatangani.")
        passphrase = page.get_by_label("Passphrase TTE", exact=True)
        await passphrase.fill(keys.passphrases[MENTERI])
        await shot(page, "tte-11-passphrase")
        # On a 360 px phone the passphrase box, the language link and the document links
        # are each a whole finger tall (44 px); the box spans the column.
        box = await passphrase.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 300, box
        await tall_enough(page, "header.top a", ".box .plain a")
        # Signing and the workflow's check of four signatures take seconds, not milliseconds.
        async with page.expect_response(
            lambda r: r.request.method == "POST", timeout=90_000
        ) as answered:
            await page.get_by_role("button", name="Setujui dan tandatangani", exact=True).click()
        answer = await answered.value
        await page.wait_for_load_state()
        assert answer.status == 200
        body = await page.locator("body").inner_text()
        assert "Langkah 12 dari 16" in body
        await shot(page, "tte-11-signed")
        await tall_enough(page, "header.top a")  # the result page's language link
    status = await p.status()
    iku = next(d for d in status.documents if d.kind == "iku")
    final = p.store.path_of(iku.ref).read_bytes()
    report = await verify_pdf(final, settings.signing_dir)
    assert report.valid and report.signatures[-1].person == MENTERI
    source = tmp_path / "iku.pdf"
    source.write_bytes(final)
    SHOTS.mkdir(parents=True, exist_ok=True)
    text = await asyncio.to_thread(_render_first_page, source, SHOTS / "tte-iku-stamped-page-1")
    assert "Dokumen ini telah ditandatangani secara elektronik" in text
    assert (SHOTS / "tte-iku-stamped-page-1.png").stat().st_size > 5000


def _render_first_page(source: Path, target: Path) -> str:
    """The first page as PNG (the artifact) and the document's text."""
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "110",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(target),
        ],
        check=True,
    )
    done = subprocess.run(["pdftotext", str(source), "-"], check=True, capture_output=True)
    return done.stdout.decode()
