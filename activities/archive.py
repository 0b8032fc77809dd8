"""Step 16, "Mendokumentasikan Indikator Kinerja Utama Kementerian": the archive.

The signed IKU and the whole record of its process become one BagIt bag: every version of
every document, the riwayat, the status, the SOP itself, and ``ringkasan.html``, the
printable record from which the manual copy is printed (made by ``activities.ringkasan``).

The bag is written once. It is built in a ``.tmp-`` folder next to its final place,
validated, and only then renamed into place, so a retry finds either nothing or a whole
bag. The final folder is keyed by the workflow run, so a retry of the same activity finds
the bag its earlier attempt made. Where the bag is kept (a folder, or the S3 bucket with a
marker written last) is common/archive_store.py's business.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import bagit
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import telemetry
from activities.cpu import SIGNATURES, TYPESETTING, in_process
from activities.ringkasan import render_ringkasan
from common.archive_bag import (
    BAG_CHECKSUMS,
    BAG_TIMESTAMP_FIELD,
    TEMP_PREFIX,
    UnsafeBagName,
    bag_name,
    payload_path,
    validate_bag,
)
from common.archive_metadata import archive_metadata, bag_fields
from common.archive_store import open_archive_store
from common.directory import load_directory, record_name
from common.documents import DocumentStore, open_document_store
from common.models import (
    ArchiveInfo,
    ArchiveRequest,
    Document,
    DocumentRef,
    HistoryEntry,
)
from common.settings import Settings
from common.sop_identity import header_line
from signing.ca import CertificateAuthority
from signing.folder import VALIDATION, SigningFolder
from signing.printable import lembar_pemeriksaan, reviews, riwayat
from signing.verify import NotAPdf, verify_pdf
from workflows.sop import ROLES, SOP_HEADER, STEPS

T = TypeVar("T")

SOURCE_ORGANIZATION = "Kementerian Ketenagakerjaan Republik Indonesia"
CONTACT_NAME = "Biro Perencanaan dan Manajemen Kinerja"
_HEARTBEAT_SECONDS = 5.0
_CHUNK = 1024 * 1024

# bagit.make_bag changes the working directory of the whole process while it works. The
# worker runs other activities in threads at the same time, and paths in settings may be
# relative, so make_bag runs in a child process of its own. -I: nothing from the
# environment or the current folder can change what the child imports.
_MAKE_BAG = (
    "import json, sys, bagit; "
    "bagit.make_bag(sys.argv[1], json.load(sys.stdin), checksums=sys.argv[2].split(','))"
)


ARCHIVE_ATTEMPT_FAILURES = (
    "iku_archive_attempt_failures",
    "Attempts to build an archive that failed (retried unless a document is missing)",
)


class ArchiveActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = open_document_store(settings)
        self.archives = open_archive_store(settings)

    @activity.defn(name="build_archive")
    async def build_archive(self, request: ArchiveRequest) -> ArchiveInfo:
        async with telemetry.failed_attempts(*ARCHIVE_ATTEMPT_FAILURES):
            return await self._build(request)

    async def _build(self, request: ArchiveRequest) -> ArchiveInfo:
        run_id = activity.info().workflow_run_id or ""
        try:
            name = bag_name(request.workflow_id, run_id)
        except UnsafeBagName as err:
            raise ApplicationError(
                str(err), type="InvalidArchiveRequest", non_retryable=True
            ) from err
        # A retry after a successful publish: the bag is already there.
        existing, note = await _heartbeating(
            asyncio.to_thread(self.archives.existing, name), "validating the existing archive"
        )
        if existing is not None:
            return existing
        if note:
            activity.logger.warning("archive %s %s", name, note)

        await self._check_store(request.documents)

        created_at = datetime.now(UTC)
        scratch = await asyncio.to_thread(_ready_dir, self.archives.scratch_dir)
        tmp = Path(
            await asyncio.to_thread(tempfile.mkdtemp, prefix=f"{TEMP_PREFIX}{name}-", dir=scratch)
        )
        try:
            expected = await self._copy_documents(tmp, request.documents)
            await _heartbeating(
                asyncio.to_thread(
                    _write_records, tmp, request, run_id, name, created_at, self.settings
                ),
                "writing the records",
            )
            await _heartbeating(
                self._write_signatures(tmp, request, created_at), "validating the signatures"
            )
            await _heartbeating(
                # Typesetting is a second or more of CPU: in the pool's process.
                in_process(TYPESETTING, _write_printable, tmp, request, self.settings),
                "printing the Lembar Pemeriksaan and the riwayat",
            )
            meta = archive_metadata(
                self.settings,
                request.process,
                request.status.official_number.number if request.status.official_number else None,
                created_at,
            )
            await _make_bag(tmp, _bag_info(request, created_at, self._tz()) | bag_fields(meta))
            await _heartbeating(
                asyncio.to_thread(_check_new_bag, tmp, expected), "validating the new archive"
            )
            info = await _heartbeating(
                asyncio.to_thread(self.archives.publish, tmp, name), "publishing the archive"
            )
        finally:
            # Synchronous on purpose: it must run even when the activity is cancelled.
            shutil.rmtree(tmp, ignore_errors=True)

        activity.logger.info(
            "archive %s built: %d payload files, %d bytes", name, info.files, info.bytes
        )
        return info

    async def _write_signatures(
        self, folder: Path, request: ArchiveRequest, created_at: datetime
    ) -> None:
        """tte/: the CA certificate and CRL, and the validation report of every signature in
        the signed IKU, so the archive verifies offline years later (``iku verify`` with
        IKU_SIGNING_DIR pointing at a folder holding ca/ca.pem and ca/crl.pem)."""
        root = await asyncio.to_thread(SigningFolder(self.settings).fetch, *VALIDATION)
        ca = CertificateAuthority(root)
        if not (ca.cert_path.exists() and ca.crl_path.exists()):
            return  # no CA: signing is not set up here
        target = folder / "tte"
        await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.copyfile, ca.cert_path, target / "ca.pem")
        await asyncio.to_thread(shutil.copyfile, ca.crl_path, target / "crl.pem")
        signed = [d for d in request.documents if d.kind == "iku"]
        report: dict[str, Any] = {"validated_at": created_at.isoformat(), "documents": []}
        for document in signed[-1:]:
            with self.store.open(document.ref) as handle:
                data = await asyncio.to_thread(handle.read)
            try:
                # pyHanko's validation is CPU work: in the pool's process.
                checked = await in_process(SIGNATURES, _validation_report, data, root)
            except NotAPdf:
                checked = {"sha256": document.ref.sha256, "signatures": [], "valid": False}
            report["documents"].append(
                {"kind": document.kind, "version": document.version, "report": checked}
            )
        await asyncio.to_thread(_write_json, target / "validasi.json", report)

    def _tz(self) -> tzinfo:
        return ZoneInfo(self.settings.timezone)

    async def _check_store(self, documents: list[Document]) -> None:
        """Fail for good, naming the keys, when the store lost or changed a document."""
        refs = list({doc.ref.key: doc.ref for doc in documents}.values())
        missing: list[str] = []
        for number, ref in enumerate(refs, start=1):
            if not await asyncio.to_thread(self.store.holds, ref):
                missing.append(ref.key)
            activity.heartbeat(f"checked document {number}/{len(refs)}")
        if missing:
            # A retry cannot bring bytes back; ops must restore them, then rerun step 16.
            raise ApplicationError(
                "the document store does not hold the exact bytes of " + ", ".join(missing),
                missing,
                type="DocumentMissing",
                non_retryable=True,
            )

    async def _copy_documents(self, folder: Path, documents: list[Document]) -> dict[str, str]:
        """Copy every version into the future payload; return {bag path: sha256}."""
        expected: dict[str, str] = {}
        for number, doc in enumerate(documents, start=1):
            rel = payload_path(doc)
            if rel not in expected:  # the same version listed twice is copied once
                expected[rel] = doc.ref.sha256
                # make_bag moves the folder's contents under data/: write them without it.
                target = folder / rel.removeprefix("data/")
                await _heartbeating(
                    asyncio.to_thread(_copy, self.store, doc.ref, target),
                    f"copying document {number}/{len(documents)}",
                )
            activity.heartbeat(f"copied document {number}/{len(documents)}")
        return expected


# --- the blocking parts (run in threads or a child process) -----------------------------


async def _heartbeating(
    work: Awaitable[T], detail: str, on_cancel: Callable[[], None] | None = None
) -> T:
    """Await ``work`` while heartbeating, so long file work neither times out nor hides
    a cancellation. On cancellation wait for the work to stop (a thread cannot be
    stopped) so that the caller's clean-up never races it."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_HEARTBEAT_SECONDS)
            if done:
                return task.result()
            activity.heartbeat(detail)
    except asyncio.CancelledError:
        if on_cancel is not None:
            on_cancel()
        await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not report it as lost
        raise


async def _make_bag(folder: Path, bag_info: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-c",
        _MAKE_BAG,
        str(folder),
        ",".join(BAG_CHECKSUMS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(folder.parent),
    )

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()

    _, stderr = await _heartbeating(
        process.communicate(json.dumps(bag_info).encode()), "making the bag", on_cancel=kill
    )
    if process.returncode != 0:
        lines = stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(
            f"bagit could not make the bag (exit {process.returncode}): "
            + (lines[-1][:500] if lines else "no message")
        )


def _ready_dir(folder: Path) -> Path:
    folder = Path(folder).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _copy(store: DocumentStore, ref: DocumentRef, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.open(ref) as source, target.open("xb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _check_new_bag(folder: Path, expected: dict[str, str]) -> None:
    ok, problem = validate_bag(folder)
    if not ok:
        raise RuntimeError(f"the new archive did not validate: {problem}")
    # The manifest must record, for every document, the sha256 the workflow knows: this
    # catches bytes that changed in the store between the check and the copy.
    entries = bagit.Bag(str(folder)).entries
    for rel, sha256 in expected.items():
        if entries.get(rel, {}).get("sha256") != sha256:
            raise RuntimeError(f"{rel} in the new archive is not document sha256/{sha256}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bag_info(request: ArchiveRequest, created_at: datetime, tz: tzinfo) -> dict[str, str]:
    info = {
        "Source-Organization": SOURCE_ORGANIZATION,
        "Contact-Name": CONTACT_NAME,
        "External-Identifier": request.workflow_id,
        "External-Description": f"{SOP_HEADER['nama_sop']} — {request.process.title}",
        "Internal-Sender-Identifier": request.process.sop_number,
        "Bagging-Date": created_at.astimezone(tz).date().isoformat(),
        BAG_TIMESTAMP_FIELD: created_at.isoformat(),
    }
    # A tag file is one field per line: a title typed with line breaks must not break it.
    return {key: _one_line(value) for key, value in info.items()}


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_records(
    folder: Path,
    request: ArchiveRequest,
    run_id: str,
    name: str,
    created_at: datetime,
    settings: Settings,
) -> None:
    """riwayat.json, status.json, sop.json and ringkasan.html (all land under data/)."""
    _write_json(
        folder / "riwayat.json",
        [entry.model_dump(mode="json") for entry in request.status.history],
    )
    _write_json(folder / "status.json", request.status.model_dump(mode="json"))
    _write_json(folder / "sop.json", sop_record(request, run_id, settings))
    directory = load_directory(settings.directory_file)
    html = render_ringkasan(
        request,
        run_id,
        name,
        created_at,
        directory,
        ZoneInfo(settings.timezone),
        sop_line=header_line(
            request.process.sop_number, settings.sop_approved_on, settings.sop_revised_on, "id"
        ),
        identities=(settings.ops_identities, settings.bureau_identities),
    )
    (folder / "ringkasan.html").write_text(html, encoding="utf-8")


def _validation_report(data: bytes, signing_dir: Path) -> dict[str, Any]:
    return asyncio.run(verify_pdf(data, signing_dir)).as_json()


def _write_printable(folder: Path, request: ArchiveRequest, settings: Settings) -> None:
    """cetak/: every review's Lembar Pemeriksaan and the whole riwayat as PDF, the record's
    printed form (the source keeps its records "as electronic and manual data")."""
    directory = load_directory(settings.directory_file)

    def names(person: str | None) -> str:
        return record_name(
            directory, person, ops=settings.ops_identities, bureau=settings.bureau_identities
        )

    status = request.status
    target = folder / "cetak" / "lembar-pemeriksaan"
    target.mkdir(parents=True, exist_ok=True)
    for entry in reviews(status):
        (target / lembar_name(entry)).write_bytes(lembar_pemeriksaan(status, entry, names))
    (folder / "cetak" / "riwayat.pdf").write_bytes(riwayat(status, names))


def lembar_name(entry: HistoryEntry) -> str:
    """In riwayat order: the entry's number, its step and its task."""
    return f"{entry.seq:04d}-langkah-{entry.step or 0:02d}-{entry.task_id}.pdf"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def sop_record(request: ArchiveRequest, run_id: str, settings: Settings) -> dict[str, Any]:
    """The SOP as run: its header, this process, and the 16 steps."""
    process = request.process
    return {
        **SOP_HEADER,
        "sop_number": process.sop_number,
        "sop_approved_on": settings.sop_approved_on.isoformat()
        if settings.sop_approved_on
        else None,
        "sop_revised_on": settings.sop_revised_on.isoformat() if settings.sop_revised_on else None,
        "year": process.year,
        "code": process.code,
        "title": process.title,
        "revision": process.revision,
        "workflow_id": request.workflow_id,
        "run_id": run_id,
        "steps": [
            {
                "number": s.number,
                "role": s.role,
                "role_name": ROLES[s.role].name_id,
                "activity": s.activity_id,
                "requires": list(s.requires),
                "produces": list(s.produces),
            }
            for s in STEPS
        ],
    }
