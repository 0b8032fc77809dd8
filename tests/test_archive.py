"""Step 16: the BagIt archive, built by the real activity from a real document store."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import json
import os
import re
import threading
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import pytest
from pydantic import TypeAdapter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import archive as archive_module
from activities.archive import ArchiveActivities
from common.archives.bag import (
    UnsafeBagName,
    bag_name,
    payload_path,
    resolve_bag,
    safe_file_name,
    validate_bag,
    zip_bag,
)
from common.directory import DirectoryError
from common.documents import LocalDocumentStore
from common.models import (
    Action,
    ArchiveRequest,
    ChecklistAnswer,
    Document,
    DocumentRef,
    DocVersion,
    HistoryEntry,
    HistoryEvent,
    Mark,
    ProcessInput,
    ProcessState,
    Promotion,
    StatusView,
    Team,
)
from common.settings import Settings
from signing.printable import reviews
from tests import samples

RUN_ID = "3f9c2a1e-0000-4000-8000-000000000001"
WORKFLOW_ID = "iku-2027-kemnaker"
NOTE = 'Perbaiki target <script>alert("x")</script> & formula'
# 2027-02-05 is inside the example directory's Plh Kabag appointment (p-011 for p-002).
T0 = datetime(2027, 2, 1, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def store(settings: Settings) -> LocalDocumentStore:
    return LocalDocumentStore(settings.documents_dir)


def _doc(kind: str, version: int, ref: DocumentRef, step: int, by: str, hours: float) -> Document:
    return Document(
        kind=kind,
        version=version,
        ref=ref,
        step=step,
        task_id=f"t-{step}-{version}",
        by=by,
        at=at(hours),
    )


@pytest.fixture
def request_(store: LocalDocumentStore) -> ArchiveRequest:
    konsep = store.put_bytes(
        b"%PDF-1.4 konsep rencana kerja", "Konsep RK 2027.pdf", "application/pdf"
    )
    tor = store.put_bytes(
        b"%PDF-1.4 TOR penyusunan IKU", "../../etc/TOR: final?.pdf", "application/pdf"
    )
    draft1 = store.put_bytes(b"%PDF-1.4 draf IKU v1", "Draf IKU.pdf", "application/pdf")
    draft2 = store.put_bytes(b"%PDF-1.4 draf IKU v2 perbaikan", "Draf IKU.pdf", "application/pdf")
    draft3 = store.put_bytes(
        b"%PDF-1.4 draf IKU v3 final", "Draf IKU (final).pdf", "application/pdf"
    )
    documents = [
        _doc("konsep_rencana_kerja", 1, konsep, 1, "p-001", 1),
        _doc("tor", 1, tor, 1, "p-001", 1),
        _doc("draf_iku", 1, draft1, 6, "p-006", 50),
        _doc("draf_iku", 2, draft2, 6, "p-007", 60),
        _doc("draf_iku", 3, draft3, 7, "p-001", 70),
    ]
    # The Minister signs without a new file: the signed IKU is draft v3's bytes, uploaded by
    # the Kasubbag at step 7 and set as the IKU by the Minister's signature at step 11.
    documents.append(
        documents[-1].model_copy(
            update={
                "kind": "iku",
                "version": 1,
                "promoted": Promotion(
                    from_kind="draf_iku",
                    from_version=3,
                    step=11,
                    task_id="t-11",
                    by="p-005",
                    at=at(100),
                ),
            }
        )
    )
    v3 = DocVersion(kind="draf_iku", version=3, sha256=draft3.sha256)

    def mark(
        kind: str, step: int, person: str, hours: float, acting_for: str | None = None
    ) -> Mark:
        return Mark(
            kind=kind,
            step=step,
            task_id=f"t-{step}",
            person=person,
            acting_for=acting_for,
            document_kind="draf_iku",
            version=3,
            sha256=draft3.sha256,
            at=at(hours),
        )

    parafs = [
        mark("paraf", 8, "p-011", 80, acting_for="p-002"),
        mark("paraf", 9, "p-003", 85),
        mark("paraf", 10, "p-004", 90),
    ]
    signature = mark("signature", 11, "p-005", 100)
    history = [
        HistoryEntry(seq=1, at=at(0), event=HistoryEvent.STARTED, person="ops"),
        HistoryEntry(
            seq=2,
            at=at(0),
            event=HistoryEvent.ENTERED,
            step=1,
            round=1,
            task_id="t-1-1",
            detail="kasubag",
        ),
        HistoryEntry(
            seq=3,
            at=at(1),
            event=HistoryEvent.DECIDED,
            step=1,
            round=1,
            task_id="t-1-1",
            person="p-001",
            action=Action.SUBMIT,
            documents=[DocVersion(kind="tor", version=1, sha256=tor.sha256)],
        ),
        HistoryEntry(
            seq=4,
            at=at(65),
            event=HistoryEvent.DECIDED,
            step=7,
            round=1,
            task_id="t-7-1",
            person="p-001",
            action=Action.RETURN,
            note=NOTE,
            checklist=[
                ChecklistAnswer(item="target_terukur", ok=False, remark="target belum terukur")
            ],
        ),
        HistoryEntry(
            seq=5,
            at=at(80),
            event=HistoryEvent.DECIDED,
            step=8,
            round=2,
            task_id="t-8",
            person="p-011",
            acting_for="p-002",
            action=Action.APPROVE,
            documents=[v3],
        ),
        HistoryEntry(
            seq=6,
            at=at(85),
            event=HistoryEvent.DECIDED,
            step=9,
            round=2,
            task_id="t-9",
            person="p-003",
            action=Action.APPROVE,
            documents=[v3],
        ),
        HistoryEntry(
            seq=7,
            at=at(90),
            event=HistoryEvent.DECIDED,
            step=10,
            round=2,
            task_id="t-10",
            person="p-004",
            action=Action.APPROVE,
            documents=[v3],
        ),
        HistoryEntry(
            seq=8,
            at=at(100),
            event=HistoryEvent.DECIDED,
            step=11,
            round=2,
            task_id="t-11",
            person="p-005",
            action=Action.APPROVE,
            documents=[v3],
        ),
        HistoryEntry(
            seq=9, at=at(120), event=HistoryEvent.ESCALATION, step=12, round=2, detail="1/3"
        ),
    ]
    process = ProcessInput(
        year=2027,
        code="kemnaker",
        sop_number="1/123/OT.04.00/I/2027",
        title="IKU Kementerian Ketenagakerjaan Tahun 2027",
        started_by="p-001",
    )
    status = StatusView(
        workflow_id=WORKFLOW_ID,
        process=process,
        state=ProcessState.RUNNING,
        step=16,
        round=2,
        task=None,
        team=Team(members=["p-006", "p-007"], leader="p-006"),
        documents=documents,
        parafs=parafs,
        signature=signature,
        history=history,
        cancel_reason=None,
        archive=None,
    )
    return ArchiveRequest(status=status)


@pytest.fixture
def env() -> ActivityEnvironment:
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(
        environment.info, workflow_id=WORKFLOW_ID, workflow_run_id=RUN_ID
    )
    return environment


async def build(env: ActivityEnvironment, settings: Settings, request: ArchiveRequest):
    return await env.run(ArchiveActivities(settings).build_archive, request)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")}


def _files(folder: Path) -> list[str]:
    return sorted(
        f"{folder.name}/{p.relative_to(folder).as_posix()}"
        for p in folder.rglob("*")
        if p.is_file()
    )


def _leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.archive_dir.iterdir() if p.name.startswith(".tmp-"))


async def test_bag_holds_every_version_and_validates(env, settings, request_):
    info = await build(env, settings, request_)
    bag_dir = settings.archive_dir.absolute() / f"{WORKFLOW_ID}--{RUN_ID}"

    assert Path(info.path) == bag_dir
    assert info.bag_name == bag_dir.name
    assert info.valid
    assert validate_bag(bag_dir) == (True, None)
    payload = [p for p in (bag_dir / "data").rglob("*") if p.is_file()]
    # Every version; the records (riwayat, status, SOP, ringkasan) and the guide
    # (BACA-SAYA.txt); the printed record (cetak/: a Lembar Pemeriksaan per review and the
    # riwayat). This deployment has no CA, so no tte/ folder.
    printed = len(reviews(request_.status)) + 1
    assert info.files == len(payload) == len(request_.documents) + 5 + printed
    assert (bag_dir / "data" / "cetak" / "riwayat.pdf").is_file()
    assert info.bytes == sum(p.stat().st_size for p in payload)

    manifest = bagit.Bag(str(bag_dir)).entries
    for doc in request_.documents:
        rel = payload_path(doc)
        assert (bag_dir / rel).is_file(), rel
        assert _sha256(bag_dir / rel) == doc.ref.sha256
        assert manifest[rel]["sha256"] == doc.ref.sha256
        assert "sha512" in manifest[rel]
    # A name from the uploader never becomes a path.
    tor = next(d for d in request_.documents if d.kind == "tor")
    assert payload_path(tor) == (f"data/dokumen/01-tor/v1-{tor.ref.sha256[:12]}-TOR_ final_.pdf")
    assert all(bag_dir in p.parents for p in payload)

    bag_info = bagit.Bag(str(bag_dir)).info
    assert bag_info["Source-Organization"] == "Kementerian Ketenagakerjaan Republik Indonesia"
    assert bag_info["Contact-Name"] == "Biro Perencanaan dan Manajemen Kinerja"
    assert bag_info["External-Identifier"] == WORKFLOW_ID
    assert bag_info["External-Description"] == (
        "Penyusunan Indikator Kinerja Utama Kementerian — "
        "IKU Kementerian Ketenagakerjaan Tahun 2027"
    )
    assert bag_info["Internal-Sender-Identifier"] == WORKFLOW_ID
    jakarta = ZoneInfo("Asia/Jakarta")
    assert bag_info["Bagging-Date"] == info.created_at.astimezone(jakarta).date().isoformat()
    assert _leftovers(settings) == []


async def test_records_round_trip(env, settings, request_):
    info = await build(env, settings, request_)
    data = Path(info.path) / "data"

    riwayat = TypeAdapter(list[HistoryEntry]).validate_json((data / "riwayat.json").read_bytes())
    assert riwayat == request_.status.history
    status = StatusView.model_validate_json((data / "status.json").read_bytes())
    # The snapshot is the process as archived, not as it was a moment before (running):
    # it names this very archive, as the workflow records it once the activity returns.
    assert status == request_.status.model_copy(
        update={"state": ProcessState.ARCHIVED, "archive": info}
    )

    sop = json.loads((data / "sop.json").read_text(encoding="utf-8"))
    assert sop["nama_sop"] == "Penyusunan Indikator Kinerja Utama Kementerian"
    assert sop["pencatatan"] == "Disimpan sebagai data elektronik dan manual"
    assert (sop["sop_number"], sop["year"], sop["code"]) == (
        "1/123/OT.04.00/I/2027",
        2027,
        "kemnaker",
    )
    assert sop["workflow_id"] == WORKFLOW_ID
    assert (sop["run_id"], sop["run_ids"]) == (RUN_ID, [RUN_ID])
    assert [s["number"] for s in sop["steps"]] == list(range(1, 17))
    assert sop["steps"][15] == {
        "number": 16,
        "role": "fungsional_umum",
        "role_name": "Fungsional Umum",
        "activity": "Mendokumentasikan Indikator Kinerja Utama Kementerian",
        "requires": ["iku"],
        "produces": ["dokumentasi_iku"],
    }


async def test_printable_record_names_signer_and_acting_official(env, settings, request_):
    info = await build(env, settings, request_)
    html = (Path(info.path) / "data" / "ringkasan.html").read_text(encoding="utf-8")

    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="id">' in html
    # The signature: the Minister from the example directory (no NIP there).
    signature_row = html[html.index("Tanda tangan</td>") :]
    assert "Ir. Sri Hartati, M.T." in signature_row
    assert request_.status.signature.sha256 in signature_row
    # Paraf at 8 by the Plh Kabag, standing in for the Kabag.
    assert "Plh. Kepala Bagian Perencanaan Program" in html
    assert "Dewi Lestari, S.H., M.H." in html
    assert "NIP 197909302005012004" in html
    assert "Plh. menggantikan Ahmad Fauzi, S.Sos., M.Si." in html
    # Paraf at 9: the Karo, with NIP.
    assert "Dr. Bambang Sutrisno, M.P.A." in html and "NIP 197011231995031001" in html
    # Header, documents and riwayat are there; the note is escaped, not markup.
    assert "Disimpan sebagai data elektronik dan manual" in html
    assert "1/123/OT.04.00/I/2027" in html
    for doc in request_.documents:
        assert doc.ref.sha256 in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; formula" in html
    assert "✗ Target terukur dan realistis: target belum terukur" in html
    # Its sections and columns are named as the bureau's page and riwayat.pdf name them.
    for heading in ("Riwayat", "Dokumen dan versinya", "Paraf dan tanda tangan"):
        assert f"<h2>{heading}</h2>" in html, heading
    assert "<th>Rincian</th>" in html and "<th>Keterangan</th>" not in html
    assert "Daftar Dokumen" not in html
    # A decision as riwayat.pdf words it (what was done), not by its button.
    assert "Keputusan: dikembalikan untuk diperbaiki" in html
    assert "Keputusan: disetujui dan diparaf" in html
    assert "Keputusan: Setujui" not in html and "Keputusan: Kembalikan" not in html
    # The IKU keeps its uploader, and says how it became the IKU.
    iku_row = html[html.index("<td>Indikator Kinerja Utama (ditandatangani)</td>") :]
    iku_row = iku_row[: iku_row.index("</tr>")]
    assert "Rina Wulandari" in iku_row
    assert "ditetapkan sebagai Indikator Kinerja Utama (ditandatangani) pada langkah 11" in iku_row
    assert "Ir. Sri Hartati, M.T." in iku_row and "Draf Indikator Kinerja Utama versi 3" in iku_row
    # 2027-02-04 15:00 UTC, the Karo's paraf, is printed in Jakarta time.
    assert "Kamis, 4 Februari 2027 pukul 22.00 WIB" in html
    # The state is the archive's, with its moment in WIB, not "Berjalan".
    when = info.created_at.astimezone(ZoneInfo("Asia/Jakarta"))
    state = html[html.index("<th>Status</th>") :]
    state = state[: state.index("</tr>")]
    assert re.search(
        rf"Diarsipkan pada \w+, {when.day} \w+ {when.year} pukul {when:%H\.%M} WIB", state
    ), state
    assert "Berjalan" not in state
    # Ops started it: named by their unit, as on every page, not by the sign-in name.
    started = html[html.index("Proses dimulai") :]
    started = started[: started.index("</tr>")]
    assert "Tim Operasional IKU" in started and ">ops<" not in started, started


async def test_the_bag_says_what_it_is_and_who_signed_in_its_bag_info(env, settings, request_):
    info = await build(env, settings, request_)
    bag_info = bagit.Bag(info.path).info
    iku = next(d for d in request_.documents if d.kind == "iku")

    assert bag_info["Tahun-IKU"] == "2027"
    assert bag_info["Nomor-SOP"] == "1/123/OT.04.00/I/2027"
    assert bag_info["SHA256-IKU-Ditandatangani"] == iku.ref.sha256
    assert bag_info["ID-Run"] == RUN_ID  # one run: the one that names the bag
    # The signers as the printed record names them: position, name, NIP; the Plh with
    # the official she stood in for.
    assert bag_info["Penanda-Tangan"] == [
        "Paraf, langkah 8: Plh. Kepala Bagian Perencanaan Program: Dewi Lestari, S.H., M.H., "
        "NIP 197909302005012004 (Plh. menggantikan Ahmad Fauzi, S.Sos., M.Si.)",
        "Paraf, langkah 9: Kepala Biro Perencanaan dan Manajemen Kinerja: "
        "Dr. Bambang Sutrisno, M.P.A., NIP 197011231995031001",
        "Paraf, langkah 10: Sekretaris Jenderal: Dr. Hendra Gunawan, M.Si., NIP 196805141992031003",
        "Tanda tangan, langkah 11: Menteri Ketenagakerjaan: Ir. Sri Hartati, M.T.",
    ]
    # No CA in this deployment: no fingerprint is claimed.
    assert "SHA256-Sertifikat-CA" not in bag_info


async def test_the_bag_explains_itself_in_indonesian_then_english(env, settings, request_):
    info = await build(env, settings, request_)
    guide = (Path(info.path) / "data" / "BACA-SAYA.txt").read_text(encoding="utf-8")
    iku = next(d for d in request_.documents if d.kind == "iku")

    indonesian, english = guide.split("GUIDE TO THE ELECTRONIC ARCHIVE", 1)
    assert indonesian.startswith("PANDUAN ARSIP ELEKTRONIK")
    for part, words in (
        (
            indonesian,
            ("Tahun IKU: 2027", "Kode unit: kemnaker", "Nomor SOP: 1/123/OT.04.00/I/2027"),
        ),
        (english, ("IKU year: 2027", "Unit code: kemnaker", "SOP number: 1/123/OT.04.00/I/2027")),
    ):
        for expected in (*words, WORKFLOW_ID, RUN_ID, payload_path(iku), iku.ref.sha256):
            assert expected in part, expected
        for folder in ("data/dokumen/", "data/cetak/", "data/ringkasan.html", "bag-info.txt"):
            assert folder in part, folder
        assert "bagit.py --validate ." in part
    # Without a CA the guide says the signatures cannot be checked from the bag, and
    # gives no command that would need one.
    assert "tanda tangan tidak dapat diperiksa dari arsip ini saja" in indonesian
    assert "iku verify" not in guide and "pdfsig" not in guide


def _flip(path: Path) -> str:
    content = bytearray(path.read_bytes())
    content[5] ^= 0x01  # same size: only the hashes can tell
    path.write_bytes(bytes(content))
    return "has changed"


def _append(path: Path) -> str:
    with path.open("ab") as handle:  # Payload-Oxum fails first, and names no file
        handle.write(b"\n")
    return "has changed"


def _delete(path: Path) -> str:
    path.unlink()
    return "is listed in the manifest but missing"


@pytest.mark.parametrize("damage", [_flip, _append, _delete])
async def test_damage_fails_validation_naming_the_file(env, settings, request_, damage):
    info = await build(env, settings, request_)
    bag_dir = Path(info.path)
    draft = next(d for d in request_.documents if d.kind == "draf_iku" and d.version == 2)
    assert validate_bag(bag_dir) == (True, None)

    words = damage(bag_dir / payload_path(draft))

    ok, message = validate_bag(bag_dir)
    assert not ok
    assert f"{payload_path(draft)} {words}" in message


async def test_an_added_file_fails_validation_naming_it(env, settings, request_):
    info = await build(env, settings, request_)
    (Path(info.path) / "data" / "extra.txt").write_text("x", encoding="utf-8")

    ok, message = validate_bag(Path(info.path))
    assert not ok
    assert "data/extra.txt is in the archive but not in the manifest" in message


async def test_retry_returns_the_same_bag_without_rebuilding(env, settings, request_, store):
    first = await build(env, settings, request_)
    bag_dir = Path(first.path)
    stamps = _mtimes(bag_dir)
    # A rebuild would need the store; the bag already holds everything.
    store.path_of(request_.documents[0].ref).unlink()

    second = await build(env, settings, request_)

    assert second == first
    assert _mtimes(bag_dir) == stamps
    assert sorted(p.name for p in settings.archive_dir.iterdir()) == [bag_dir.name]


async def test_a_damaged_final_bag_is_set_aside_and_rebuilt(env, settings, request_):
    first = await build(env, settings, request_)
    bag_dir = Path(first.path)
    (bag_dir / "data" / "riwayat.json").write_text("[]", encoding="utf-8")

    second = await build(env, settings, request_)

    assert second.path == first.path and second.valid
    assert validate_bag(bag_dir) == (True, None)
    aside = settings.archive_dir / f".broken-{bag_dir.name}-1"
    assert aside.is_dir()
    assert not validate_bag(aside)[0]
    assert _leftovers(settings) == []


async def test_a_missing_document_fails_for_good_and_leaves_nothing(env, settings, request_, store):
    gone = next(d for d in request_.documents if d.kind == "draf_iku" and d.version == 2)
    store.path_of(gone.ref).unlink()

    with pytest.raises(ApplicationError) as caught:
        await build(env, settings, request_)

    assert caught.value.type == "DocumentMissing"
    assert caught.value.non_retryable
    assert gone.ref.key in str(caught.value)
    assert not (settings.archive_dir / f"{WORKFLOW_ID}--{RUN_ID}").exists()
    assert _leftovers(settings) == []


async def test_a_changed_document_in_the_store_counts_as_missing(env, settings, request_, store):
    changed = next(d for d in request_.documents if d.kind == "tor")
    path = store.path_of(changed.ref)
    path.write_bytes(path.read_bytes().replace(b"TOR", b"ToR"))  # same size, other bytes

    with pytest.raises(ApplicationError) as caught:
        await build(env, settings, request_)

    assert caught.value.type == "DocumentMissing"
    assert changed.ref.key in str(caught.value)
    assert not settings.archive_dir.joinpath(f"{WORKFLOW_ID}--{RUN_ID}").exists()


async def test_a_failure_midway_leaves_no_temporary_folder(env, tmp_path, request_, store):
    # The directory is read after the documents are copied: a broken one fails the build
    # halfway, and retryably (ops can fix the file).
    (tmp_path / "broken.yaml").write_text("people: [", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, directory_file=tmp_path / "broken.yaml")

    with pytest.raises(DirectoryError):
        await build(env, settings, request_)

    assert list(settings.archive_dir.iterdir()) == []


async def test_cancelled_midway_waits_for_the_copy_and_cleans_up(
    env, settings, request_, monkeypatch
):
    copying = threading.Event()
    release = threading.Event()
    finished: list[Path] = []
    real_copy = archive_module._copy

    def slow_copy(store, ref, target):
        copying.set()
        release.wait(5)
        real_copy(store, ref, target)  # still writes after the cancellation arrived
        finished.append(target)

    monkeypatch.setattr(archive_module, "_copy", slow_copy)
    task = asyncio.ensure_future(build(env, settings, request_))
    await asyncio.to_thread(copying.wait, 5)
    env.cancel()
    await asyncio.sleep(0.05)
    assert not task.done()  # waiting for the thread, not abandoning it
    release.set()

    with pytest.raises(asyncio.CancelledError):
        await task

    assert len(finished) == 1
    assert list(settings.archive_dir.iterdir()) == []


async def test_an_unsafe_workflow_id_is_refused(env, settings, request_):
    bad = request_.model_copy(
        update={"status": request_.status.model_copy(update={"workflow_id": "../../etc"})}
    )
    with pytest.raises(ApplicationError) as caught:
        await build(env, settings, bad)
    assert caught.value.type == "InvalidArchiveRequest"
    assert caught.value.non_retryable


async def test_zip_bag_holds_the_whole_bag(env, settings, request_, tmp_path):
    info = await build(env, settings, request_)
    bag_dir = Path(info.path)
    out = samples.Unseekable()

    zip_bag(bag_dir, out)

    with zipfile.ZipFile(io.BytesIO(bytes(out.data))) as archive:
        names = archive.namelist()
        assert f"{bag_dir.name}/bagit.txt" in names
        assert f"{bag_dir.name}/manifest-sha256.txt" in names
        assert f"{bag_dir.name}/manifest-sha512.txt" in names
        assert {n.split("/", 1)[0] for n in names} == {bag_dir.name}
        assert sorted(names) == _files(bag_dir)
        assert archive.testzip() is None
        archive.extractall(tmp_path / "unzipped")
    assert validate_bag(tmp_path / "unzipped" / bag_dir.name) == (True, None)


async def test_resolve_bag_refuses_what_is_not_an_archive(env, settings, request_):
    info = await build(env, settings, request_)
    assert resolve_bag(settings.archive_dir, info.bag_name) == settings.archive_dir / info.bag_name
    for name in ("..", "../x--y", ".tmp-x--y", "a/b--c", "no-separator"):
        with pytest.raises(UnsafeBagName):
            resolve_bag(settings.archive_dir, name)
    with pytest.raises(FileNotFoundError):
        resolve_bag(settings.archive_dir, "iku-2027-other--run")


def test_names_are_never_paths():
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("a\x00b\u202ec.pdf") == "abc.pdf"
    assert safe_file_name('x<y>:"z|?*.pdf') == "x_y___z___.pdf"
    assert safe_file_name("..") == "dokumen"
    long = safe_file_name("é" * 300 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 120
    with pytest.raises(UnsafeBagName):
        bag_name("../x", "run")
    with pytest.raises(UnsafeBagName):
        bag_name("iku-2027-a", "")


def test_validate_bag_on_a_folder_that_is_not_a_bag(tmp_path):
    ok, message = validate_bag(tmp_path)
    assert not ok and "bagit.txt" in message
    assert os.listdir(tmp_path) == []
