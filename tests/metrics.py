"""Scrape a Prometheus endpoint and read its numbers, for the observability tests.

samples = await scrape(url)
value(samples, "iku_decisions_total", step="2", outcome="returned")
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from common.settings import Settings
from common.temporal import connect, worker_runtime
from tests.support import free_port
from worker import build_worker

Sample = tuple[str, dict[str, str], float]


def parse(text: str) -> list[Sample]:
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


async def scrape(url: str, headers: dict[str, str] | None = None) -> list[Sample]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return parse(response.text)


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels`` (0 if none)."""
    return sum(
        v
        for n, have, v in samples
        if n == name and all(have.get(k) == want for k, want in labels.items())
    )


def names(samples: list[Sample]) -> set[str]:
    return {n for n, _, _ in samples}


@contextlib.asynccontextmanager
async def metered_worker(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[str]:
    """A real worker on the test's task queue whose SDK runtime serves Prometheus on a free
    port, as ``worker.py`` does with IKU_WORKER_METRICS_BIND; yields the scrape URL."""
    from tests.conftest import end_left_running

    bind = f"127.0.0.1:{free_port()}"
    target = env.client.service_client.config.target_host
    client = await connect(
        settings.model_copy(update={"temporal_address": target}),
        runtime=worker_runtime(settings, bind),
    )
    async with build_worker(client, settings):
        yield f"http://{bind}/metrics"
        await end_left_running(env.client, settings.task_queue)
