"""The printable record of a process, for the bureau (behind the sign-in, as the process
page): each review's Lembar Pemeriksaan and the whole riwayat as PDF, typeset on request
from what the workflow recorded (``signing.printable``). They open in the browser, like a
PDF document of the process, with the same security headers."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.bureau.archive import run_status, to_run
from api.bureau.render import LangDep
from api.core.auth import SignedInDep
from api.core.deps import ClientDep, PeopleDep, SettingsDep
from api.core.downloads import content_disposition
from api.core.gateway import ProcessError
from common.formats import is_task_id
from signing.printable import lembar_pemeriksaan, reviews, riwayat

router = APIRouter(tags=["bureau"], include_in_schema=False)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(name, inline=True)},
    )


@router.get("/proses/{workflow_id}/{run_id:uuid}/lembar-pemeriksaan/{task_id}.pdf")
async def review_sheet(
    workflow_id: str,
    run_id: uuid.UUID,
    task_id: str,
    signed: SignedInDep,
    lang: LangDep,
    client: ClientDep,
    people: PeopleDep,
    settings: SettingsDep,
) -> Response:
    status = await run_status(client, workflow_id, run_id)
    entry = next((h for h in reviews(status) if is_task_id(task_id) and h.task_id == task_id), None)
    if entry is None:
        raise ProcessError(404, "review_unknown")
    # Typesetting takes a moment of CPU: off the event loop.
    data = await asyncio.to_thread(
        lembar_pemeriksaan, status, entry, people.who_name, tz=settings.timezone
    )
    return _pdf(data, f"Lembar Pemeriksaan {workflow_id} langkah {entry.step} {task_id}.pdf")


@router.get("/proses/{workflow_id}/{run_id:uuid}/riwayat.pdf")
async def history_sheet(
    workflow_id: str,
    run_id: uuid.UUID,
    signed: SignedInDep,
    lang: LangDep,
    client: ClientDep,
    people: PeopleDep,
    settings: SettingsDep,
) -> Response:
    status = await run_status(client, workflow_id, run_id)
    data = await asyncio.to_thread(riwayat, status, people.who_name, tz=settings.timezone)
    return _pdf(data, f"Riwayat {workflow_id}.pdf")


@router.get("/proses/{workflow_id}/lembar-pemeriksaan/{task_id}.pdf")
async def review_sheet_by_id(
    workflow_id: str, task_id: str, request: Request, signed: SignedInDep, client: ClientDep
) -> Response:
    return await to_run(client, request, workflow_id, f"/lembar-pemeriksaan/{task_id}.pdf")


@router.get("/proses/{workflow_id}/riwayat.pdf")
async def history_sheet_by_id(
    workflow_id: str, request: Request, signed: SignedInDep, client: ClientDep
) -> Response:
    return await to_run(client, request, workflow_id, "/riwayat.pdf")
