"""``/healthz``: can we reach Temporal and the document store, and which version runs."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.service import RPCError, RPCStatusCode

from common.documents import NoRoom, open_document_store
from common.version import VERSION

router = APIRouter()
# A connection the server dropped fails the next call once, then the channel connects again.
_ASK_AGAIN = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.CANCELLED}


@router.get("/healthz", tags=["ops"], summary="Health of the web layer and what it depends on")
async def healthz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    checks: dict[str, dict[str, object]] = {}
    try:
        await asyncio.wait_for(_temporal_answers(request), 5)
        checks["temporal"] = {"ok": True, "address": settings.temporal_address}
    except Exception as err:  # report, never raise: this is the probe
        status = f" {err.status.name}" if isinstance(err, RPCError) else ""
        checks["temporal"] = {
            "ok": False,
            "address": settings.temporal_address,
            "error": type(err).__name__ + status,
        }
    store = open_document_store(settings)
    try:
        await asyncio.wait_for(asyncio.to_thread(store.check), 10)
        # An upload of the largest size must fit: a full disk is seen here, before an
        # official meets it.
        await asyncio.to_thread(store.check_room, settings.max_upload_bytes)
        checks["documents"] = {"ok": True, "store": settings.document_store}
    except NoRoom:
        checks["documents"] = {"ok": False, "store": settings.document_store, "error": "no room"}
    except PermissionError:
        checks["documents"] = {
            "ok": False,
            "store": settings.document_store,
            "error": "not writable",
        }
    except Exception as err:  # report, never raise: this is the probe
        checks["documents"] = {
            "ok": False,
            "store": settings.document_store,
            "error": type(err).__name__,
        }
    healthy = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "version": VERSION, "checks": checks},
        status_code=200 if healthy else 503,
    )


async def _temporal_answers(request: Request) -> None:
    client = await request.app.state.temporal.client()
    try:
        await client.workflow_service.get_system_info(GetSystemInfoRequest())
    except RPCError as err:
        if err.status not in _ASK_AGAIN:
            raise
        await client.workflow_service.get_system_info(GetSystemInfoRequest())
