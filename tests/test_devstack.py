"""The one command that runs the system: `python -m devstack`, started for real.

It runs on free ports in a temporary data folder, is stopped with SIGINT, and is started
again on the same folder to show that a second run resumes: same Temporal database (a
workflow from the first run still exists), same link secret, same stored mail; the second
is stopped with SIGHUP, as a closed terminal stops it. A supervisor killed outright takes
its children with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from common import search_attributes
from common.mailstore import list_messages
from common.models import WorkflowInput
from common.settings import Settings
from devstack import supervisor
from devstack.banner import READY, banner, start_command
from devstack.children import Child, ChildSpec, first_exit
from devstack.environment import effective, settings_environment
from devstack.options import Options
from devstack.ports import answers
from tests.support import eventually, free_port

ROOT = Path(__file__).resolve().parent.parent


async def answering(ports: dict[str, int]) -> list[str]:
    """The names of the ports something still listens on."""
    return [name for name, port in ports.items() if await answers("127.0.0.1", port)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone in every sense that matters here: it holds no port, runs nothing.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    return True


class Devstack:
    """`python -m devstack` as a subprocess, its output collected by a thread."""

    def __init__(self, data_dir: Path, ports: dict[str, int]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
        env |= {
            "IKU_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
            "IKU_TEMPORAL_UI_PORT": str(ports["ui"]),
            "IKU_SMTP_PORT": str(ports["smtp"]),
            "IKU_WEB_PORT": str(ports["web"]),
            "PYTHONUNBUFFERED": "1",
        }
        argv = [sys.executable, "-m", "devstack", "--data-dir", str(data_dir)]
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def child_pids(self) -> dict[str, int]:
        found = (re.search(r"started (\w+) \(pid (\d+)\)", line) for line in self.lines)
        return {m.group(1): int(m.group(2)) for m in found if m}

    async def ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while READY not in self.lines:
            if self.process.poll() is not None:
                pytest.fail(f"devstack exited with {self.process.returncode}:\n{self.output}")
            if time.monotonic() > deadline:
                pytest.fail(f"devstack not ready within {within} s:\n{self.output}")
            await asyncio.sleep(0.2)

    async def exit_code(self, within: float = 45) -> int:
        code = await asyncio.to_thread(self.process.wait, within)
        await asyncio.to_thread(self._reader.join, 5)
        return code

    def cleanup(self) -> None:
        """After a failed test: stop it politely, and leave nothing of ours running."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.child_pids().values():
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("temporal", "ui", "smtp", "web")}


@pytest.fixture
def stacks():
    started: list[Devstack] = []
    yield started
    for stack in started:
        stack.cleanup()


def _mail(n: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "IKU Kemnaker <iku@localhost>"
    msg["To"] = "ops@localhost"
    msg["Subject"] = f"Uji devstack {n}"
    msg["Message-ID"] = f"<devstack-{n}@iku.localhost>"
    msg["X-IKU-Kind"] = "task"
    msg.set_content("Pesan uji.\n")
    return msg


async def _outbox_subjects(web_port: int, password: str) -> list[str]:
    """The subjects the outbox lists, signed in as ops; it must refuse the anonymous."""
    url = f"http://127.0.0.1:{web_port}/outbox"
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).status_code == 401
        assert (await http.get(url, auth=("ops", password + "x"))).status_code == 401
        page = await http.get(url, auth=("ops", password))
    assert page.status_code == 200, page.text
    return re.findall(r'<a href="outbox/[^"]+"><strong>([^<]*)</strong>', page.text)


async def _registered_attributes(client: Client) -> set[str]:
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    return set(listed.custom_attributes)


async def _signs_in(web_port: int, user: str, password: str) -> bool:
    """Sign in to the bureau pages as a browser would: the form, its token, the cookie."""
    base = f"http://127.0.0.1:{web_port}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        form = await http.get("/masuk")
        token = re.search(r'name="token" value="([^"]+)"', form.text)
        assert token is not None, form.text[:500]
        done = await http.post(
            "/masuk",
            data={"user": user, "password": password, "token": token.group(1)},
            headers={"Origin": base, "Sec-Fetch-Site": "same-origin"},
        )
        return done.status_code == 303 and (await http.get("/proses")).status_code == 200


async def test_runs_stops_and_resumes(tmp_path: Path, ports: dict[str, int], stacks) -> None:
    data_dir = tmp_path / "data"
    ours = {key.name for key in search_attributes.ALL}

    # --- first run -------------------------------------------------------------------
    first = Devstack(data_dir, ports)
    stacks.append(first)
    await first.ready()
    secret = (data_dir / "link-secret").read_text()
    assert secret.strip()
    assert secret not in first.output  # the secret never reaches the console

    client = await Client.connect(f"127.0.0.1:{ports['temporal']}")
    assert ours <= await _registered_attributes(client)
    handle = await client.start_workflow(
        "DevstackProbe",
        id="devstack-probe",
        task_queue="devstack-probe-no-worker",
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(search_attributes.YEAR, 2027)]
        ),
    )
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"http://127.0.0.1:{ports['ui']}/")).status_code == 200
        health = await http.get(f"http://127.0.0.1:{ports['web']}/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["checks"]["temporal"]["ok"] is True
    await aiosmtplib.send(_mail(1), hostname="127.0.0.1", port=ports["smtp"])
    [stored] = list_messages(data_dir / "mail")
    assert stored.message_id == "<devstack-1@iku.localhost>"
    # The local run turns the outbox on, behind the ops credential the banner points to.
    password = (data_dir / "ops-password").read_text().strip()
    assert password and password not in first.output
    assert f"http://127.0.0.1:{ports['web']}/outbox" in first.output
    assert "sign in as      ops" in first.output
    assert str(data_dir / "ops-password") in first.output
    assert await _outbox_subjects(ports["web"], password) == ["Uji devstack 1"]
    # The bureau signs in with the password the banner points to, never prints.
    bureau = (data_dir / "bureau-password").read_text().strip()
    assert bureau not in first.output and str(data_dir / "bureau-password") in first.output
    assert f"http://127.0.0.1:{ports['web']}/masuk" in first.output
    assert await _signs_in(ports["web"], "biro", bureau)

    # A second supervisor on the same folder is refused: two servers on one SQLite file.
    clash = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "devstack", "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert clash.returncode == 1 and "already using" in clash.stdout

    pids = first.child_pids()
    assert sorted(pids) == ["temporal", "web", "worker"]
    first.process.send_signal(signal.SIGINT)
    assert await first.exit_code() == 0, first.output
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert await answering(ports) == []
    assert (data_dir / "logs" / "temporal.log").stat().st_size > 0

    # --- second run: resumes ---------------------------------------------------------
    second = Devstack(data_dir, ports)
    stacks.append(second)
    await second.ready()
    assert (data_dir / "link-secret").read_text() == secret
    assert "search attributes already registered" in second.output
    client = await Client.connect(f"127.0.0.1:{ports['temporal']}")
    assert ours <= await _registered_attributes(client)
    described = await client.get_workflow_handle(handle.id, run_id=handle.result_run_id).describe()
    assert described.status == WorkflowExecutionStatus.RUNNING
    assert described.typed_search_attributes.get(search_attributes.YEAR) == 2027
    await aiosmtplib.send(_mail(2), hostname="127.0.0.1", port=ports["smtp"])
    assert [m.message_id for m in list_messages(data_dir / "mail")] == [
        "<devstack-2@iku.localhost>",
        "<devstack-1@iku.localhost>",
    ]
    # The same sign-in after a restart, and the mail of both runs, newest first.
    assert (data_dir / "ops-password").read_text().strip() == password
    assert await _outbox_subjects(ports["web"], password) == ["Uji devstack 2", "Uji devstack 1"]

    # A part dying on its own is started again after a back-off, and says so; the server
    # comes back on its database, and the worker and the web layer find it again.
    pids = second.child_pids()
    os.kill(pids["temporal"], signal.SIGKILL)
    await eventually(lambda: _restarted(second, "temporal", pids["temporal"]), 60)
    assert "temporal exited on its own" in second.output
    assert "restarting temporal in 1 s (attempt 1)" in second.output
    client = await eventually(lambda: _connects(ports["temporal"]), 60, interval=0.5)
    described = await client.get_workflow_handle(handle.id, run_id=handle.result_run_id).describe()
    assert described.status == WorkflowExecutionStatus.RUNNING
    await eventually(lambda: _healthy(ports["web"]), 60, interval=0.5)
    pids = second.child_pids()
    # Stopped this time as a closed terminal stops it: as politely as by Ctrl-C.
    second.process.send_signal(signal.SIGHUP)
    assert await second.exit_code() == 0, second.output
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert await answering(ports) == []


def _restarted(stack: Devstack, name: str, pid: int) -> None:
    assert stack.child_pids()[name] != pid, f"{name} not started again"


async def _connects(port: int) -> Client:
    try:
        return await Client.connect(f"127.0.0.1:{port}")
    except RuntimeError as error:
        raise AssertionError(f"Temporal does not answer yet: {error}") from error


async def _healthy(port: int) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"http://127.0.0.1:{port}/healthz")
    assert answer.status_code == 200, answer.text


async def test_a_part_that_keeps_dying_at_once_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor, "RESTART_DELAY", 0.01)
    monkeypatch.setattr(supervisor, "GIVE_UP_AFTER", 3)
    watcher = supervisor.Supervisor(Settings(data_dir=tmp_path), Options())
    failing = Child(
        ChildSpec("failing", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path), tmp_path
    )
    watcher.children.append(failing)
    await failing.start()
    assert await asyncio.wait_for(watcher._restart_what_dies(), 60) == 1
    assert (tmp_path / "failing.log").read_text().count("exited with 3") == 3


async def test_a_dev_server_that_dies_at_start_ends_the_run_with_its_code_never_a_crash(
    tmp_path: Path,
) -> None:
    # The supervisor has tried to connect by then, so the Temporal client's native threads
    # are alive; an interpreter finalizing around them aborted about one run in five
    # (PyGILState_Release; SIGSEGV in CI). Ten runs, two at a time, miss that nine times
    # in ten.
    async def one_run(n: int) -> tuple[int, str]:
        data_dir = tmp_path / f"data{n}"
        data_dir.mkdir()
        (data_dir / "temporal.db").write_bytes(os.urandom(100_000))  # the server refuses it
        run = Devstack(data_dir, {name: free_port() for name in ("temporal", "ui", "smtp", "web")})
        try:
            return await run.exit_code(within=90), run.output
        finally:
            run.cleanup()

    for pair in range(5):
        for code, output in await asyncio.gather(one_run(2 * pair), one_run(2 * pair + 1)):
            assert "the Temporal dev server exited" in output, output
            assert code == 1 and "Fatal Python error" not in output, (code, output[-1500:])


# --- the parts, without the servers ------------------------------------------------------


async def test_first_exit_names_the_child_that_died_and_the_rest_stop(tmp_path: Path) -> None:
    py = sys.executable
    sleeper = Child(
        ChildSpec("sleeper", [py, "-c", "import time; time.sleep(60)"], tmp_path), tmp_path
    )
    failing = Child(
        ChildSpec("failing", [py, "-c", "print('boom'); raise SystemExit(3)"], tmp_path), tmp_path
    )
    await sleeper.start()
    await failing.start()
    died = await first_exit([sleeper, failing])
    assert died is failing and died.returncode == 3 and died.tail() == ["boom"]
    assert "boom" in (tmp_path / "failing.log").read_text()
    await sleeper.stop(grace=5)
    assert sleeper.returncode == -signal.SIGTERM and not alive(sleeper.pid or 0)


# A supervisor in a process of its own: it starts a child that would run a minute, says the
# child's pid, and waits to be killed.
_SUPERVISOR = """
import asyncio, sys
from pathlib import Path
from devstack.children import Child, ChildSpec

async def main() -> None:
    child = Child(ChildSpec("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                            Path(sys.argv[1])), Path(sys.argv[1]))
    await child.start()
    await asyncio.sleep(60)

asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a parent-death signal: Linux")
async def test_a_supervisor_killed_outright_takes_its_children_with_it(tmp_path: Path) -> None:
    # Killed (or crashed) before it could stop them, it must not leave a worker polling and
    # a web layer holding its port for the next run to trip over.
    watcher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SUPERVISOR, str(tmp_path), cwd=ROOT, stdout=subprocess.PIPE
    )
    sleeper = 0
    try:
        assert watcher.stdout is not None
        started = (await asyncio.wait_for(watcher.stdout.readline(), 30)).decode()
        found = re.search(r"started sleeper \(pid (\d+)\)", started)
        assert found, started
        sleeper = int(found.group(1))
        assert alive(sleeper)
        watcher.kill()
        await watcher.wait()

        def gone() -> None:
            assert not alive(sleeper), "the child outlived its supervisor"

        await eventually(gone, 10)
    finally:
        if watcher.returncode is None:
            watcher.kill()
        if sleeper and alive(sleeper):
            os.kill(sleeper, signal.SIGKILL)


async def test_stop_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    child = Child(ChildSpec("stubborn", [sys.executable, "-c", stubborn], tmp_path), tmp_path)
    await child.start()
    for _ in range(200):  # it must be ignoring SIGTERM before we send one
        if child.tail() == ["ready"]:
            break
        await asyncio.sleep(0.05)
    await child.stop(grace=0.5)
    assert child.returncode == -signal.SIGKILL


UNPASSED_SECRET = "not-passed-on-7f3a9c2e5b1d8f4a6c0e9b2d5f8a1c3e"
REPLACED_SECRET = "replaced-but-accepted-4b8e1d7a3c9f2e6b0d5a8c1f"


def test_children_get_the_effective_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = effective(
        Settings(
            data_dir=Path("rel"),
            standard_times={7: "3d"},
            web_port=8123,
            link_secret=UNPASSED_SECRET,
            link_secret_previous=[REPLACED_SECRET],
            session_secret_previous=[REPLACED_SECRET],
        )
    )
    env = settings_environment(settings)
    assert env["IKU_DATA_DIR"] == str(tmp_path / "rel")
    assert env["IKU_MAIL_DIR"] == str(tmp_path / "rel" / "mail")
    # Nor the replaced ones: dumped, each would be '**********', and refused as too weak.
    for secret in ("LINK_SECRET", "LINK_SECRET_PREVIOUS", "SESSION_SECRET_PREVIOUS"):
        assert f"IKU_{secret}" not in env
    # Links follow the web layer to its port unless a public URL was set explicitly.
    assert env["IKU_PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    for key in [k for k in os.environ if k.startswith("IKU_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    inherited = Settings(
        link_secret=UNPASSED_SECRET,
        link_secret_previous=[REPLACED_SECRET],
        session_secret_previous=[REPLACED_SECRET],
    )
    assert inherited == settings


def test_banner_names_a_start_command_the_workflow_accepts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in [k for k in os.environ if k.startswith("IKU_")]:
        monkeypatch.delenv(key)
    argv = shlex.split(start_command(Settings()))
    assert argv[:3] == ["scripts/temporal", "workflow", "start"]
    assert os.access(ROOT / argv[0], os.X_OK)
    # A second start with the same id must be refused, not quietly shown, and an ended
    # process's id never starts again.
    assert "--fail-existing" in argv
    flags = [a for a in argv[3:] if a != "--fail-existing"]
    options = dict(zip(flags[::2], flags[1::2], strict=True))
    # … and so must a start under the id of a process that ended.
    assert options["--id-reuse-policy"] == "RejectDuplicate"
    assert options["--type"] == "IkuWorkflow"
    assert options["--task-queue"] == "iku"
    given = WorkflowInput.model_validate_json(options["--input"])
    assert options["--workflow-id"] == given.workflow_id() == "iku-2027-kemnaker"


def test_the_local_run_turns_the_outbox_on_and_says_how_to_sign_in(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for key in [k for k in os.environ if k.startswith("IKU_")]:
        monkeypatch.delenv(key)
    everything = Options()
    settings = effective(Settings(data_dir=tmp_path, web_port=8123), everything)
    assert settings_environment(settings)["IKU_OUTBOX_ENABLED"] == "true"
    lines = "\n".join(banner(settings, everything))
    assert "Outbox            http://127.0.0.1:8123/outbox" in lines
    assert "sign in as      ops" in lines and str(tmp_path / "ops-password") in lines

    # Mail sent to a real relay never reaches the outbox: off, and the banner says why.
    no_mail = Options(mail=False)
    settings = effective(Settings(data_dir=tmp_path), no_mail)
    assert not settings.outbox_enabled
    assert "  Outbox            off (--no-mail)" in banner(settings, no_mail)

    # Whoever turned it off on purpose keeps it off.
    monkeypatch.setenv("IKU_OUTBOX_ENABLED", "false")
    settings = effective(Settings(data_dir=tmp_path), everything)
    assert settings_environment(settings)["IKU_OUTBOX_ENABLED"] == "false"
    assert "  Outbox            off (IKU_OUTBOX_ENABLED=false)" in banner(settings, everything)
