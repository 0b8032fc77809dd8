"""The printable record on the bureau's pages: each review's Lembar Pemeriksaan and the whole
riwayat as PDF, from the process page and the archive page, and in the archive's bag."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.archives.bag import validate_bag
from common.models import ProcessState
from tests.bureau import anonymous, signed_in
from tests.scenario import Scenario
from tests.support import eventually
from tests.test_printable import rendered
from tests.web import Web

pytestmark = pytest.mark.devserver

LEMBAR = re.compile(r'href="(/proses/[^"]+/lembar-pemeriksaan/(s\d\d-\d+)\.pdf)"')

# The event list's heading and first columns, as pdftotext reads them: named "Riwayat",
# as on the bureau's page (not "Seluruh catatan").
EVENT_LIST = "Riwayat Waktu Peristiwa"


async def test_the_bureau_prints_each_lembar_pemeriksaan_and_the_riwayat_and_the_bag_holds_them(
    dev_env, web: Web, tmp_path: Path
) -> None:
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to_end()

    async def archived() -> None:
        assert (await p.status()).state is ProcessState.ARCHIVED

    await eventually(archived, 30)
    status = await p.status()
    base = f"/proses/{p.id}/{(await p.handle.describe()).run_id}"
    async with signed_in(web, "bureau") as biro:
        page = await biro.page(f"/proses/{p.id}")
        assert page.status == 200, page.text
        sheets = LEMBAR.findall(page.response.text)
        # One per review: steps 2, 3, 7 and the paraf and signature at 8–11.
        assert len(sheets) == 7
        assert f'href="{base}/riwayat.pdf"' in page.response.text

        karo = next(h for h in status.history if h.step == 9 and h.checklist)
        got = await biro.http.get(f"{base}/lembar-pemeriksaan/{karo.task_id}.pdf")
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("inline; ")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in got.headers["content-security-policy"]
        text = rendered(got.content, tmp_path, "lembar-9")
        for expected in ("Lembar Pemeriksaan", "Langkah 9", "Dr. Bambang Sutrisno", "Paraf"):
            assert expected in text, expected

        whole = await biro.http.get(f"{base}/riwayat.pdf")
        assert whole.status_code == 200 and whole.headers["content-type"] == "application/pdf"
        assert whole.headers["content-disposition"].startswith("inline; ")
        text = rendered(whole.content, tmp_path, "riwayat")
        for expected in ("Bagan SOP", "Ir. Sri Hartati", "Disetujui", "Diarsipkan"):
            assert expected in text, expected
        # When it was printed and under which SOP; every event to the second, so their
        # order shows even within one minute.
        assert re.search(r"Dicetak pada \w+, \d+ \w+ \d{4} pukul \d\d\.\d\d\.\d\d WIB", text)
        assert f"SOP: No. {status.process.sop_number}" in text
        events = text[text.index(EVENT_LIST) :]
        assert len(re.findall(r"pukul \d\d\.\d\d\.\d\d WIB", events)) == len(status.history)

        # An address by id alone is sent on to the process's run, as the other pages.
        moved = await biro.http.get(f"/proses/{p.id}/riwayat.pdf")
        assert moved.status_code == 307
        assert moved.headers["location"] == f"{base}/riwayat.pdf"

        # Not a review of this process (a hand-over, a made-up task): not found, said so.
        handover = next(h for h in status.history if h.step == 12 and h.task_id)
        for task in (handover.task_id, "s99-999", "bukan-tugas"):
            missing = await biro.http.get(f"{base}/lembar-pemeriksaan/{task}.pdf")
            assert missing.status_code == 404, task
            assert "Lembar Pemeriksaan ini tidak ada" in missing.text

        # The archive page offers the same.
        archive = await biro.page(f"/proses/{p.id}/arsip")
        assert archive.status == 200, archive.text
        assert len(LEMBAR.findall(archive.response.text)) == 7
        # Each named by its step, round and what was decided, so two of a step differ.
        assert "Lembar Pemeriksaan langkah 9, putaran 1 (disetujui dan diparaf)" in archive.text
        assert f'href="{base}/riwayat.pdf"' in archive.response.text

    # Without signing in: to the sign-in page, as the process page.
    async with anonymous(web) as http:
        refused = await http.get(f"{base}/lembar-pemeriksaan/{karo.task_id}.pdf")
        assert refused.status_code == 302
        assert refused.headers["location"].startswith("/masuk?next=/")

    # The bag of step 16 holds every Lembar Pemeriksaan and the riwayat, and validates.
    assert status.archive is not None
    bag = Path(status.archive.path)
    assert validate_bag(bag) == (True, None)
    printed = sorted((bag / "data" / "cetak" / "lembar-pemeriksaan").iterdir())
    assert len(printed) == 7
    assert [name.name.split("-")[2] for name in printed] == [
        "02",
        "03",
        "07",
        "08",
        "09",
        "10",
        "11",
    ]
    text = rendered(printed[4].read_bytes(), tmp_path, "bag-lembar-9")
    assert "Langkah 9" in text and "Dr. Bambang Sutrisno" in text
    text = rendered((bag / "data" / "cetak" / "riwayat.pdf").read_bytes(), tmp_path, "bag-riwayat")
    assert "Bagan SOP" in text and "Rincian" in text
    # Beside the signed IKU and what verifies it offline.
    assert (bag / "data" / "tte" / "validasi.json").is_file()
