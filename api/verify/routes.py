"""``/v/<code>``: anyone may check a signed IKU without signing in. The page shows, for the
document on record, each signature's signer, position, time, whether it is intact and
trusted, which version it covers, and whether anything changed after the last signature;
a PDF uploaded there is checked the same way and compared with the record. Nothing else
about the process is shown but the signed IKU's official number (nomor naskah dinas), which
is printed on it. Rate-limited per client address.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from api.core import gateway
from api.core.deps import ClientDep, LangDep, SettingsDep, StoreDep, VerifyRateDep
from api.core.gateway import ProcessError
from api.core.i18n import Lang, text
from api.core.pages import render
from api.core.problems import PageError
from api.core.sliding_window import KeyLimit
from api.tasks.signing import workflow_of
from common.dates import format_when
from common.documents import DocumentStore
from common.models import Document, StatusView
from common.settings import Settings
from signing.folder import VALIDATION, SigningFolder
from signing.verify import DocumentReport, NotAPdf, verify_pdf

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


async def _record(
    code: str, request: Request, rate: KeyLimit, client: Any, settings: Settings, lang: Lang
) -> tuple[StatusView, Document]:
    """The signed IKU on record for the code (after the client's rate limit)."""
    _limit(request, rate, lang)
    workflow_id = await asyncio.to_thread(workflow_of, settings, code)
    if workflow_id is None:
        raise _not_found(lang)
    try:
        status = await gateway.status(client, workflow_id)
    except ProcessError:
        raise _not_found(lang) from None
    signed = [d for d in status.documents if d.kind == "iku"]
    if not signed:
        raise _not_found(lang)
    return status, signed[-1]


def _recorded_at(document: Document) -> datetime:
    """When the process record took the signed IKU: the moment its signatures are validated
    as of, so a certificate that ended or was revoked since does not undo them."""
    return document.promoted.at if document.promoted else document.at


async def _verified(store: DocumentStore, document: Document, settings: Settings) -> DocumentReport:
    with store.open(document.ref) as handle:
        data = handle.read()
    return await verify_pdf(data, await _ca(settings), _recorded_at(document))


def _number(status: StatusView) -> str | None:
    """The nomor naskah dinas, once the Minister signed (a process signed before numbering
    existed has none)."""
    return status.official_number.number if status.official_number else None


def _page(
    code: str,
    status: StatusView,
    record: DocumentReport,
    checked: dict[str, Any] | None,
    lang: Lang,
) -> HTMLResponse:
    return render(
        "verify.html",
        lang,
        {
            "code": code,
            "official_number": _number(status),
            "record": _view(record, status, lang),
            "checked": checked,
        },
    )


def _view(report: DocumentReport, status: StatusView, lang: Lang) -> dict[str, Any]:
    versions = {d.ref.sha256: d.version for d in status.documents if d.kind == "draf_iku"}
    return {
        "sha256": report.sha256,
        "valid": report.valid,
        "changed_after_last": report.changed_after_last,
        "unsigned": not report.signatures,
        "signed_by_minister": report.signed_by_minister,
        "validated_at": format_when(report.validated_at, lang) if report.validated_at else "?",
        "signatures": [
            {
                "kind": text(lang, "verify_paraf" if s.kind == "paraf" else "verify_signature"),
                "signer": s.signer,
                "position": s.position,
                "when": format_when(s.signed_at, lang) if s.signed_at else "?",
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
    client: ClientDep,
    lang: LangDep,
    settings: SettingsDep,
    store: StoreDep,
    rate: VerifyRateDep,
) -> HTMLResponse:
    status, document = await _record(code, request, rate, client, settings, lang)
    return _page(code, status, await _verified(store, document, settings), None, lang)


@router.post("/v/{code}", response_class=HTMLResponse, summary="Check a copy against the record")
async def check(
    code: str,
    request: Request,
    client: ClientDep,
    lang: LangDep,
    settings: SettingsDep,
    store: StoreDep,
    rate: VerifyRateDep,
) -> HTMLResponse:
    status, document = await _record(code, request, rate, client, settings, lang)
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > settings.max_upload_bytes + 64 * 1024:
        raise PageError(413, text(lang, "verify_title"), [text(lang, "verify_too_large")])
    form = await request.form()
    upload = form.get("pdf")
    data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    if not data:
        raise PageError(422, text(lang, "verify_title"), [text(lang, "verify_no_file")])
    try:
        uploaded = await verify_pdf(data, await _ca(settings), _recorded_at(document))
    except NotAPdf:
        raise PageError(422, text(lang, "verify_title"), [text(lang, "verify_not_pdf")]) from None
    record = await _verified(store, document, settings)
    checked = _view(uploaded, status, lang)
    checked["same_as_record"] = uploaded.sha256 == record.sha256
    # A copy of a draft on record (a paraf's version, say) is named as that draft.
    checked["draft_version"] = next(
        (
            d.version
            for d in status.documents
            if d.kind == "draf_iku" and d.ref.sha256 == uploaded.sha256
        ),
        None,
    )
    return _page(code, status, record, checked, lang)


@router.get("/v/{code}/json", summary="The verification report as JSON")
async def as_json(
    code: str,
    request: Request,
    client: ClientDep,
    lang: LangDep,
    settings: SettingsDep,
    store: StoreDep,
    rate: VerifyRateDep,
) -> JSONResponse:
    try:
        status, document = await _record(code, request, rate, client, settings, lang)
    except PageError as err:
        return JSONResponse(
            {"status": err.status, "message": err.lines[0]}, err.status, headers=err.headers
        )
    report = await _verified(store, document, settings)
    return JSONResponse({"official_number": _number(status), **report.as_json()})
