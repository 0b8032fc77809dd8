"""Step 16 after a whole process with a return: the archive's records say it is archived,
the bag explains itself and anchors its trust, and the printed record agrees with the
signatures about which version each official reviewed and which their paraf made."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import pytest
from temporalio.testing import WorkflowEnvironment

from commands.iku import main as iku_command
from common.archives.bag import validate_bag
from common.models import ProcessState, StatusView
from common.settings import Settings, get_settings
from signing.printable import reviews
from tests.scenario import KARO, Scenario
from tests.test_printable import rendered

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0,
    reason="poppler-utils not installed",
)

# The event list's heading and first columns, as pdftotext reads them: named "Riwayat",
# as on the bureau's page (not "Seluruh catatan").
EVENT_LIST = "Riwayat Waktu Peristiwa"


def _flat(text: str) -> str:
    """Without any white space: a sha256 wrapped over two lines is whole again."""
    return re.sub(r"\s", "", text)


async def _archived_after_a_return(ts_env: WorkflowEnvironment, settings: Settings):
    """The Kabag initials at 8, the Karo returns at 9 (withdrawing that paraf), the Kabag
    initials again, and the process runs to its archive."""
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(9)
    await p.return_(KARO, "Target indikator 3 belum terukur")
    await p.walk_to_end()
    await p.result()
    status = await p.status()
    assert status.state is ProcessState.ARCHIVED and status.archive is not None
    return p, status, Path(status.archive.path)


async def test_the_archived_bag_says_archived_explains_itself_and_names_its_trust(
    ts_env: WorkflowEnvironment,
    ts_worker,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p, status, bag = await _archived_after_a_return(ts_env, settings)
    assert validate_bag(bag) == (True, None)
    data = bag / "data"

    # The snapshot is the process as archived: the archive the workflow recorded.
    snapshot = StatusView.model_validate_json((data / "status.json").read_bytes())
    assert snapshot.state is ProcessState.ARCHIVED
    assert snapshot.archive == status.archive
    html = (data / "ringkasan.html").read_text(encoding="utf-8")
    when = status.archive.created_at.astimezone(ZoneInfo("Asia/Jakarta"))
    # A moment reads as on the pages: "Diarsipkan pada Senin, 7 Desember 2026 pukul 09.15 WIB".
    assert re.search(
        rf"Diarsipkan pada \w+, {when.day} \w+ {when.year} pukul {when:%H\.%M} WIB", html
    )
    assert "Berjalan" not in html

    # bag-info.txt anchors the trust: the CA certificate's fingerprint as openssl sees it,
    # the signed IKU's sha256, every run, the SOP and the year.
    info = bagit.Bag(str(bag)).info
    openssl = await asyncio.to_thread(
        subprocess.run,
        [
            "openssl",
            "x509",
            "-in",
            str(data / "tte" / "ca.pem"),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    fingerprint = openssl.stdout.split("=", 1)[1].strip().replace(":", "").lower()
    assert info["SHA256-Sertifikat-CA"] == fingerprint
    iku = [d for d in status.documents if d.kind == "iku"][-1]
    assert info["SHA256-IKU-Ditandatangani"] == iku.ref.sha256
    assert info["ID-Run"] == bag.name.split("--", 1)[1]
    assert info["Internal-Sender-Identifier"] == p.id
    assert (info["Tahun-IKU"], info["Nomor-SOP"]) == ("2027", "1/123/OT.04.00/XI/2026")
    assert [line.split(":", 1)[0] for line in info["Penanda-Tangan"]] == [
        "Paraf, langkah 8",
        "Paraf, langkah 9",
        "Paraf, langkah 10",
        "Tanda tangan, langkah 11",
    ]

    # The guide names the same, and its offline check works as written, from the bag.
    guide = (data / "BACA-SAYA.txt").read_text(encoding="utf-8")
    assert fingerprint in guide and iku.ref.sha256 in guide
    assert "data/tte/ca.pem" in guide and "pyhanko sign validate --trust data/tte/ca.pem" in guide
    # The same command in both languages.
    [verify] = {line.strip() for line in guide.splitlines() if line.strip().startswith("iku ")}
    monkeypatch.chdir(bag)
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKU_SIGNING_DIR", str(tmp_path / "no-ca-here"))
    get_settings.cache_clear()
    try:
        args = shlex.split(verify)[1:]
        assert await asyncio.to_thread(iku_command, args) == 0
    finally:
        get_settings.cache_clear()


async def test_each_lembar_pemeriksaan_names_the_version_reviewed_and_the_one_its_mark_made(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, tmp_path: Path
) -> None:
    _, status, bag = await _archived_after_a_return(ts_env, settings)
    data = bag / "data"
    report = json.loads((data / "tte" / "validasi.json").read_text())["documents"][0]["report"]
    # Every signature in the signed IKU, in order: the Kabag's first paraf (withdrawn by the
    # Karo's return, its bytes still carried), his second, the Karo's, the Sekjen's, the
    # Minister's signature.
    signatures = report["signatures"]
    assert [s["field"].split("-")[0] for s in signatures] == ["Paraf"] * 4 + ["TTE"]
    marked = [h for h in reviews(status) if h.step in (8, 9, 10, 11) and h.action == "approve"]
    assert [h.step for h in marked] == [8, 8, 9, 10, 11]
    sheets = {p.name.split("-", 3)[3]: p for p in (data / "cetak" / "lembar-pemeriksaan").iterdir()}

    for entry, signature in zip(marked, signatures, strict=True):
        text = rendered(sheets[f"{entry.task_id}.pdf"].read_bytes(), tmp_path, entry.task_id)
        reviewed = text[text.index("Dokumen yang diperiksa") : text.index("Pemeriksa ")]
        made = text[text.index("menghasilkan") :]
        # What the official saw and approved is what their signature says they approved;
        # the version it resulted in is the one carrying it.
        assert signature["approved_sha256"] in _flat(reviewed), entry.task_id
        assert signature["signed_sha256"] in _flat(made), entry.task_id
        assert signature["signed_sha256"] not in _flat(reviewed), entry.task_id

    first, again = marked[0], marked[1]
    text = rendered(sheets[f"{first.task_id}.pdf"].read_bytes(), tmp_path, "first")
    assert "Draf Indikator Kinerja Utama versi 1" in text
    assert "menghasilkan Draf Indikator Kinerja Utama versi 2" in text
    assert "ditarik: dikembalikan pada langkah 9 (putaran 1," in text
    text = rendered(sheets[f"{again.task_id}.pdf"].read_bytes(), tmp_path, "again")
    assert "ditarik" not in text
    assert "dibubuhkan pada Draf Indikator Kinerja Utama versi 2; menghasilkan Draf" in text
    text = rendered(sheets[f"{marked[-1].task_id}.pdf"].read_bytes(), tmp_path, "minister")
    assert "dibubuhkan pada Draf Indikator Kinerja Utama versi 5; menghasilkan Indikator" in text
    assert "Kinerja Utama (ditandatangani) versi 1" in text


async def test_the_printed_riwayat_orders_events_to_the_second_and_names_the_signed_iku(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, tmp_path: Path
) -> None:
    _, status, bag = await _archived_after_a_return(ts_env, settings)
    text = rendered((bag / "data" / "cetak" / "riwayat.pdf").read_bytes(), tmp_path, "riwayat")
    created = status.archive.created_at.astimezone(ZoneInfo("Asia/Jakarta"))

    assert f"Dicetak pada {created.day} " not in text  # with the weekday, as the pages say
    assert re.search(rf"Dicetak pada \w+, {created.day} \w+ {created.year} pukul ", text)
    assert "SOP: No. 1/123/OT.04.00/XI/2026; disahkan 2 November 2026" in text
    # Named as the bureau's page names them: the "Bagan SOP", then the "Riwayat" whose last
    # column is "Rincian".
    assert "Seluruh catatan" not in text and "Riwayat Proses" not in text
    events = text[text.index(EVENT_LIST) :]
    stamps = re.findall(r"pukul (\d\d\.\d\d\.\d\d) WIB", events)
    # Every event up to the archive's own (the bag is made before it), to the second.
    assert len(stamps) == len([h for h in status.history if h.event != "archived"])
    steps = text[: text.index(EVENT_LIST)]
    assert not re.search(r"pukul \d\d\.\d\d\.\d\d WIB", steps.split("Bagan SOP", 1)[1])
    iku = [d for d in status.documents if d.kind == "iku"][-1]
    assert status.official_number is not None
    assert "IKU yang ditandatangani" in text and status.official_number.number in text
    assert iku.ref.sha256 in _flat(steps)
    # Each decision names the documents it was about by their whole sha256.
    returned = next(h for h in status.history if h.action == "return")
    assert returned.documents[0].sha256 in _flat(events)


@pytest.mark.devserver
async def test_a_process_that_continued_as_new_names_every_run_in_its_bag(
    dev_env: WorkflowEnvironment, dev_worker, settings: Settings
) -> None:
    # On the dev server: the test server loses update results across continue-as-new.
    p = await Scenario(dev_env.client, settings, history_event_limit=80).start()
    await p.walk_to_end()
    status = await p.status()
    assert status.archive is not None
    bag = Path(status.archive.path)
    last = (await p.handle.describe()).run_id
    assert last != p.first_run_id  # it did continue as new

    runs = bagit.Bag(str(bag)).info["ID-Run"]
    listed = [e.run_id async for e in dev_env.client.list_workflows(f"WorkflowId = '{p.id}'")]
    # Every run, first to last; the last is the one the bag is named after.
    assert isinstance(runs, list) and runs[0] == p.first_run_id and runs[-1] == last
    assert bag.name == f"{p.id}--{last}"
    assert sorted(runs) == sorted(listed)
    sop = json.loads((bag / "data" / "sop.json").read_text(encoding="utf-8"))
    assert sop["run_ids"] == runs and sop["run_id"] == last
    guide = (bag / "data" / "BACA-SAYA.txt").read_text(encoding="utf-8")
    assert ", ".join(runs) in guide
