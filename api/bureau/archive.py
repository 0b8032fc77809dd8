"""A process's documents, its archive page and the archive as a zip.

A refusal or failure of the process rises as a ``ProcessError``: ``api.core.answers``
words it as a bureau page.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from temporalio.client import Client

from api.bureau.render import LangDep, render_page
from api.core import gateway
from api.core.auth import SignedInDep
from api.core.deps import ClientDep, SettingsDep, StoreDep
from api.core.downloads import content_disposition, document_response
from api.core.i18n_bureau import short_when
from common.archive_bag import bag_files, iter_zip_bag, validate_bag
from common.models import StatusView
from common.settings import Settings

router = APIRouter(tags=["bureau"], include_in_schema=False)


@router.get("/proses/{workflow_id}/dokumen/{sha256}")
async def document(
    workflow_id: str,
    sha256: str,
    signed: SignedInDep,
    lang: LangDep,
    store: StoreDep,
    client: ClientDep,
) -> Response:
    status = await gateway.status(client, workflow_id)
    return document_response(status, sha256, store)


async def _archived(
    client: Client, workflow_id: str, settings: Settings
) -> tuple[StatusView, Path]:
    status = await gateway.status(client, workflow_id)
    return status, gateway.archive_path(settings, status)


@router.get("/proses/{workflow_id}/arsip", response_class=HTMLResponse)
async def archive_page(
    workflow_id: str,
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Response:
    status, path = await _archived(client, workflow_id, settings)
    # Every file re-hashed: slow for a large bag, so off the event loop.
    valid, problem = await asyncio.to_thread(validate_bag, path)
    files = await asyncio.to_thread(bag_files, path)
    info = status.archive
    assert info is not None  # archive_path refuses a process without one
    return render_page(
        request,
        "bureau/archive.html",
        lang,
        {
            "wid": workflow_id,
            "process": status.process,
            "info": info,
            "created": short_when(info.created_at, lang, settings.timezone),
            "valid": valid,
            "problem": problem or "",
            "files": [
                {"path": f.relative_to(path).as_posix(), "size": f.stat().st_size} for f in files
            ],
        },
        signed=signed,
        nav="list",
    )


@router.get("/proses/{workflow_id}/arsip.zip")
async def archive_zip(
    workflow_id: str,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Response:
    _, path = await _archived(client, workflow_id, settings)
    return StreamingResponse(
        iter_zip_bag(path),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{path.name}.zip")},
    )
