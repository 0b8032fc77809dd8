"""The web layer and the worker on two machines with no shared disk: each its own data folder
(its signing folder too), both the same S3 bucket (a real SeaweedFS), the same Temporal, the
same link secret.

A process is walked from a document uploaded on the web machine, through an S3 outage in
the middle of that upload, to the archive the worker builds, and the web machine serves the
archive page, its zip and the document, all from the bucket. The paraf and signatures at
8-11 are checked by the worker against the CA the CA's machine put in the bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import zipfile
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from api.core import shared_counts
from common.archives.bag import validate_bag
from common.models import ProcessState
from common.settings import Settings
from signing.folder import SigningFolder
from tests import samples
from tests.bureau import SAME_ORIGIN, credentials, signed_in, token
from tests.conftest import MailBox, end_left_running, on_s3
from tests.s3server import S3Server
from tests.scenario import KASUBAG, Scenario
from tests.support import eventually, files_under
from tests.web import Web, serve
from worker import build_worker

pytestmark = pytest.mark.devserver

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def machine(shared: Settings, data_dir: Path) -> Settings:
    """The shared settings on one machine: its own data folder and everything under it."""
    return shared.model_copy(
        update={
            "data_dir": data_dir,
            "documents_dir": data_dir / "documents",
            "archive_dir": data_dir / "archive",
            "mail_dir": data_dir / "mail",
            "signing_dir": data_dir / "signing",
        }
    )


def local_files(settings: Settings) -> list[str]:
    """What a machine keeps on its own disk, secrets (the signing keys and the CA among
    them) and empty scratch folders aside."""
    return [
        p.relative_to(settings.data_dir).as_posix()
        for p in files_under(settings.data_dir, but="signing")
        if p.parent != settings.data_dir  # kept secrets (link-secret, passwords) sit on top
    ]


async def test_a_process_on_a_web_machine_and_a_worker_machine_that_share_only_the_bucket(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    mail: MailBox,
    s3_outage_server: S3Server,
    tmp_path: Path,
):
    server = s3_outage_server
    # What must agree across machines: Temporal, the task queue, the store, the link secret.
    shared = on_s3(settings, server).model_copy(
        update={"link_secret": SecretStr("one-link-secret-for-every-machine-0123456789")}
    )
    on_worker = machine(shared, tmp_path / "worker-machine")
    on_web = machine(shared, tmp_path / "web-machine")
    # The CA's machine (the test's own folder, where the officials' first passphrases are)
    # puts the CA, its CRL and the keys in the bucket, as `iku ca issue` does.
    SigningFolder(shared).publish_ca()
    tor, konsep = samples.pdf("TOR penyusunan IKU 2027"), samples.docx("Konsep Rencana Kerja")

    async with (
        build_worker(dev_env.client, on_worker),
        serve(on_web, dev_env.client) as base,
        httpx.AsyncClient(timeout=60) as http,
    ):
        on_worker.public_base_url = base  # the worker's mails link to the web machine
        web = Web(http, on_web, mail)
        try:
            # The officials sign their PDFs at 8-11 with their keys (the CA's copy).
            officials = on_web.model_copy(update={"signing_dir": shared.signing_dir})
            p = await Scenario(dev_env.client, settings=officials).start()

            # 1. The Kasubbag uploads on the web machine while S3 is down: a clear 503,
            #    nothing stored, no decision sent.
            link = await web.link(p.id, KASUBAG)
            page = await web.open(link)
            assert page.status == 200, page.text
            files = {
                "konsep_rencana_kerja": [("Konsep Rencana Kerja.docx", konsep, DOCX)],
                "tor": [("TOR IKU 2027.pdf", tor, PDF)],
            }
            server.stop()
            try:
                refused = await web.submit(link, page, "submit", files=files)
            finally:
                server.start()
            assert refused.status == 503, refused.text
            assert "Penyimpanan dokumen tidak dapat dihubungi" in refused.text
            assert refused.response.headers["retry-after"] == "10"
            status = await p.status()
            assert status.task is not None and status.task.step == 1 and status.documents == []
            assert local_files(on_web) == []  # the spools are gone

            # S3 is back: the same form, sent again, goes through.
            result = await web.submit(link, page, "submit", files=files)
            assert result.status == 200, result.text
            status = await p.status()
            assert {d.kind: d.ref.sha256 for d in status.documents}["tor"] == (
                p.store.put_bytes(tor, "x.pdf", PDF).sha256  # already there: stored once
            )

            # 2-16 by the SDK; the worker machine checks every document in the bucket and
            # builds the archive there.
            await p.walk_to_end()
            status = await p.status()
            assert status.state is ProcessState.ARCHIVED and status.archive is not None
            name = status.archive.bag_name
            assert status.archive.path == (
                f"s3://{shared.s3_bucket}/{shared.s3_prefix}/archive/{name}/"
            )

            # The web machine serves the archive page, the zip and a document from S3.
            tor_sha = next(d.ref.sha256 for d in status.documents if d.kind == "tor")
            async with signed_in(web, "bureau") as bureau:
                archive = await bureau.page(f"/proses/{p.id}/arsip")
                assert archive.status == 200, archive.text
                assert "data/dokumen/01-tor/" in archive.text and "bagit.txt" in archive.text
                zipped = await bureau.http.get(f"/proses/{p.id}/arsip.zip", follow_redirects=True)
                assert zipped.status_code == 200
                with zipfile.ZipFile(io.BytesIO(zipped.content)) as bag_zip:
                    bag_zip.extractall(tmp_path / "unzipped")
                assert validate_bag(tmp_path / "unzipped" / name) == (True, None)
                download = await bureau.http.get(
                    f"/proses/{p.id}/dokumen/{tor_sha}", follow_redirects=True
                )
                assert download.status_code == 200 and download.content == tor
                assert download.headers["content-length"] == str(len(tor))
        finally:
            await end_left_running(dev_env.client, shared.task_queue, listed=True)

    # Neither machine kept a document or an archive on its own disk; the worker's signing
    # folder holds the CA and its CRL from the bucket, and nothing of the CA's private files.
    assert local_files(on_worker) == []
    assert local_files(on_web) == []
    fetched = {p.name for p in on_worker.signing_dir.rglob("*")}
    assert {"ca.pem", "crl.pem"} <= fetched
    assert not {"ca-key.pem", "ca-passphrase", "initial-passphrases"} & fetched


async def test_ops_storing_a_document_through_the_api_while_s3_is_down_get_a_503_and_can_retry(
    dev_env: WorkflowEnvironment, settings: Settings, s3_outage_server: S3Server
):
    on = on_s3(settings, s3_outage_server)
    tor = samples.pdf("TOR penyusunan IKU 2027")
    async with (
        serve(on, dev_env.client) as base,
        httpx.AsyncClient(
            base_url=base, timeout=60, headers={"Authorization": f"Bearer {token(on, 'ops')}"}
        ) as ops,
    ):

        async def store() -> httpx.Response:
            return await ops.post(
                "/api/documents",
                params={"name": "TOR.pdf"},
                content=tor,
                headers={"Content-Type": "application/octet-stream"},
            )

        s3_outage_server.stop()
        try:
            refused = await store()
        finally:
            s3_outage_server.start()
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "store_unavailable"
        assert refused.headers["retry-after"] == "10"
        assert local_files(on) == []

        stored = await store()
        assert stored.status_code == 201, stored.text
        assert stored.json()["sha256"] == hashlib.sha256(tor).hexdigest()


async def test_a_sign_out_on_one_web_machine_holds_on_another_within_seconds(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    mail: MailBox,
    s3_server: S3Server,
    tmp_path: Path,
):
    """Two web replicas on two hosts (their own data folders, sign-outs included), one
    bucket: the bureau signs in on one, its cookie works on both; it signs out there, and
    the other refuses the cookie a few seconds later."""
    shared = on_s3(settings, s3_server).model_copy(
        update={
            # What must agree across web replicas (README, "Scaling out").
            "session_secret": SecretStr("one-session-secret-for-every-replica-0123456789"),
            "bureau_password": SecretStr("one-bureau-password-for-every-replica-0123"),
            "ops_password": SecretStr("one-ops-password-for-every-replica-0123456"),
        }
    )
    one, another = machine(shared, tmp_path / "web-1"), machine(shared, tmp_path / "web-2")
    async with (
        serve(one, dev_env.client),
        serve(another, dev_env.client) as other_base,
        httpx.AsyncClient() as unused,
        signed_in(Web(unused, one, mail), "bureau") as bureau,
    ):
        cookie = dict(bureau.http.cookies)
        async with httpx.AsyncClient(base_url=other_base, cookies=cookie) as elsewhere:
            assert (await elsewhere.get("/proses")).status_code == 200
            out = await bureau.post("/keluar", {})
            assert out.status == 303, out.text
            assert (await bureau.http.get("/proses")).status_code == 302

            async def refused_there_too() -> None:
                assert (await elsewhere.get("/proses")).status_code == 302

            await eventually(refused_there_too, within=15, interval=0.5)
    assert list((another.data_dir / "signed-out").iterdir())  # copied from the bucket


async def test_a_password_guesser_spread_over_two_web_machines_is_held_by_both(
    dev_env: WorkflowEnvironment, settings: Settings, s3_server: S3Server, tmp_path: Path
):
    """Two web replicas behind a proxy that alternates between them, one bucket: five wrong
    passwords for one user from one address, split between them, hold that address on
    both, as one replica alone would (README, "Scaling out")."""
    shared = on_s3(settings, s3_server).model_copy(
        update={
            "session_secret": SecretStr("one-session-secret-for-every-replica-0123456789"),
            "ops_password": SecretStr("one-ops-password-for-every-replica-0123456"),
        }
    )
    one, another = machine(shared, tmp_path / "web-1"), machine(shared, tmp_path / "web-2")
    async with (
        serve(one, dev_env.client) as one_base,
        serve(another, dev_env.client) as another_base,
        httpx.AsyncClient(base_url=one_base) as first,
        httpx.AsyncClient(base_url=another_base) as second,
    ):
        user, password = credentials(one, "ops")

        async def attempt(http: httpx.AsyncClient, secret: str) -> httpx.Response:
            form = await http.get("/masuk")
            found = re.search(r'name="token" value="([^"]+)"', form.text)
            assert found is not None
            return await http.post(
                "/masuk",
                data={"user": user, "password": secret, "token": found.group(1)},
                headers=SAME_ORIGIN,
            )

        for http in (first, second, first, second, first):
            assert (await attempt(http, "bukan-kata-sandi")).status_code == 401
            await asyncio.sleep(shared_counts.EVERY + 0.5)  # each replica has heard of it

        async def held_on_both() -> None:
            # Asked with a wrong password: the right one, on a replica that has not heard
            # yet (a busy machine), would sign in, and a sign-in clears the counts.
            for http in (first, second):
                held = await attempt(http, "bukan-kata-sandi")
                assert held.status_code == 429, held.status_code

        await eventually(held_on_both, within=15, interval=0.5)
        for http in (first, second):
            held = await attempt(http, password)  # even the right one, for a while
            assert held.status_code == 429, held.status_code
            assert int(held.headers["retry-after"]) > 0
