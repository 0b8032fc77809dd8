"""A process is addressed by its id and run: the bureau's list, the start's answer, the API
and the mails carry the run; an address by id alone is sent on to the process's run; a run
that is not the process's is a 404; an archived process keeps its page and its archive at
its id and run when someone starts its id again."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import pytest

from tests.bureau import api, eventually, signed_in
from tests.conftest import MailBox
from tests.scenario import Scenario
from tests.test_bureau_api import problem
from tests.web import Web

pytestmark = pytest.mark.devserver

RUN_NOT_FOUND = "tidak pernah berjalan dengan nomor run tersebut"


async def test_an_archived_process_stays_at_its_id_and_run_when_its_id_is_started_again(
    dev_env, web: Web, mail: MailBox
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to_end()
    await p.result()
    run = (await dev_env.client.get_workflow_handle(p.id).describe()).run_id
    refused = await p.started_again()
    assert refused != run
    page_url = f"/proses/{p.id}/{run}"

    # The bureau's mail of the archive links the archive page by id and run.
    def archive_mailed() -> None:
        told = [
            m
            for m in mail.messages
            if m["X-IKU-Workflow-Id"] == p.id
            and m["X-IKU-Kind"] == "archived"
            and m["To"].addresses[0].addr_spec == web.settings.bureau_email
        ]
        assert told, "the archive mail is not in yet"
        body = told[0].get_body(("plain",))
        assert body is not None
        assert f"{web.settings.public_base_url}{page_url}/arsip" in body.get_content()

    await eventually(archive_mailed)

    async with signed_in(web, "bureau") as biro:
        # The list links the process by its id and run (not the refused start's).
        async def listed() -> None:
            found = await biro.page("/proses", cari=p.process.code)
            links = re.findall(r'<a class="pid" href="([^"]+)"', found.response.text)
            assert links == [page_url], links

        await eventually(listed, 10)

        # An address by id alone is sent on to the run, with its query kept.
        moved = await biro.http.get(f"/proses/{p.id}", params={"lang": "en"})
        assert moved.status_code == 307
        assert moved.headers["location"] == f"{page_url}?lang=en"
        moved = await biro.http.get(f"/proses/{p.id}/arsip")
        assert moved.status_code == 307 and moved.headers["location"] == f"{page_url}/arsip"

        # The process page and its archive, by id and run.
        shown = await biro.page(page_url)
        assert shown.status == 200 and "Diarsipkan" in shown.text
        assert f'href="{page_url}/arsip"' in shown.response.text
        archive = await biro.page(f"{page_url}/arsip")
        assert archive.status == 200 and "Arsip utuh" in archive.text
        assert f'href="{page_url}/arsip.zip"' in archive.response.text
        zipped = await biro.http.get(f"{page_url}/arsip.zip")
        assert zipped.status_code == 200
        assert zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()

        # The refused start's run, and a run that never was, are no page of this process.
        for other in (refused, str(uuid.uuid4())):
            for tail in ("", "/arsip", "/arsip.zip"):
                missing = await biro.http.get(f"/proses/{p.id}/{other}{tail}")
                assert missing.status_code == 404, (other, tail)
                if tail != "/arsip.zip":
                    assert RUN_NOT_FOUND in missing.text
            acted = await biro.post(
                f"/proses/{p.id}/{other}/kirim-ulang", {"task_id": "s16-016"}, shown
            )
            assert acted.status == 404 and RUN_NOT_FOUND in acted.text

    async with api(web, "bureau") as client:
        status = await client.get(f"/api/processes/{p.id}", params={"run_id": run})
        assert status.status_code == 200 and status.json()["state"] == "archived"
        problem(
            await client.get(f"/api/processes/{p.id}", params={"run_id": refused}),
            404,
            "run_not_found",
        )
        problem(
            await client.get(f"/api/processes/{p.id}/archive", params={"run_id": refused}),
            404,
            "run_not_found",
        )
        problem(
            await client.post(
                f"/api/processes/{p.id}/resend",
                params={"run_id": str(uuid.uuid4())},
                json={"task_id": "s16-016"},
            ),
            404,
            "run_not_found",
        )
        problem(
            await client.get(f"/api/processes/{p.id}", params={"run_id": "bukan-run"}),
            422,
            "invalid_request",
        )
        # The archive's answer links its zip by the run, id alone or not.
        report = await client.get(f"/api/processes/{p.id}/archive")
        assert report.status_code == 200, report.text
        assert report.json()["download_url"] == f"/api/processes/{p.id}/archive.zip?run_id={run}"
        assert (await client.get(report.json()["download_url"])).status_code == 200
        rows = (await client.get("/api/processes", params={"code": p.process.code})).json()
        assert [(r["workflow_id"], r["run_id"]) for r in rows["items"]] == [(p.id, run)]


async def test_an_action_on_a_terminated_run_never_reaches_the_process_started_again_at_its_id(
    dev_env, web: Web
):
    """Ops terminated a process from the Temporal UI and the bureau started its id again; a
    script cancelling by the old run's address is told the old process is not running, and
    the new one runs on."""
    code = f"run-{uuid.uuid4().hex[:8]}"
    async with api(web, "bureau") as biro, api(web, "ops") as ops:
        body = {"year": 2028, "code": code, "title": "IKU Kemnaker 2028"}
        first = await biro.post("/api/processes", json=body)
        assert first.status_code == 201, first.text
        wid, old = first.json()["workflow_id"], first.json()["run_id"]
        await dev_env.client.get_workflow_handle(wid, run_id=old).terminate("salah mulai")
        again = await biro.post("/api/processes", json=body)
        assert again.status_code == 201, again.text
        new = again.json()["run_id"]
        assert new != old
        for action, payload in (
            ("cancel", {"reason": "Tidak jadi"}),
            ("resend", {"task_id": "s01-001"}),
        ):
            answer = await ops.post(
                f"/api/processes/{wid}/{action}", params={"run_id": old}, json=payload
            )
            assert problem(answer, 409, "not_running"), answer.text
        described = await dev_env.client.get_workflow_handle(wid, run_id=new).describe()
        assert described.status is not None and described.status.name == "RUNNING"
        status = await ops.get(f"/api/processes/{wid}", params={"run_id": new})
        assert status.json()["state"] == "running" and not status.json().get("cancel_reason")
        # By the new run's address the same action reaches the new process.
        cancelled = await ops.post(
            f"/api/processes/{wid}/cancel", params={"run_id": new}, json={"reason": "Uji"}
        )
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
