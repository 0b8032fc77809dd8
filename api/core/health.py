"""``/healthz``: can we reach Temporal and the document store, and which version runs."""

from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from common.version import VERSION

router = APIRouter()


@router.get("/healthz", tags=["ops"], summary="Health of the web layer and what it depends on")
async def healthz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    checks: dict[str, dict[str, object]] = {}
    try:
        client = await request.app.state.temporal.client()
        await asyncio.wait_for(client.workflow_service.get_system_info(GetSystemInfoRequest()), 5)
        checks["temporal"] = {"ok": True, "address": settings.temporal_address}
    except Exception as err:  # report, never raise: this is the probe
        checks["temporal"] = {
            "ok": False,
            "address": settings.temporal_address,
            "error": type(err).__name__,
        }
    store = settings.documents_dir
    try:
        store.mkdir(parents=True, exist_ok=True)
        writable = os.access(store, os.W_OK)
        checks["documents"] = {"ok": writable, **({} if writable else {"error": "not writable"})}
    except OSError as err:
        checks["documents"] = {"ok": False, "error": type(err).__name__}
    healthy = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "version": VERSION, "checks": checks},
        status_code=200 if healthy else 503,
    )
