"""``/v/<code>``: anyone may check a signed IKU without signing in. The page shows, for the
document on record, each signature's signer, position, time, whether it is intact and
trusted, which version it covers, and whether anything changed after the last signature;
a PDF uploaded there is checked the same way and compared with the record. Nothing else
about the process is shown but the signed IKU's official number (nomor naskah dinas), which
is printed on it. Rate-limited per client address.

The record is read from the process's archive bag once it has one (step 16), else from the
process record in Temporal; the page is the same either way (see ``_record``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bagit import BagError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from api.core import gateway
from api.core.deps import LangDep, SettingsDep, StoreDep, TemporalDep, VerifyRateDep
from api.core.gateway import ProcessError
from api.core.i18n import Lang, text
from api.core.pages import render
from api.core.problems import PageError
from api.core.sliding_window import KeyLimit
from api.core.temporal_client import TemporalConnection
from api.tasks.signing import workflow_of
from common.archives import ArchiveChanged, open_archive_store
from common.archives.bag import payload_path
from common.dates import format_when
from common.documents import DocumentStore
from common.models import Document
from common.settings import Settings
from signing.ca import CertificateAuthority
from signing.folder import VALIDATION, SigningFolder
from signing.verify import DocumentReport, NotAPdf, verify_pdf

log = logging.getLogger("api.verify")

router = APIRouter(tags=["verification"])


def _limit(request: Request, rate: KeyLimit, lang: Lang) -> None:
    address = request.client.host if request.client else "?"
    wait = rate.retry_after(address)
    if wait:
        raise PageError(
            429,
            text(lang, "verify_title"),
            [text(lang, "verify_slow_down")],
            headers={"Retry-After": str(wait)},
        )
    rate.count(address)


async def _ca(settings: Settings) -> Path:
    """The signing folder with the CA and its CRL as they are now."""
    return await asyncio.to_thread(SigningFolder(settings).fetch, *VALIDATION)


def _not_found(lang: Lang) -> PageError:
    # The same answer for a code that never existed and one without a signed document.
    return PageError(404, text(lang, "verify_title"), [text(lang, "verify_unknown")])


@dataclass(frozen=True)
class _Record:
    """The signed IKU on record and all the page names of its process: every document
    version (the drafts a signature covers are named by version) and the official number;
    with the folder of the CA and CRL to check signatures against."""

    documents: list[Document]
    official_number: str | None
    signed: Document
    pdf: bytes
    ca: Path


@dataclass(frozen=True)
class _Archived:
    documents: list[Document]
    official_number: str | None
    signed: Document | None
    pdf: bytes
    ca: tuple[bytes, bytes] | None  # ca.pem and crl.pem as the bag keeps them


@asynccontextmanager
async def _record(
    code: str,
    request: Request,
    rate: KeyLimit,
    temporal: TemporalConnection,
    settings: Settings,
    store: DocumentStore,
    lang: Lang,
) -> AsyncIterator[_Record]:
    """The signed IKU on record for the code (after the client's rate limit).

    From the archive whenever the process has one, not only once Temporal has forgotten
    it: the bag is the permanent record and holds the same snapshot of the process, the
    same signed IKU and the CA of its time, and reading it needs neither Temporal nor a
    worker (a query on a finished process makes a worker replay its whole history). It
    cannot be stale: an archived process ended well, and its id is never started again
    (ALLOW_DUPLICATE_FAILED_ONLY), so Temporal would show that same process. The bag is
    found by its name, ``<workflow id>--<run id>``, from that name on: a folder's entries
    when local, one listing request on S3 (never a listing of every archive), plus one read
    per file taken (the status snapshot, the signed IKU, the CA and its CRL).
    """
    _limit(request, rate, lang)
    workflow_id = await asyncio.to_thread(workflow_of, settings, code)
    if workflow_id is None:
        raise _not_found(lang)
    archived = await asyncio.to_thread(_from_archive, settings, workflow_id)
    if archived is None:
        yield await _from_temporal(workflow_id, temporal, store, settings, lang)
        return
    if archived.signed is None:
        raise _not_found(lang)
    record = _Record(
        archived.documents, archived.official_number, archived.signed, archived.pdf, Path()
    )
    if archived.ca is None:  # a bag made where signing was not set up: the CA of today
        yield replace(record, ca=await _ca(settings))
        return
    ca = await asyncio.to_thread(_ca_folder, settings.data_dir / VERIFY_CA, *archived.ca)
    yield replace(record, ca=ca)


async def _from_temporal(
    workflow_id: str,
    temporal: TemporalConnection,
    store: DocumentStore,
    settings: Settings,
    lang: Lang,
) -> _Record:
    client = await gateway.client_of(temporal)
    try:
        status = await gateway.status(client, workflow_id)
    except ProcessError:
        raise _not_found(lang) from None
    signed = [d for d in status.documents if d.kind == "iku"]
    if not signed:
        raise _not_found(lang)
    with store.open(signed[-1].ref) as handle:
        pdf = await asyncio.to_thread(handle.read)
    number = status.official_number.number if status.official_number else None
    return _Record(status.documents, number, signed[-1], pdf, await _ca(settings))


def _from_archive(settings: Settings, workflow_id: str) -> _Archived | None:
    """What the process's latest archive holds for the page; None when it has none, or
    one that cannot be read (then the process record in Temporal is asked)."""
    archives = open_archive_store(settings)
    name = "?"
    try:
        names = archives.names_of(workflow_id)
        if not names:
            return None
        name = names[-1]
        # status.json: the process record as it stood when archived (activities/archive.py).
        snapshot = json.loads(archives.read(name, "data/status.json"))
        if snapshot["workflow_id"] != workflow_id:
            raise ValueError(f"its status.json is about {snapshot['workflow_id']}")
        documents = [Document.model_validate(d) for d in snapshot["documents"]]
        number = (snapshot.get("official_number") or {}).get("number")
        signed = [d for d in documents if d.kind == "iku"]
        if not signed:
            return _Archived(documents, number, None, b"", None)
        pdf = archives.read(name, payload_path(signed[-1]))
        if hashlib.sha256(pdf).hexdigest() != signed[-1].ref.sha256:
            raise ArchiveChanged(f"its signed IKU is not sha256/{signed[-1].ref.sha256}")
        try:
            ca = (archives.read(name, "data/tte/ca.pem"), archives.read(name, "data/tte/crl.pem"))
        except FileNotFoundError:
            ca = None
    except (OSError, ArchiveChanged, ValueError, KeyError, TypeError, BagError) as err:
        # The error's kind only: a validation error quotes the documents' file names.
        log.warning("archive %s cannot be read for verification: %s", name, type(err).__name__)
        return None
    return _Archived(documents, number, signed[-1], pdf, ca)


# Under data_dir: a folder for each CA and CRL pair that archived bags hold (a few a year:
# the CRL is published again on every issue and revocation).
VERIFY_CA = "verify-ca"


def _ca_folder(root: Path, ca_pem: bytes, crl_pem: bytes) -> Path:
    """A signing folder holding only a bag's CA certificate and CRL, named by what they
    hold: written once, whole, then read by every check that needs the same pair."""
    folder = root / hashlib.sha256(ca_pem + b"\0" + crl_pem).hexdigest()[:32]
    if (folder / "ca" / "ca.pem").is_file():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=".new-", dir=root))
    try:
        ca = CertificateAuthority(new)
        ca.ca_dir.mkdir()
        ca.crl_path.write_bytes(crl_pem)
        ca.cert_path.write_bytes(ca_pem)
        new.rename(folder)
    except OSError:
        if not (folder / "ca" / "ca.pem").is_file():
            raise
        # Another request wrote the same pair first.
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return folder


def _recorded_at(document: Document) -> datetime:
    """When the process record took the signed IKU: the moment its signatures are validated
    as of, so a certificate that ended or was revoked since does not undo them."""
    return document.promoted.at if document.promoted else document.at


# Reports of records already validated, newest last: a QR code scanned again, or by many,
# costs no second validation. Keyed by what decides the report (the PDF, the moment, the
# CA's certificate and CRL as read now), so a new CRL validates afresh.
_REPORTS: OrderedDict[tuple[str, str, str], DocumentReport] = OrderedDict()
_REPORTS_KEPT = 256


def _ca_digest(ca_root: Path) -> str:
    ca = CertificateAuthority(ca_root)
    digest = hashlib.sha256()
    for path in (ca.cert_path, ca.crl_path):
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


async def _verified(record: _Record) -> DocumentReport:
    at = _recorded_at(record.signed)
    key = (
        hashlib.sha256(record.pdf).hexdigest(),
        at.isoformat(),
        await asyncio.to_thread(_ca_digest, record.ca),
    )
    report = _REPORTS.get(key)
    if report is None:
        report = await verify_pdf(record.pdf, record.ca, at)
        _REPORTS[key] = report
        while len(_REPORTS) > _REPORTS_KEPT:
            _REPORTS.popitem(last=False)
    else:
        _REPORTS.move_to_end(key)
    return report  # shared: the pages read it, never change it


def _page(
    code: str,
    record: _Record,
    report: DocumentReport,
    checked: dict[str, Any] | None,
    lang: Lang,
    tz: str,
) -> HTMLResponse:
    return render(
        "verify.html",
        lang,
        {
            "code": code,
            # The nomor naskah dinas, once the Minister signed (a process signed before
            # numbering existed has none).
            "official_number": record.official_number,
            "record": _view(report, record, lang, tz),
            "checked": checked,
        },
    )


def _view(report: DocumentReport, record: _Record, lang: Lang, tz: str) -> dict[str, Any]:
    versions = {d.ref.sha256: d.version for d in record.documents if d.kind == "draf_iku"}
    return {
        "sha256": report.sha256,
        "valid": report.valid,
        "changed_after_last": report.changed_after_last,
        "unsigned": not report.signatures,
        "signed_by_minister": report.signed_by_minister,
        "validated_at": format_when(report.validated_at, lang, tz) if report.validated_at else "?",
        "signatures": [
            {
                "kind": text(lang, "verify_paraf" if s.kind == "paraf" else "verify_signature"),
                "signer": s.signer,
                "position": s.position,
                "when": format_when(s.signed_at, lang, tz) if s.signed_at else "?",
                "timestamped": s.timestamped,
                "intact": s.intact,
                "trusted": s.trusted,
                "valid": s.valid,
                "version": versions.get(s.approved_sha256),
                "approved_sha256": s.approved_sha256,
                "problem": text(lang, f"verify_problem_{s.problem_code}") if s.problem_code else "",
            }
            for s in report.signatures
        ],
    }


@router.get("/v/{code}", response_class=HTMLResponse, summary="Verify a signed IKU")
async def show(
    code: str,
    request: Request,
    temporal: TemporalDep,
    lang: LangDep,
    settings: SettingsDep,
    store: StoreDep,
    rate: VerifyRateDep,
) -> HTMLResponse:
    async with _record(code, request, rate, temporal, settings, store, lang) as record:
        return _page(code, record, await _verified(record), None, lang, settings.timezone)


@router.post("/v/{code}", response_class=HTMLResponse, summary="Check a copy against the record")
async def check(
    code: str,
    request: Request,
    temporal: TemporalDep,
    lang: LangDep,
    settings: SettingsDep,
    store: StoreDep,
    rate: VerifyRateDep,
) -> HTMLResponse:
    async with _record(code, request, rate, temporal, settings, store, lang) as record:
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > settings.max_upload_bytes + 64 * 1024:
            raise PageError(413, text(lang, "verify_title"), [text(lang, "verify_too_large")])
        form = await request.form()
        upload = form.get("pdf")
        data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
        if not data:
            raise PageError(422, text(lang, "verify_title"), [text(lang, "verify_no_file")])
        try:
            uploaded = await verify_pdf(data, record.ca, _recorded_at(record.signed))
        except NotAPdf:
            raise PageError(
                422, text(lang, "verify_title"), [text(lang, "verify_not_pdf")]
            ) from None
        report = await _verified(record)
        checked = _view(uploaded, record, lang, settings.timezone)
        checked["same_as_record"] = uploaded.sha256 == report.sha256
        # The Minister's signature is by the signer on record: a field named "TTE-…" holds
        # whatever its signer put there (whether it is intact, the table says).
        ministers = {s.person for s in report.signatures if s.kind == "signature"}
        checked["signed_by_minister"] = any(
            s.kind == "signature" and s.person in ministers for s in uploaded.signatures
        )
        # A copy of a draft on record (a paraf's version, say) is named as that draft.
        checked["draft_version"] = next(
            (
                d.version
                for d in record.documents
                if d.kind == "draf_iku" and d.ref.sha256 == uploaded.sha256
            ),
            None,
        )
        return _page(code, record, report, checked, lang, settings.timezone)


@router.get("/v/{code}/json", summary="The verification report as JSON")
async def as_json(
    code: str,
    request: Request,
    temporal: TemporalDep,
    lang: LangDep,
    settings: SettingsDep,
    store: StoreDep,
    rate: VerifyRateDep,
) -> JSONResponse:
    try:
        async with _record(code, request, rate, temporal, settings, store, lang) as record:
            report = await _verified(record)
    except PageError as err:
        return JSONResponse(
            {"status": err.status, "message": err.lines[0]}, err.status, headers=err.headers
        )
    return JSONResponse({"official_number": record.official_number, **report.as_json()})
