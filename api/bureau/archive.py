"""A process's documents, its archive page and the archive as a zip.

A refusal or failure of the process rises as a ``ProcessError``: ``api.core.answers``
words it as a bureau page.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from temporalio.client import Client

from api.bureau.render import LangDep, render_page
from api.core import gateway
from api.core.auth import SignedInDep
from api.core.deps import ClientDep, SettingsDep, StoreDep
from api.core.downloads import content_disposition, document_response
from api.core.i18n_bureau import short_when
from common.archive_store import check_archive, iter_zip_archive, open_archive_store
from common.models import StatusView
from common.settings import Settings
from signing.printable import reviews

router = APIRouter(tags=["bureau"], include_in_schema=False)


@router.get("/proses/{workflow_id}/dokumen/{sha256}")
async def document(
    workflow_id: str,
    sha256: str,
    signed: SignedInDep,
    lang: LangDep,
    store: StoreDep,
    client: ClientDep,
    unduh: bool = False,
) -> Response:
    status = await gateway.status(client, workflow_id)
    return await document_response(status, sha256, store, download=unduh)


async def _archived(client: Client, workflow_id: str, settings: Settings) -> tuple[StatusView, str]:
    status = await gateway.status(client, workflow_id)
    return status, await gateway.archive_name(settings, status)


@router.get("/proses/{workflow_id}/arsip", response_class=HTMLResponse)
async def archive_page(
    workflow_id: str,
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Response:
    status, name = await _archived(client, workflow_id, settings)
    # Every file re-hashed (fetched first when the store is S3): off the event loop.
    valid, problem, files = await asyncio.to_thread(
        check_archive, open_archive_store(settings), name
    )
    info = status.archive
    assert info is not None  # archive_name refuses a process without one
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
            "files": [{"path": path, "size": size} for path, size in files],
            "sheets": [
                {
                    "task_id": h.task_id,
                    "step": h.step,
                    "when": short_when(h.at, lang, settings.timezone),
                }
                for h in reviews(status)
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
    _, name = await _archived(client, workflow_id, settings)
    return StreamingResponse(
        iter_zip_archive(open_archive_store(settings), name),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{name}.zip")},
    )
