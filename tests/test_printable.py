"""The printable record: a Lembar Pemeriksaan per review and the riwayat, as PDF from
WeasyPrint; rendered with pdftoppm (not blank) and read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from temporalio.testing import WorkflowEnvironment

from common.directory import load_directory, record_name
from common.filetypes import UnsupportedDocument, detect_media_type
from common.models import Action, HistoryEntry, HistoryEvent
from common.settings import Settings
from signing.printable import lembar_pemeriksaan, reviews, riwayat
from tests import samples
from tests.scenario import Scenario

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils not installed"
)

# The event list's heading and first columns, as pdftotext reads them: named "Riwayat",
# as on the bureau's page (not "Seluruh catatan").
EVENT_LIST = "Riwayat Waktu Peristiwa"


def unhyphenated(text: str) -> str:
    """Words whole again where the typesetter hyphenated them at a line's end (U+2010, a
    hyphen our texts never write themselves)."""
    return re.sub(r"\u2010\n\s*", "", text)


def rendered(pdf: bytes, folder: Path, name: str) -> str:
    """The PDF's text, after checking its first page renders and is not blank."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(folder / name),
        ],
        check=True,
    )
    image = Image.open(folder / f"{name}.png").convert("L")
    assert sum(image.histogram()[:128]) > 200  # text on the page, not a blank sheet
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(unhyphenated(text).split())  # table cells wrap words onto lines


def laid_out(pdf: Path) -> str:
    """The PDF's text with its rows kept on their lines (a table row reads across)."""
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


async def test_each_review_prints_its_lembar_pemeriksaan_and_the_riwayat_prints_whole(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, tmp_path: Path
) -> None:
    # Started by the planning bureau, as from its pages: the record names the bureau.
    p = Scenario(ts_env.client, settings)
    p.process = p.process.model_copy(update={"started_by": settings.bureau_identities[0]})
    await p.start()
    await p.walk_to(12)
    status = await p.status()
    directory = load_directory(settings.directory_file)

    def names(person: str | None) -> str:  # as the archive and the bureau's pages name people
        return record_name(
            directory, person, ops=settings.ops_identities, bureau=settings.bureau_identities
        )

    decided = reviews(status)
    assert [h.step for h in decided] == [2, 3, 7, 8, 9, 10, 11]
    karo = next(h for h in decided if h.step == 9)
    text = rendered(lembar_pemeriksaan(status, karo, names), tmp_path, "lp-9")
    for expected in (
        "Lembar Pemeriksaan",
        "Langkah 9",
        "Penyusunan Indikator Kinerja Utama",
        "Dr. Bambang Sutrisno",
        "Sesuai",
        "Disetujui",
        "Paraf",
        "Draf Indikator Kinerja Utama versi",  # the document as the SOP names it
    ):
        assert expected in text, expected
    assert "draf_iku" not in text
    text = rendered(riwayat(status, names), tmp_path, "riwayat")
    for expected in (
        "Bagan SOP",
        "Ir. Sri Hartati",
        "Putaran 1",
        "Disetujui",
        "Kasubbag",
        "Fungsional Umum",
    ):
        assert expected in text, expected
    # Roles and people in the words of the pages, not as codes or sign-in names.
    for code in ("kasubag", "fungsional_umum", "biro"):
        assert f" {code} " not in f" {text} ", code
    lines = laid_out(tmp_path / "riwayat.pdf").splitlines()
    started = next(line for line in lines if "Proses dimulai" in line)
    assert "Biro Perencanaan" in started, started

    # Typesetting loads WeasyPrint, which would let Pillow take truncated images in the
    # whole process: the web layer's upload check still refuses pixels that do not decode.
    broken = tmp_path / "rusak.png"
    broken.write_bytes(samples.png_undecodable())
    with pytest.raises(UnsupportedDocument) as refused:
        detect_media_type(broken)
    assert refused.value.code == "corrupt"


def pages_of(pdf: Path) -> list[str]:
    """The PDF's text, page by page (pdftotext ends each page with a form feed)."""
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [" ".join(unhyphenated(page).split()) for page in text.split("\f") if page.strip()]


async def test_the_riwayat_says_what_each_decision_did_and_keeps_each_row_on_one_page(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, tmp_path: Path
) -> None:
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(12)
    status = await p.status()
    directory = load_directory(settings.directory_file)

    def names(person: str | None) -> str:
        return record_name(
            directory, person, ops=settings.ops_identities, bureau=settings.bureau_identities
        )

    # The Kabag initials the draft at step 8: the record says so, as the pages do.
    kabag = next(h for h in reviews(status) if h.step == 8)
    sheet = rendered(lembar_pemeriksaan(status, kabag, names), tmp_path, "lp-8")
    assert "Disetujui dan diparaf" in sheet
    # Long notes, so that the table of every event runs over several pages.
    last = status.history[-1]
    notes = [
        " ".join([f"awal{n}", *(["catatan panjang pemeriksa"] * 40), f"akhir{n}"])
        for n in range(12)
    ]
    status.history += [
        HistoryEntry(
            seq=last.seq + 1 + n,
            at=last.at,
            event=HistoryEvent.DECIDED,
            step=9,
            round=2,
            person=last.person or kabag.person,
            action=Action.RETURN,
            note=note,
        )
        for n, note in enumerate(notes)
    ]
    text = rendered(riwayat(status, names), tmp_path, "riwayat")
    assert "Disetujui dan diparaf" in text  # step 8's row in the table of steps
    # In the table of events, each decision says what it did beside "Keputusan".
    said = re.findall(
        r"Keputusan(: (?:disetujui dan diparaf|disetujui|dikirim|dikembalikan))?", text
    )
    assert len(said) > len(notes) and all(said), said
    assert ": disetujui dan diparaf" in said and ": dikembalikan" in said, said
    # A row is never split across two pages: each note starts and ends on the same page.
    pages = pages_of(tmp_path / "riwayat.pdf")
    # The event list, headed "Riwayat" as on the bureau's page.
    start = next(i for i, page in enumerate(pages) if EVENT_LIST in page)
    events = [pages[start].split(EVENT_LIST, 1)[1], *pages[start + 1 :]]
    assert len(events) > 2
    for n in range(len(notes)):
        [where] = [i for i, page in enumerate(events) if f"awal{n} " in page]
        assert f" akhir{n}" in events[where], n


def overlapping_words(pdf: Path) -> list[tuple[str, str]]:
    """Pairs of words printed over one another on a page (a word too long for its column
    runs into the next cell): their boxes meet both across and down."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pairs: list[tuple[str, str]] = []
    for page in boxes.split("<page ")[1:]:
        words = [
            (float(x0), float(y0), float(x1), float(y1), word)
            for x0, y0, x1, y1, word in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page
            )
        ]
        for i, (ax0, ay0, ax1, ay1, a) in enumerate(words):
            for bx0, by0, bx1, by1, b in words[i + 1 :]:
                if ax0 < bx1 - 0.5 and bx0 < ax1 - 0.5 and ay0 < by1 - 0.5 and by0 < ay1 - 0.5:
                    pairs.append((a, b))
    return pairs


async def test_a_word_longer_than_its_column_is_hyphenated_not_printed_over_the_next_cell(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, tmp_path: Path
) -> None:
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(3)
    status = await p.status()
    # A reviewer's return with the long words Indonesian makes, and a link with no break.
    last = status.history[-1]
    status.history.append(
        HistoryEntry(
            seq=last.seq + 1,
            at=last.at,
            event=HistoryEvent.DECIDED,
            step=3,
            round=1,
            person="karo",
            action=Action.RETURN,
            note="Pertanggungjawaban penyelenggaraan pemerintahan belum diuraikan; lihat "
            "https://jdih.kemnaker.go.id/peraturan/permenaker-nomor-00000000000000001",
        )
    )
    path = tmp_path / "riwayat.pdf"
    # A name as long as Javanese names run, in the narrow "Oleh" column.
    name = "Dr. Hj. Kusumawardhaningtyastuti Wahyuningsih"
    path.write_bytes(riwayat(status, lambda person: name))
    assert overlapping_words(path) == []
    text = rendered(path.read_bytes(), tmp_path, "riwayat-2")
    assert name in text and "Pertanggungjawaban penyelenggaraan" in text  # joined again
    # A deployment in Makassar prints its own hours, as its pages and mails say them.
    wita = rendered(riwayat(status, lambda person: name, tz="Asia/Makassar"), tmp_path, "wita")
    assert "WITA" in wita and "WIB" not in wita
