"""The JSON API does what the bureau pages do, for scripts and other systems: start, list,
read, decide, assign, resend, cancel and the archive, with bearer tokens, one error shape
and truthful statuses (404, 409, 422, 403, 503), never a 500."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from common.archives.bag import validate_bag
from common.models import CancelRequest, HistoryEvent, ProcessState
from tests import samples
from tests.bureau import (
    Bureau,
    api,
    eventually,
    started_on_queue,
    status_of,
    token,
    unique_code,
)
from tests.scenario import KABAG, KASUBAG, Scenario
from tests.web import Web
from workflows.iku import IkuWorkflow

pytestmark = pytest.mark.devserver

PROPOSAL = [{"item": i, "ok": True} for i in ("kelengkapan", "selaras_renstra", "tor_memadai")]


def problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["message"]["en"] and body["message"]["id"], body
    return body


async def test_a_script_starts_a_process_and_the_kasubag_and_kabag_decide_through_the_api(
    dev_env, web: Web
):
    code = unique_code("api")
    async with api(web, "bureau") as biro, api(web, "ops") as ops:
        started = await biro.post(
            "/api/processes", json={"year": 2028, "code": code, "title": "IKU Kemnaker 2028"}
        )
        assert started.status_code == 201, started.text
        wid, run = started.json()["workflow_id"], started.json()["run_id"]
        assert run == (await dev_env.client.get_workflow_handle(wid).describe()).run_id
        assert wid == f"iku-2028-{code}" and started.json()["page_url"] == f"/proses/{wid}/{run}"
        assert started.json()["status_url"] == f"/api/processes/{wid}?run_id={run}"
        again = await biro.post(
            "/api/processes", json={"year": 2028, "code": code, "title": "lagi"}
        )
        assert problem(again, 409, "already_started")["detail"] == "running"

        async def step_1_entered() -> None:
            # The API answers as soon as Temporal has the process; entering step 1 (who
            # holds it, its clock, the mail) follows within moments.
            status = status_of(await biro.get(f"/api/processes/{wid}"))
            assert status.process.started_by == "biro" and status.task is not None

        await eventually(step_1_entered)
        task = status_of(await biro.get(f"/api/processes/{wid}")).task
        assert task is not None
        task_id = task.id

        # Documents go to the store first (ops), then into the decision by reference.
        refs = {}
        for kind, name, data in (
            ("konsep_rencana_kerja", "Konsep.docx", samples.docx("K")),
            ("tor", "TOR.pdf", samples.pdf("TOR")),
        ):
            stored = await ops.post(
                "/api/documents",
                params={"name": name},
                content=data,
                headers={"Content-Type": "application/octet-stream"},
            )
            assert stored.status_code == 201, stored.text
            refs[kind] = stored.json()
        assert refs["tor"]["media_type"] == "application/pdf"
        refused = await ops.post(
            "/api/documents", params={"name": "x.exe"}, content=b"MZ\x90\x00" + b"\x00" * 100
        )
        problem(refused, 415, "unsupported_document")

        decision = {
            "task_id": task_id,
            "person": KASUBAG,
            "action": "submit",
            "documents": [{"kind": k, "ref": r} for k, r in refs.items()],
        }
        problem(
            await biro.post(f"/api/processes/{wid}/decide", json=decision), 403, "not_authorised"
        )
        result = await ops.post(
            f"/api/processes/{wid}/decide",
            json=decision,
            headers={"Idempotency-Key": "langkah-1-kirim"},
        )
        assert result.status_code == 200, result.text
        assert result.json()["outcome"] == "submitted" and result.json()["next_step"] == 2
        # The same request again (a retry after a lost answer): the first answer, once.
        again = await ops.post(
            f"/api/processes/{wid}/decide",
            json=decision,
            headers={"Idempotency-Key": "langkah-1-kirim"},
        )
        assert again.status_code == 200 and again.json()["from_step"] == 1
        # The same key with another body is another request, not the first one's answer.
        other = await ops.post(
            f"/api/processes/{wid}/decide",
            json={**decision, "note": "Catatan lain"},
            headers={"Idempotency-Key": "langkah-1-kirim"},
        )
        problem(other, 409, "already_decided")
        stale = await ops.post(f"/api/processes/{wid}/decide", json=decision)
        problem(stale, 409, "already_decided")

        next_task = result.json()["next_task"]["id"]
        unchecked = {"task_id": next_task, "person": KABAG, "action": "approve", "note": "Setuju."}
        problem(
            await ops.post(f"/api/processes/{wid}/decide", json=unchecked),
            422,
            "checklist_incomplete",
        )
        approved = await ops.post(
            f"/api/processes/{wid}/decide", json={**unchecked, "checklist": PROPOSAL}
        )
        assert approved.status_code == 200 and approved.json()["next_step"] == 3

        status = status_of(await biro.get(f"/api/processes/{wid}"))
        decided = [h for h in status.history if h.event is HistoryEvent.DECIDED]
        assert [(h.step, h.person) for h in decided] == [(1, KASUBAG), (2, KABAG)]
        # Entered by ops for the officials: the record names who typed them in.
        assert [h.via for h in decided] == ["ops", "ops"]

        # Resend (the bureau may), assign and cancel (ops): each recorded with who did it.
        current = status.task
        assert current is not None
        resent = await biro.post(f"/api/processes/{wid}/resend", json={"task_id": current.id})
        assert resent.status_code == 200, resent.text
        assigned = await ops.post(
            f"/api/processes/{wid}/assign",
            json={"task_id": current.id, "person": "p-011", "reason": "Karo cuti"},
        )
        assert assigned.status_code == 200
        assert status_of(assigned).task.assignees == ["p-011"]  # type: ignore[union-attr]
        problem(
            await ops.post(
                f"/api/processes/{wid}/assign", json={"task_id": current.id, "person": "p-999"}
            ),
            422,
            "unknown_person",
        )
        problem(
            await ops.post(
                f"/api/processes/{wid}/assign", json={"task_id": "s01-001", "person": "p-011"}
            ),
            409,
            "already_decided",
        )
        cancelled = await ops.post(
            f"/api/processes/{wid}/cancel", json={"reason": "Diganti revisi 1"}
        )
        assert status_of(cancelled).state is ProcessState.CANCELLED
        problem(
            await ops.post(f"/api/processes/{wid}/cancel", json={"reason": "lagi"}),
            409,
            "not_running",
        )
        problem(await ops.get(f"/api/processes/{wid}/archive"), 404, "no_archive")
        history = status_of(await biro.get(f"/api/processes/{wid}")).history
        by = {h.event: h.person for h in history}
        assert by[HistoryEvent.RESENT] == "biro" and by[HistoryEvent.ASSIGNED] == "ops"
        assert by[HistoryEvent.CANCELLED] == "ops"
        # A cancelled IKU keeps its id: a new attempt is a revision.
        problem(
            await biro.post("/api/processes", json={"year": 2028, "code": code, "title": "lagi"}),
            409,
            "already_started",
        )
        revision = await biro.post(
            "/api/processes",
            json={"year": 2028, "code": code, "title": "IKU 2028 revisi 1", "revision": 1},
        )
        assert revision.json()["workflow_id"] == f"iku-2028-{code}-rev1"
        await started_on_queue(dev_env.client, web.settings)


async def test_bad_requests_get_422_naming_the_field_and_unknown_processes_404(web: Web):
    async with api(web, "ops") as ops:
        bad = await ops.post(
            "/api/processes", json={"year": 1999, "code": "Bukan Kode", "title": "", "extra": 1}
        )
        body = problem(bad, 422, "invalid_request")
        fields = {tuple(e["loc"])[-1] for e in body["errors"]}
        assert {"year", "code", "title", "extra"} <= fields
        problem(
            await ops.post(
                "/api/processes", content=b"{not json", headers={"Content-Type": "application/json"}
            ),
            422,
            "invalid_request",
        )
        problem(await ops.get("/api/processes/iku-2027-tidak-ada"), 404, "not_found")
        problem(await ops.get("/api/processes/bukan-id"), 422, "invalid_request")
        problem(
            await ops.post("/api/processes/iku-2027-tidak-ada/resend", json={"task_id": "s01-001"}),
            404,
            "not_found",
        )
        problem(await ops.get("/api/processes", params={"role": "raja"}), 422, "invalid_request")
        problem(
            await ops.get("/api/processes", params={"page_token": "AAAA.BBBB"}),
            422,
            "invalid_page_token",
        )
        huge = await ops.post(
            "/api/processes",
            content=b"{" + b" " * 300_000 + b"}",
            headers={"Content-Type": "application/json"},
        )
        problem(huge, 413, "too_large")


async def test_an_archived_process_gives_its_valid_bag_as_a_zip(dev_env, web: Web, tmp_path: Path):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to_end()
    async with api(web, "bureau") as biro:
        report = await biro.get(f"/api/processes/{p.id}/archive")
        assert report.status_code == 200, report.text
        assert report.json()["valid_now"] is True and report.json()["problem"] is None
        download = await biro.get(report.json()["download_url"])
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(download.content)) as bundle:
            bundle.extractall(tmp_path)
        assert validate_bag(tmp_path / report.json()["bag_name"]) == (True, None)


async def test_when_temporal_cannot_be_reached_the_api_and_the_pages_say_503(web: Web):
    settings = web.settings.model_copy(update={"temporal_address": "127.0.0.1:9"})
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token(settings, 'ops')}"}
    async with httpx.AsyncClient(
        transport=transport, base_url=settings.public_base_url, headers=headers, timeout=30
    ) as client:
        problem(await client.get("/api/processes/iku-2027-x"), 503, "unavailable")
        problem(
            await client.post("/api/processes", json={"year": 2027, "code": "x", "title": "x"}),
            503,
            "unavailable",
        )
    async with httpx.AsyncClient(
        transport=transport, base_url=settings.public_base_url, timeout=30
    ) as browser:
        bureau = Bureau(browser, settings)
        assert (await bureau.sign_in("bureau")).status_code == 303  # no Temporal needed
        page = await bureau.page("/proses")
        assert page.status == 503 and "tidak dapat dihubungi" in page.text
        assert page.response.headers["retry-after"] == "5"
        assert "Keluar" in page.text  # inside the bureau's frame, still signed in


async def test_an_id_started_again_after_its_process_was_cancelled_still_shows_that_process(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.handle.execute_update(
        IkuWorkflow.cancel, CancelRequest(by="ops", reason="Diganti revisi 1")
    )
    await p.result()
    await p.started_again()
    async with api(web, "bureau") as biro:
        # The process is still the cancelled one, on its page and in the API …
        shown = await biro.get(f"/api/processes/{p.id}")
        assert shown.status_code == 200 and shown.json()["state"] == "cancelled", shown.text

        # … listed once …
        async def listed_once() -> None:
            rows = (await biro.get(f"/api/processes?code={p.process.code}")).json()["items"]
            assert [(r["workflow_id"], r["run_id"]) for r in rows] == [(p.id, p.first_run_id)], rows

        await eventually(listed_once, 10)
        # … and its id is not started again through the API either.
        refused = await biro.post(
            "/api/processes",
            json={"year": p.process.year, "code": p.process.code, "title": "Lagi"},
        )
        problem(refused, 409, "already_started")
