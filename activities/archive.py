"""Step 16, "Mendokumentasikan Indikator Kinerja Utama Kementerian": the archive.

The signed IKU and the whole record of its process become one BagIt bag: every version of
every document, the riwayat, the status, the SOP itself, and ``ringkasan.html``, the
printable record from which the manual copy is printed (made by ``activities.ringkasan``).

The bag is written once. It is built in a ``.tmp-`` folder next to its final place,
validated, and only then renamed into place, so a retry finds either nothing or a whole
bag. The final folder is keyed by the workflow run, so a retry of the same activity finds
the bag its earlier attempt made. Where the bag is kept (a folder, or the S3 bucket with a
marker written last) is common/archives/'s business.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import bagit
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities import telemetry
from activities.archive_guide import GUIDE_NAME, Facts, guide_text
from activities.cpu import SIGNATURES, TYPESETTING, in_process
from activities.ringkasan import render_ringkasan, resolve_who, signer_line
from common.archives import ArchiveStore, open_archive_store
from common.archives.bag import (
    BAG_CHECKSUMS,
    BAG_TIMESTAMP_FIELD,
    TEMP_PREFIX,
    UnsafeBagName,
    bag_name,
    payload_path,
    validate_bag,
)
from common.archives.metadata import archive_metadata, bag_fields
from common.directory import load_directory, record_name
from common.documents import DocumentStore, open_document_store
from common.models import (
    ArchiveInfo,
    ArchiveMetadata,
    ArchiveRequest,
    Document,
    DocumentRef,
    HistoryEntry,
    ProcessState,
)
from common.settings import Settings
from common.sop_identity import header_line
from signing.ca import CertificateAuthority
from signing.folder import VALIDATION, SigningFolder
from signing.printable import lembar_pemeriksaan, reviews, riwayat
from signing.verify import NotAPdf, verify_pdf
from workflows.sop import ROLES, SOP_HEADER, STEP_BY_NUMBER, STEPS

T = TypeVar("T")

SOURCE_ORGANIZATION = "Kementerian Ketenagakerjaan Republik Indonesia"
CONTACT_NAME = "Biro Perencanaan dan Manajemen Kinerja"
# Fields of our own in bag-info.txt (BagIt allows them), in the style of
# common/archives/metadata.py's: what the bag is, and what anchors its trust.
YEAR_FIELD = "Tahun-IKU"
SOP_FIELD = "Nomor-SOP"
SIGNER_FIELD = "Penanda-Tangan"  # one per standing paraf and the signature, in order
SIGNED_SHA256_FIELD = "SHA256-IKU-Ditandatangani"
CA_FINGERPRINT_FIELD = "SHA256-Sertifikat-CA"
RUN_FIELD = "ID-Run"  # every run of the process, first to last (the last names the bag)
_RPC_TIMEOUT = 10.0
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
        run_ids = await self._run_ids(request.workflow_id, run_id)

        created_at = datetime.now(UTC)
        meta = archive_metadata(
            self.settings,
            request.process,
            request.status.official_number.number if request.status.official_number else None,
            created_at,
        )
        # The bag's records say what the process is once the bag exists: archived, at the
        # archive's moment (the request is the status just before, still running).
        archived = ArchiveRequest(
            status=request.status.model_copy(update={"state": ProcessState.ARCHIVED})
        )
        scratch = await asyncio.to_thread(_ready_dir, self.archives.scratch_dir)
        tmp = Path(
            await asyncio.to_thread(tempfile.mkdtemp, prefix=f"{TEMP_PREFIX}{name}-", dir=scratch)
        )
        try:
            expected = await self._copy_documents(tmp, request.documents)
            signers = await _heartbeating(
                asyncio.to_thread(
                    _write_records, tmp, archived, run_ids, name, created_at, self.settings
                ),
                "writing the records",
            )
            fingerprint = await _heartbeating(
                self._write_signatures(tmp, request, created_at), "validating the signatures"
            )
            await _heartbeating(
                # Typesetting is a second or more of CPU: in the pool's process.
                in_process(TYPESETTING, _write_printable, tmp, archived, self.settings, created_at),
                "printing the Lembar Pemeriksaan and the riwayat",
            )
            signed = _signed_iku(request)
            facts = Facts(
                title=request.process.title,
                year=request.process.year,
                code=request.process.code,
                official_number=meta.official_number,
                sop_number=request.process.sop_number,
                workflow_id=request.workflow_id,
                run_ids=run_ids,
                archived_at=created_at,
                timezone=self.settings.timezone,
                signed_path=payload_path(signed) if signed else None,
                signed_sha256=signed.ref.sha256 if signed else None,
                ca_fingerprint=fingerprint,
                signers=signers,
            )
            await asyncio.to_thread(
                (tmp / GUIDE_NAME).write_text, guide_text(facts), encoding="utf-8"
            )
            # Last of the payload: the snapshot names the bag's own size.
            await asyncio.to_thread(
                _write_status,
                tmp,
                archived,
                _archive_info(self.archives, name, created_at, meta),
            )
            await _make_bag(
                tmp, _bag_info(request, created_at, self._tz(), facts) | bag_fields(meta)
            )
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

    async def _run_ids(self, workflow_id: str, run_id: str) -> list[str]:
        """Every run of this process, first to last: a process continues as new when its
        history grows long, and each run's first event names the run it continues."""
        try:
            client = activity.client()
        except RuntimeError:
            return [run_id]  # run outside a worker (a test's activity environment)
        chain = [run_id]
        while True:
            try:
                history = await client.workflow_service.get_workflow_execution_history(
                    GetWorkflowExecutionHistoryRequest(
                        namespace=client.namespace,
                        execution=WorkflowExecution(workflow_id=workflow_id, run_id=chain[0]),
                        maximum_page_size=1,
                    ),
                    timeout=timedelta(seconds=_RPC_TIMEOUT),
                )
            except RPCError as err:
                if err.status is RPCStatusCode.NOT_FOUND and len(chain) > 1:
                    # An earlier run past the namespace's retention: the runs still kept.
                    return chain
                # Retried: the bag must name every run, and is written once.
                raise RuntimeError(
                    f"the runs of {workflow_id} could not be read: {err.status.name}"
                ) from err
            events = history.history.events
            started = events[0].workflow_execution_started_event_attributes if events else None
            previous = started.continued_execution_run_id if started else ""
            if not previous or previous in chain:
                return chain
            chain.insert(0, previous)
            activity.heartbeat(f"found {len(chain)} runs")

    async def _write_signatures(
        self, folder: Path, request: ArchiveRequest, created_at: datetime
    ) -> str | None:
        """tte/: the CA certificate and CRL, and the validation report of every signature in
        the signed IKU, so the archive verifies offline years later (``iku verify`` with
        IKU_SIGNING_DIR pointing at a folder holding ca/ca.pem and ca/crl.pem). The CA
        certificate's SHA-256 fingerprint; None without a CA."""
        root = await asyncio.to_thread(SigningFolder(self.settings).fetch, *VALIDATION)
        ca = CertificateAuthority(root)
        if not (ca.cert_path.exists() and ca.crl_path.exists()):
            return None  # no CA: signing is not set up here
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
        return await asyncio.to_thread(_fingerprint, target / "ca.pem")

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


def _bag_info(
    request: ArchiveRequest, created_at: datetime, tz: tzinfo, facts: Facts
) -> dict[str, str | list[str]]:
    info: dict[str, str | list[str]] = {
        "Source-Organization": SOURCE_ORGANIZATION,
        "Contact-Name": CONTACT_NAME,
        "External-Identifier": request.workflow_id,
        "External-Description": f"{SOP_HEADER['nama_sop']} — {request.process.title}",
        "Internal-Sender-Identifier": request.workflow_id,
        "Bagging-Date": created_at.astimezone(tz).date().isoformat(),
        BAG_TIMESTAMP_FIELD: created_at.isoformat(),
        YEAR_FIELD: str(request.process.year),
        RUN_FIELD: facts.run_ids,
    }
    if request.process.sop_number:
        info[SOP_FIELD] = request.process.sop_number
    if facts.signers:
        info[SIGNER_FIELD] = facts.signers
    if facts.signed_sha256:
        info[SIGNED_SHA256_FIELD] = facts.signed_sha256
    if facts.ca_fingerprint:
        info[CA_FINGERPRINT_FIELD] = facts.ca_fingerprint

    # A tag file is one field per line: a title typed with line breaks must not break it.
    def line(value: str | list[str]) -> str | list[str]:
        return [_one_line(v) for v in value] if isinstance(value, list) else _one_line(value)

    return {key: line(value) for key, value in info.items()}


def _fingerprint(pem: Path) -> str:
    """The certificate's SHA-256 fingerprint (of its DER bytes), as openssl computes it."""
    return x509.load_pem_x509_certificate(pem.read_bytes()).fingerprint(hashes.SHA256()).hex()


def _signed_iku(request: ArchiveRequest) -> Document | None:
    signed = [d for d in request.documents if d.kind == "iku"]
    return signed[-1] if signed else None


def _archive_info(
    store: ArchiveStore, name: str, created_at: datetime, meta: ArchiveMetadata
) -> ArchiveInfo:
    """The archive as the workflow will record it once published (its size is counted when
    the snapshot is written, last)."""
    location = getattr(store, "location", None)
    path = location(name) if callable(location) else str(Path(store.scratch_dir) / name)
    return ArchiveInfo(
        path=path, bag_name=name, files=0, bytes=0, valid=True, created_at=created_at, metadata=meta
    )


def _write_status(folder: Path, archived: ArchiveRequest, info: ArchiveInfo) -> None:
    """status.json, the last payload file: the status as archived, naming the archive with
    its whole payload (this file included: counted until its own size stops changing)."""
    others = [p for p in folder.rglob("*") if p.is_file()]
    files, size = len(others) + 1, sum(p.stat().st_size for p in others)
    length = 0
    for _ in range(10):  # the length of a number's digits settles at once
        snapshot = archived.status.model_copy(
            update={"archive": info.model_copy(update={"files": files, "bytes": size + length})}
        )
        data = (
            json.dumps(snapshot.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        ).encode("utf-8")
        if len(data) == length:
            break
        length = len(data)
    (folder / "status.json").write_bytes(data)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_records(
    folder: Path,
    request: ArchiveRequest,
    run_ids: list[str],
    name: str,
    created_at: datetime,
    settings: Settings,
) -> list[str]:
    """riwayat.json, sop.json and ringkasan.html (all land under data/; status.json comes
    last). The signers as the record names them, for bag-info.txt."""
    _write_json(
        folder / "riwayat.json",
        [entry.model_dump(mode="json") for entry in request.status.history],
    )
    _write_json(folder / "sop.json", sop_record(request, run_ids, settings))
    directory = load_directory(settings.directory_file)
    tz = ZoneInfo(settings.timezone)
    identities = (settings.ops_identities, settings.bureau_identities)
    status = request.status
    signers = [
        signer_line(
            mark,
            resolve_who(
                directory,
                mark.person,
                mark.acting_for,
                mark.at,
                tz,
                STEP_BY_NUMBER[mark.step].role if mark.step in STEP_BY_NUMBER else None,
                mark.acting_kind,
                identities=identities,
            ),
        )
        for mark in [*sorted(status.parafs, key=lambda m: (m.step, m.at)), status.signature]
        if mark is not None
    ]
    html = render_ringkasan(
        request,
        run_ids[-1],
        name,
        created_at,
        directory,
        ZoneInfo(settings.timezone),
        sop_line=header_line(
            request.process.sop_number, settings.sop_approved_on, settings.sop_revised_on, "id"
        ),
        identities=identities,
    )
    (folder / "ringkasan.html").write_text(html, encoding="utf-8")
    return signers


def _validation_report(data: bytes, signing_dir: Path) -> dict[str, Any]:
    return asyncio.run(verify_pdf(data, signing_dir)).as_json()


def _write_printable(
    folder: Path, request: ArchiveRequest, settings: Settings, printed_at: datetime
) -> None:
    """cetak/: every review's Lembar Pemeriksaan and the whole riwayat as PDF, the record's
    printed form (the source keeps its records "as electronic and manual data"), printed
    at the archive's moment."""
    directory = load_directory(settings.directory_file)

    def names(person: str | None) -> str:
        return record_name(
            directory, person, ops=settings.ops_identities, bureau=settings.bureau_identities
        )

    status = request.status
    sop_line = header_line(
        status.process.sop_number, settings.sop_approved_on, settings.sop_revised_on, "id"
    )
    printed = {"printed_at": printed_at, "sop_line": sop_line, "tz": settings.timezone}
    target = folder / "cetak" / "lembar-pemeriksaan"
    target.mkdir(parents=True, exist_ok=True)
    for entry in reviews(status):
        (target / lembar_name(entry)).write_bytes(
            lembar_pemeriksaan(status, entry, names, **printed)
        )
    (folder / "cetak" / "riwayat.pdf").write_bytes(riwayat(status, names, **printed))


def lembar_name(entry: HistoryEntry) -> str:
    """In riwayat order: the entry's number, its step and its task."""
    return f"{entry.seq:04d}-langkah-{entry.step or 0:02d}-{entry.task_id}.pdf"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def sop_record(request: ArchiveRequest, run_ids: list[str], settings: Settings) -> dict[str, Any]:
    """The SOP as run: its header, this process, and the 16 steps. ``run_ids``: every run
    of the process, first to last (the last is the bag's)."""
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
        "run_id": run_ids[-1],
        "run_ids": run_ids,
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
