"""A deploy from docker-compose.yml without containers: each step and service run as
Compose resolves it (its command, its environment from .env.example with every CHANGE-ME
made a strong value), from the image's /app as the Dockerfile copies it, in Compose's
order. Only what a container engine would give is put in by hand: the other services'
addresses (the dev server for the Temporal cluster, Debian's PostgreSQL, the session's
SeaweedFS and its bucket under a prefix of the drill's, the test's SMTP server without
sign-in), a data folder per container and one folder for each named volume. Then the
bureau starts a process through the API, the Kasubbag's task mail arrives, she opens its
link and sends her documents through the TLS proxy; at step 8 the Kabag initials the draft
on his page with the passphrase the signing-ca step gave him (kept in a volume only that
step mounts); the process is archived to S3 and the web layer finds the bag valid. Every
health check passes, both metrics endpoints count it, and every log line is JSON."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import obstore
import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from common.s3 import key_prefix, s3_store
from common.settings import EXAMPLE_DIRECTORY, Settings
from common.temporal import connect
from signing.folder import SigningFolder
from tests import samples
from tests.compose import image_app, services
from tests.conftest import MailBox
from tests.metrics import parse, value
from tests.s3server import ACCESS_KEY, SECRET_KEY, S3Server
from tests.scenario import KABAG, KASUBAG, Scenario
from tests.signatures import passphrases_in
from tests.support import eventually, free_port
from tests.web import Web, token_of

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(600)]

BIN = Path(sys.executable).parent
PUBLIC_HOST = "iku.example.go.id"  # .env.example's IKU_PUBLIC_BASE_URL and IKU_ALLOWED_HOSTS


class Drill:
    """The compose file's services as processes on this machine."""

    def __init__(
        self, tmp: Path, temporal: str, s3: S3Server, postgresql: str, smtp_port: int
    ) -> None:
        self.tmp, self.temporal, self.s3, self.smtp_port = tmp, temporal, s3, smtp_port
        self.postgresql = make_url(postgresql)
        self.app = image_app(tmp / "app")
        self.etc = tmp / "etc-iku"  # deploy/config, mounted at /etc/iku
        self.etc.mkdir()
        (self.etc / "directory.yaml").write_text(EXAMPLE_DIRECTORY.read_text())
        self.strong: dict[str, str] = {}
        self.prefix = f"drill-{uuid.uuid4().hex[:8]}"
        self.running: list[subprocess.Popen[bytes]] = []
        self.web_port, self.metrics_port = free_port(), free_port()
        self.signing = tmp / "officials" / "signing"  # the officials' copy, from the bucket
        self.ca_private = tmp / "volumes" / "signing-ca-private"  # the named volume

    def bucket_keys(self, area: str) -> list[str]:
        """The keys the deploy wrote under ``area/`` of its prefix in the bucket."""
        settings = self.settings()
        prefix = key_prefix(settings, area)
        stream = obstore.list(s3_store(settings), prefix=prefix)
        return [meta["path"].removeprefix(prefix) for batch in stream for meta in batch]

    def secret(self, placeholder: str) -> str:
        return self.strong.setdefault(placeholder, secrets.token_hex(24))

    def settings(self) -> Settings:
        """What the test's officials need to know: the directory, the link secret, the
        signing folder (their first passphrases) and the document store."""
        return Settings(
            data_dir=self.tmp / "officials",
            directory_file=self.etc / "directory.yaml",
            link_secret=SecretStr(self.secret("CHANGE-ME-link-secret")),
            signing_dir=self.signing,
            ca_private_dir=self.ca_private,
            document_store="s3",
            s3_endpoint_url=self.s3.endpoint,
            s3_bucket=self.s3.bucket,
            s3_prefix=self.prefix,
            s3_access_key_id=ACCESS_KEY,
            s3_secret_access_key=SecretStr(SECRET_KEY),
        )

    def environment(self, service: str) -> dict[str, str]:
        """The service's environment as Compose resolves it, placed on this machine."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "PG"))}
        env["PATH"] = f"{BIN}:{env['PATH']}"
        # A setting named without a value (unset in .env) is not in the container at all.
        given = {
            k: str(v)
            for k, v in (services()[service].get("environment") or {}).items()
            if v is not None
        }
        for name, text in given.items():
            text = re.sub(r"CHANGE-ME[\w-]*", lambda m: self.secret(m.group(0)), text)
            text = text.replace("temporal:7233", self.temporal)
            text = text.replace("http://seaweedfs:8333", self.s3.endpoint)
            text = text.replace("/etc/iku", str(self.etc))
            env[name] = text
        if "IKU_REPORTING_DATABASE_URL" in env:
            url = make_url(env["IKU_REPORTING_DATABASE_URL"])
            url = url.set(host=self.postgresql.host, port=self.postgresql.port)
            env["IKU_REPORTING_DATABASE_URL"] = url.render_as_string(hide_password=False)
        if service in ("worker", "web", "signing-ca"):
            # IKU_DATA_DIR is the image's, a container's own, its signing folder beneath it.
            env["IKU_DATA_DIR"] = str(self.tmp / service / "var-lib-iku")
        if "IKU_CA_PRIVATE_DIR" in env:
            env["IKU_CA_PRIVATE_DIR"] = str(self.ca_private)
        if service in ("worker", "web", "signing-ca"):
            env.pop("IKU_SMTP_USERNAME", None)  # the test's relay takes any
            env.pop("IKU_SMTP_PASSWORD", None)
            env |= {
                "IKU_SMTP_HOST": "127.0.0.1",
                "IKU_SMTP_PORT": str(self.smtp_port),
                "IKU_SMTP_STARTTLS": "false",
                "IKU_S3_ACCESS_KEY_ID": ACCESS_KEY,
                "IKU_S3_SECRET_ACCESS_KEY": SECRET_KEY,
                "IKU_S3_BUCKET": self.s3.bucket,
                "IKU_S3_PREFIX": self.prefix,
            }
        if "PGHOST" in env:  # Debian's server, as its superuser (not "temporal")
            host, port, user = self.postgresql.host, self.postgresql.port, self.postgresql.username
            env |= {"PGHOST": str(host), "PGPORT": str(port), "PGUSER": str(user)}
        if "IKU_TRUSTED_PROXIES" in env:
            env["IKU_TRUSTED_PROXIES"] = "127.0.0.1"  # the TLS proxy, as the web layer sees it
        if "IKU_WORKER_METRICS_BIND" in env:
            env["IKU_WORKER_METRICS_BIND"] = f"127.0.0.1:{self.metrics_port}"
        return env

    @staticmethod
    def command(argv: list[str]) -> list[str]:
        """``argv`` with the image's programs found in this environment."""
        if argv[0] == "python":
            return [sys.executable, *argv[1:]]
        if argv[0] in ("iku", "uvicorn"):
            return [str(BIN / argv[0]), *argv[1:]]
        return argv

    def one_shot(self, service: str, argv: list[str] | None = None) -> str:
        """A one-shot step (or a health check) run to its end; its output."""
        argv = argv or services()[service]["command"]
        entrypoint = services()[service].get("entrypoint") or []
        if entrypoint == ["/bin/sh", "-c"]:
            argv = ["/bin/sh", "-c", argv[0].replace("$$", "$")]  # Compose keeps $$ for $
        else:
            argv = self.command(argv)
        done = self.run(service, argv, timeout=180)
        assert done.returncode == 0, f"{service}: {done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def run(
        self, service: str, argv: list[str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` in the service's container, as it were."""
        return subprocess.run(
            argv,
            env=self.environment(service),
            cwd=self.app,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, service: str, argv: list[str] | None = None) -> None:
        with (self.tmp / f"{service}.log").open("ab") as log:
            self.running.append(
                subprocess.Popen(
                    self.command(argv or services()[service]["command"]),
                    env=self.environment(service),
                    cwd=self.app,
                    stdout=log,
                    stderr=log,
                )
            )

    async def healthy(self, service: str, argv: list[str] | None = None) -> None:
        """The service's own health check, as Compose would run it, until it passes."""
        test = argv or services()[service]["healthcheck"]["test"]
        assert test[0] == "CMD"

        async def passes() -> None:
            assert all(p.poll() is None for p in self.running), "a service exited"
            done = await asyncio.to_thread(self.run, service, self.command(test[1:]), 30)
            assert done.returncode == 0, done.stdout + done.stderr

        await eventually(passes, within=120, interval=1)

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def drill(
    tmp_path: Path,
    dev_env,
    s3_server: S3Server,
    postgresql_base: str,
    mailbox: tuple[MailBox, int],
) -> Iterator[Drill]:
    target = dev_env.client.service_client.config.target_host
    found = Drill(tmp_path, target, s3_server, postgresql_base, mailbox[1])
    try:
        yield found
    finally:
        found.stop()
        admin = make_url(postgresql_base).set(drivername="postgresql", database="postgres")
        subprocess.run(
            [
                "psql",
                admin.render_as_string(hide_password=False),
                "-c",
                "DROP DATABASE IF EXISTS iku_reporting WITH (FORCE)",
                "-c",
                "DROP ROLE IF EXISTS iku_reporting",
            ],
            capture_output=True,
            check=False,
        )


async def test_a_deploy_from_the_compose_file_takes_a_process_from_the_api_to_the_kabags_paraf(
    drill: Drill, mailbox: tuple[MailBox, int]
):
    # The one-shot steps, in Compose's order.
    drill.one_shot("temporal-namespace")
    drill.one_shot("search-attributes")
    drill.one_shot("reporting-database")
    drill.one_shot("reporting-migrations")
    assert "issued a signing certificate" in drill.one_shot("signing-ca")
    # The CA's certificate, CRL and the officials' keys went to the bucket; its key and the
    # first passphrases stayed in the volume only the CA step mounts.
    in_bucket = {key.rpartition("/")[2] for key in drill.bucket_keys("signing")}
    assert {"ca.pem", "crl.pem", "issued.json", f"{KABAG}.p12"} <= in_bucket
    private = {"ca-key.pem", "ca-passphrase", "initial-passphrases"}
    assert not private & in_bucket
    assert private <= {p.name for p in drill.ca_private.rglob("*")}
    SigningFolder(drill.settings()).fetch_all()  # for the officials this test plays at 9-11

    # The worker, healthy, made the current version; then the web layer, healthy.
    drill.start("worker")
    await drill.healthy("worker")
    drill.one_shot("worker-version")
    web = services()["web"]["command"]
    at = web.index("--port")
    web = [*web[:at], "--port", str(drill.web_port), *web[at + 2 :]]
    web[web.index("--host") + 1] = "127.0.0.1"
    drill.start("web", web)
    check = services()["web"]["healthcheck"]["test"]
    await drill.healthy("web", [c.replace(":8000/", f":{drill.web_port}/") for c in check])

    # Our data converter, as every part of the system connects.
    client = await connect(
        drill.settings().model_copy(
            update={"temporal_address": drill.temporal, "temporal_namespace": "iku"}
        )
    )
    # What the ministry's TLS proxy sends on: the public name, https, the client's address.
    proxied = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3"}
    bureau = {"Authorization": f"Bearer {drill.secret('CHANGE-ME-bureau-api-token')}"}
    scraper = {"Authorization": f"Bearer {drill.secret('CHANGE-ME-metrics-token')}"}
    code = f"drill{uuid.uuid4().hex[:8]}"
    base = f"http://127.0.0.1:{drill.web_port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as direct:
        # The pages answer only the public name; a probe answers any.
        assert (await direct.get("/masuk")).status_code == 400
        web_metrics_before = parse((await direct.get("/metrics", headers=scraper)).text)
    async with httpx.AsyncClient(base_url=base, headers=proxied, timeout=60) as http:
        started = await http.post(
            "/api/processes",
            headers=bureau,
            json={"year": 2028, "code": code, "title": "IKU Kemnaker 2028"},
        )
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        # The versioned worker took it and mailed the Kasubbag her task; she opens the link
        # and sends the Konsep and the TOR (stored in S3), and the Kabag is mailed his.
        official = Web(http, drill.settings(), mailbox[0])
        link = await official.link(workflow_id, KASUBAG, within=60)
        assert link.startswith(f"https://{PUBLIC_HOST}/t/")
        path = f"/t/{token_of(link)}"
        page = await official.open(path)
        assert page.status == 200 and "Langkah 1 dari 16" in page.text, page.text
        files = {
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), "application/pdf")],
            "tor": [("TOR.pdf", samples.pdf("TOR"), "application/pdf")],
        }
        result = await official.submit(path, page, "submit", files=files)
        assert result.status == 200 and "Langkah 2 dari 16" in result.text, result.text

        # Steps 2 to 7 decided through Temporal; at 8 the Kabag initials the draft on his
        # task page with the passphrase signing-ca gave him: the web layer signs with his
        # key from the signing volume, the worker checks the paraf against the same CA.
        process = Scenario.attach(client, drill.settings(), workflow_id)
        await process.walk_to(8)
        task = await process.task()
        path = f"/t/{token_of(await official.link(workflow_id, KABAG, task.id, 60))}"
        page = await official.open(path)
        assert ("approve", "Setujui dan paraf") in page.buttons
        first = passphrases_in(drill.signing, drill.ca_private)[KABAG]
        result = await official.submit(path, page, "approve", passphrase=first)
        assert result.status == 200 and "Langkah 9 dari 16" in result.text, result.text

        # On to the archive: the worker typesets the record and writes the bag to S3, and
        # the web layer, with no disk in common, reads it back and finds it valid.
        assert (await process.walk_to_end()).outcome == "archived"
        report = await http.get(f"/api/processes/{workflow_id}/archive", headers=bureau)
        assert report.status_code == 200, report.text
        assert report.json()["valid_when_built"] and report.json()["valid_now"], report.text
        # The CA and its CRL went into the bag, for checking the signatures offline later.
        bag = drill.bucket_keys(f"archive/{report.json()['bag_name']}")
        assert {"data/tte/ca.pem", "data/tte/crl.pem"} <= set(bag), bag
    async with httpx.AsyncClient(timeout=30) as http:
        web_metrics = parse((await http.get(f"{base}/metrics", headers=scraper)).text)
        worker_metrics = parse(
            (await http.get(f"http://127.0.0.1:{drill.metrics_port}/metrics")).text
        )
    assert value(web_metrics, "iku_http_requests_total", route="/api/processes", status="201") == 1
    # Counted by route behind the proxy too.
    route = {"route": "/t/{token}"}
    assert value(web_metrics, "iku_http_requests_total", method="POST", status="200", **route) == 2
    assert value(web_metrics_before, "iku_http_requests_total", status="400") == 1
    assert value(worker_metrics, "iku_decisions_total", step="1", outcome="submitted") == 1
    assert value(worker_metrics, "iku_processes_started_total", namespace="iku") == 1

    # The worker recorded every step's decision in the reporting database, as its own role.
    url = make_url(drill.environment("worker")["IKU_REPORTING_DATABASE_URL"])
    as_role = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def recorded() -> None:
        with psycopg.connect(as_role) as conn:
            steps = conn.execute(
                "SELECT DISTINCT e.step FROM step_events e JOIN processes p"
                " ON p.id = e.process_id WHERE p.workflow_id = %s AND e.kind = 'decided'",
                (workflow_id,),
            ).fetchall()
        assert {step for (step,) in steps} == set(range(1, 17)), steps

    await eventually(recorded, within=30, interval=0.5)

    # Both log one JSON object a line, the SDK's records and the server's start among them.
    for service in ("worker", "web"):
        lines = (drill.tmp / f"{service}.log").read_text().splitlines()
        assert lines, service
        for line in lines:
            assert json.loads(line)["service"], line

    handle = client.get_workflow_handle(workflow_id)
    described = (await handle.describe()).raw_description.workflow_execution_info
    assert described.versioning_info.deployment_version.build_id == "v0.4.0"
