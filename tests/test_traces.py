"""Traces: one click is one trace, from the task page through the Update into the workflow
and its activities, with spans written while the process runs; no link token in them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from common import tracing
from common.settings import Settings
from common.temporal import connect
from tests import samples
from tests.conftest import MailBox, end_left_running
from tests.scenario import KASUBAG, Scenario
from tests.support import eventually
from tests.web import Web, serve, token_of
from worker import build_worker

pytestmark = pytest.mark.devserver


@pytest.fixture
def exporter(settings: Settings) -> Iterator[InMemorySpanExporter]:
    """Tracing on, as IKU_OTLP_ENDPOINT turns it on, into memory."""
    spans = InMemorySpanExporter()
    tracing.install(tracing.provider(settings, "test", spans))
    yield spans
    tracing.install(None)


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


async def test_the_kasubag_submits_from_the_page_and_the_click_is_one_trace_into_the_workflow(
    dev_env, settings: Settings, mail: MailBox, exporter: InMemorySpanExporter
):
    target = dev_env.client.service_client.config.target_host
    client = await connect(settings.model_copy(update={"temporal_address": target}))
    async with (
        build_worker(client, settings),
        serve(settings, client),
        httpx.AsyncClient(timeout=60) as http,
    ):
        web = Web(http, settings, mail)
        # Started from the CLI (no trace): the click's trace stands on its own.
        p = await Scenario(dev_env.client, settings).start()
        link = await web.link(p.id, KASUBAG)
        page = await web.open(link)
        exporter.clear()
        files = {
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), "application/pdf")],
            "tor": [("TOR.pdf", samples.pdf("TOR"), "application/pdf")],
        }
        # What the person typed into an address, and their browser, stay out of the spans.
        await http.get(f"{link}?lang=id&cari=Rina+Wulandari", headers={"User-Agent": "Ponsel/9"})
        result = await web.submit(link, page, "submit", files=files)
        assert result.status == 200, result.text
        await mail.wait_for(p.id, "task", (await p.task()).id)

        def traced() -> list[ReadableSpan]:
            spans = list(exporter.get_finished_spans())
            assert named(spans, "RunActivity:send_notification"), [s.name for s in spans]
            return spans

        spans = await eventually(traced, within=10)
        # The process runs on (the Kabag's task is open): its spans are written already.
        assert (await p.task()).step == 2
        await end_left_running(dev_env.client, settings.task_queue, listed=True)

    (post,) = [s for s in spans if s.name.startswith("POST /t/")]
    assert post.name == "POST /t/{token}"
    trace_id = post.context.trace_id
    (update,) = named(spans, "StartWorkflowUpdate:decide")
    (handler,) = named(spans, "HandleUpdate:decide")
    (validator,) = named(spans, "ValidateUpdate:decide")
    # The check that the uploaded files are in the store runs inside the handler.
    (check,) = named(spans, "RunActivity:missing_documents")
    # The next step is entered (who holds it, its deadline) and its mail goes out.
    opened = [s for s in named(spans, "RunActivity:open_step") if s.context.trace_id == trace_id]
    mailed = [
        s for s in named(spans, "RunActivity:send_notification") if s.context.trace_id == trace_id
    ]
    assert opened and mailed, [(s.name, s.context.trace_id == trace_id) for s in spans]
    chain = [update, handler, validator, check]
    assert {s.context.trace_id for s in chain} == {trace_id}
    assert update.parent is not None and update.parent.span_id in {
        s.context.span_id for s in spans if s.context.trace_id == trace_id
    }
    assert handler.parent is not None and handler.parent.span_id == update.context.span_id
    assert all(s.attributes["temporalWorkflowID"] == p.id for s in (handler, check))
    # The link's token is in no span: not in a name, not in an attribute.
    token = token_of(link)
    for span in spans:
        assert token not in span.name
        attributes = span.attributes or {}
        for value in map(str, attributes.values()):
            assert token not in value, span.name
            assert "Wulandari" not in value and "Ponsel" not in value, (span.name, value)
        assert attributes.get("net.peer.ip", "[redacted]") == "[redacted]", span.name
