"""``GET /healthz`` of the live app, served by uvicorn and connecting to Temporal by itself
as in the run command: whether Temporal and the document store can be reached, and the
version that runs."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from common.settings import Settings
from tests.conftest import on_s3
from tests.s3server import S3Server
from tests.support import free_port
from tests.web import serve


async def healthz(settings: Settings) -> tuple[int, dict[str, Any]]:
    async with serve(settings, None) as base, httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{base}/healthz")
    return response.status_code, response.json()


async def test_healthy_when_temporal_and_the_document_store_answer(
    dev_env: WorkflowEnvironment, settings: Settings
):
    settings.temporal_address = dev_env.client.service_client.config.target_host
    status, body = await healthz(settings)
    assert status == 200, body
    assert body["checks"]["temporal"]["ok"] is True
    assert body["checks"]["documents"]["ok"] is True
    assert body["version"] == version("iku-sop")


async def test_503_when_temporal_cannot_be_reached(settings: Settings):
    settings.temporal_address = f"127.0.0.1:{free_port()}"  # nothing listens there
    status, body = await healthz(settings)
    assert status == 503, body
    assert body["checks"]["temporal"]["ok"] is False
    assert body["checks"]["documents"]["ok"] is True  # the store is fine: only Temporal is not
    assert body["version"] == version("iku-sop")


async def test_on_s3_healthy_while_the_bucket_answers_and_503_when_it_does_not(
    dev_env: WorkflowEnvironment, settings: Settings, s3_server: S3Server
):
    on = on_s3(settings, s3_server)
    on.temporal_address = dev_env.client.service_client.config.target_host
    status, body = await healthz(on)
    assert status == 200, body
    assert body["checks"]["documents"] == {"ok": True, "store": "s3"}

    down = on.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{free_port()}"})
    status, body = await healthz(down)
    assert status == 503, body
    assert body["checks"]["temporal"]["ok"] is True  # only the bucket is away
    assert body["checks"]["documents"] == {
        "ok": False,
        "store": "s3",
        "error": "StoreUnavailable",
    }
