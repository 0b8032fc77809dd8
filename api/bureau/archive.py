"""A process's documents, its archive page and the archive as a zip, by id and run.

An address by id alone is sent on (307) to the process's run. A refusal or failure of the
process rises as a ``ProcessError``: ``api.core.answers`` words it as a bureau page.
"""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from temporalio.client import Client

from api.bureau.render import LangDep, render_page
from api.bureau.urls import process_url, with_query
from api.core import gateway
from api.core.auth import SignedInDep
from api.core.deps import ClientDep, SettingsDep, StoreDep
from api.core.downloads import content_disposition, document_response
from api.core.i18n import action_done
from api.core.i18n_bureau import short_when
from common.archives import check_archive, iter_zip_archive, open_archive_store
from common.models import StatusView
from common.settings import Settings
from signing.printable import reviews

router = APIRouter(tags=["bureau"], include_in_schema=False)


async def to_run(client: Client, request: Request, workflow_id: str, tail: str) -> Response:
    run = await gateway.current_run(client, workflow_id)
    return RedirectResponse(with_query(process_url(workflow_id, run, tail), request.url), 307)


async def run_status(client: Client, workflow_id: str, run_id: uuid.UUID) -> StatusView:
    read = await gateway.run_to_read(client, workflow_id, str(run_id))
    return await gateway.status(client, workflow_id, read)


@router.get("/proses/{workflow_id}/{run_id:uuid}/dokumen/{sha256}")
async def document(
    workflow_id: str,
    run_id: uuid.UUID,
    sha256: str,
    signed: SignedInDep,
    lang: LangDep,
    store: StoreDep,
    client: ClientDep,
    unduh: bool = False,
) -> Response:
    status = await run_status(client, workflow_id, run_id)
    return await document_response(status, sha256, store, download=unduh)


@router.get("/proses/{workflow_id}/dokumen/{sha256}")
async def document_by_id(
    workflow_id: str, sha256: str, request: Request, signed: SignedInDep, client: ClientDep
) -> Response:
    return await to_run(client, request, workflow_id, f"/dokumen/{sha256}")


async def _archived(
    client: Client, workflow_id: str, run_id: uuid.UUID, settings: Settings
) -> tuple[StatusView, str]:
    status = await run_status(client, workflow_id, run_id)
    return status, await gateway.archive_name(settings, status)


@router.get("/proses/{workflow_id}/{run_id:uuid}/arsip", response_class=HTMLResponse)
async def archive_page(
    workflow_id: str,
    run_id: uuid.UUID,
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Response:
    status, name = await _archived(client, workflow_id, run_id, settings)
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
            "run": str(run_id),
            "page_url": process_url(workflow_id, str(run_id)),
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
                    # Two reviews of one step (a return, then an approval) told apart.
                    "round": h.round,
                    "action": action_done(lang, h.action, h.step),
                    "when": short_when(h.at, lang, settings.timezone),
                }
                for h in reviews(status)
            ],
        },
        signed=signed,
        nav="list",
    )


@router.get("/proses/{workflow_id}/{run_id:uuid}/arsip.zip")
async def archive_zip(
    workflow_id: str,
    run_id: uuid.UUID,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Response:
    _, name = await _archived(client, workflow_id, run_id, settings)
    return StreamingResponse(
        iter_zip_archive(open_archive_store(settings), name),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{name}.zip")},
    )


@router.get("/proses/{workflow_id}/arsip", response_class=HTMLResponse)
async def archive_page_by_id(
    workflow_id: str, request: Request, signed: SignedInDep, client: ClientDep
) -> Response:
    return await to_run(client, request, workflow_id, "/arsip")


@router.get("/proses/{workflow_id}/arsip.zip")
async def archive_zip_by_id(
    workflow_id: str, request: Request, signed: SignedInDep, client: ClientDep
) -> Response:
    return await to_run(client, request, workflow_id, "/arsip.zip")
