"""Bad input and unhelpful surroundings at every entry point (``iku``, ``worker.py``,
``python -m devstack``): each says in one line what is wrong and what to do, with the
exit code of its kind (2 refused, 1 failed, 130 interrupted), never a traceback and never
a secret's value."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest
from temporalio.testing import WorkflowEnvironment

from commands import cluster, iku
from common.archives import open_archive_store
from common.archives.bag import BAG_TIMESTAMP_FIELD
from common.settings import SETTINGS_ERRORS, Settings, get_settings, settings_problem
from devstack.errors import StartupError
from devstack.options import Options
from devstack.ports import port_is_free
from devstack.supervisor import Supervisor
from reporting.backfill import backfill_archives
from reporting.database import ReportingDatabase, failure
from tests.conftest import on_s3
from tests.s3server import S3Server
from tests.support import ROOT, free_port
from tests.support import run_with as run

IKU = Path(sys.executable).parent / "iku"
# Strong enough for the settings' check, so only the shape of the value is wrong.
SECRET = "Zq8vN3xK7pL2mW9rT5yB1cF6hJ4dG0sA"
# Fixed: test ids carry it, and every xdist worker must collect the same ids.
PASSWORD = "pw-7c1e94b0d25f4a3b"


def said_plainly(text: str) -> None:
    assert "Traceback" not in text and "Fatal Python error" not in text, text


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No IKU_* setting but a data folder of the test's own; the settings read afresh."""
    for name in [n for n in os.environ if n.startswith("IKU_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def iku_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = iku.main(list(argv))
    err = capsys.readouterr().err
    said_plainly(err)
    return code, err


# --- settings that do not load -------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IKU_OPS_IDENTITIES", '["ops"'),
        ("IKU_BUREAU_IDENTITIES", "[biro]"),
        ("IKU_LINK_SECRET_PREVIOUS", f"[{SECRET}]"),
        ("IKU_SESSION_SECRET_PREVIOUS", f'["{SECRET}"'),
        ("IKU_STANDARD_TIMES", "notjson"),
        ("IKU_RETENTION_SCHEDULE", "x"),
    ],
)
def test_a_list_or_object_setting_that_is_not_json_is_named_not_echoed(
    env, capsys, variable: str, value: str
):
    env.setenv(variable, value)
    for command in (["check-worker"], ["reporting", "migrate"], ["links", "resend"]):
        code, err = iku_main(capsys, *command)
        assert code == 2
        assert err.startswith(f"iku: the IKU_* settings are not valid: {variable}")
        assert len(err.strip().splitlines()) == 1
        assert SECRET not in err


def test_simple_lists_can_be_separated_by_commas(env):
    other = SECRET[::-1]
    env.setenv("IKU_OPS_IDENTITIES", "ops, karo-ops")
    env.setenv("IKU_BUREAU_IDENTITIES", "biro")
    env.setenv("IKU_LINK_SECRET_PREVIOUS", f"{SECRET},{other}")
    env.setenv("IKU_SESSION_SECRET_PREVIOUS", SECRET)
    settings = Settings()
    assert settings.ops_identities == ["ops", "karo-ops"]
    assert settings.bureau_identities == ["biro"]
    assert settings.link_secrets_previous() == [SECRET, other]
    assert settings.session_secrets()[1:] == [SECRET]
    env.setenv("IKU_OPS_IDENTITIES", '["ops", "karo-ops"]')  # JSON as before
    assert Settings().ops_identities == ["ops", "karo-ops"]


def test_the_worker_and_the_local_run_name_a_setting_that_is_not_json(tmp_path: Path):
    bad = {"IKU_DATA_DIR": str(tmp_path), "IKU_LINK_SECRET_PREVIOUS": f"[{SECRET}"}
    worker = run([sys.executable, "worker.py"], bad)
    assert worker.returncode == 1
    assert "IKU_LINK_SECRET_PREVIOUS" in worker.stderr and SECRET not in worker.stderr
    said_plainly(worker.stderr)
    devstack = run([sys.executable, "-m", "devstack", "--no-temporal"], bad)
    assert devstack.returncode == 2
    assert "invalid settings: IKU_LINK_SECRET_PREVIOUS" in devstack.stderr
    assert SECRET not in devstack.stderr
    said_plainly(devstack.stderr)
    # The web layer as a deployment serves it (uvicorn builds the app when it asks).
    served = run([sys.executable, "-m", "uvicorn", "api.app:app", "--port", "1"], bad)
    assert served.returncode == 2
    assert "web layer: IKU_LINK_SECRET_PREVIOUS" in served.stderr and SECRET not in served.stderr
    said_plainly(served.stderr)


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("IKU_MAX_UPLOAD_BYTES", "-5", "greater than or equal to 1"),
        ("IKU_LINK_GRACE_DAYS", "-5", "greater than or equal to 0"),
        ("IKU_SMTP_TIMEOUT_SECONDS", "-1", "greater than 0"),
        ("IKU_PUBLIC_BASE_URL", "notaurl", "http:// or https://"),
        ("IKU_S3_ENDPOINT_URL", "not-a-url", "http:// or https://"),
        ("IKU_S3_ENDPOINT_URL", "ftp://x", "http:// or https://"),
        ("IKU_TSA_URL", "tsa.example.id", "http:// or https://"),
        ("IKU_DATA_DIR", "", "is empty"),
        ("IKU_DATA_DIR", "  ", "is empty"),
        ("IKU_WEB_PORT", "-1", "greater than or equal to 1"),
        ("IKU_TEMPORAL_UI_PORT", "99999", "less than or equal to 65535"),
        ("IKU_SMTP_PORT", "0", "greater than or equal to 1"),
        ("IKU_OPS_IDENTITIES", "[]", "name at least one"),
        ("IKU_BUREAU_IDENTITIES", " , ", "name at least one"),
        ("IKU_REPORTING_DATABASE_URL", f"garbage{PASSWORD}", "is not a database URL"),
        ("IKU_REPORTING_DATABASE_URL", f"postgresql://u:{PASSWORD}@h:notaport/db", "port"),
        ("IKU_REPORTING_DATABASE_URL", f"mysql://u:{PASSWORD}@h/db", "not installed (mysql)"),
        ("IKU_REPORTING_DATABASE_URL", f"nosuch://u:{PASSWORD}@h/db", "does not know"),
    ],
)
def test_a_setting_out_of_its_range_is_refused_naming_it(env, variable: str, value: str, said: str):
    env.setenv(variable, value)
    with pytest.raises(SETTINGS_ERRORS) as caught:
        Settings()
    problem = settings_problem(caught.value)
    assert problem.startswith(variable) and said in problem
    assert PASSWORD not in problem and "\n" not in problem


def test_the_settings_in_range_still_load(env):
    env.setenv("IKU_PUBLIC_BASE_URL", "https://iku.kemnaker.go.id/")
    env.setenv("IKU_S3_ENDPOINT_URL", "http://seaweedfs:8333")
    env.setenv("IKU_REPORTING_DATABASE_URL", f"postgresql+psycopg://iku:{PASSWORD}@db/iku")
    env.setenv("IKU_WEB_PORT", "65535")
    env.setenv("IKU_LINK_GRACE_DAYS", "0")
    assert Settings().web_port == 65535


# --- the reporting database ----------------------------------------------------------------


def test_an_unreadable_database_url_is_refused_by_migrate_in_one_line(env, capsys):
    env.setenv("IKU_REPORTING_DATABASE_URL", f"postgresql://iku:{PASSWORD}@db:notaport/x")
    code, err = iku_main(capsys, "reporting", "migrate")
    assert code == 2 and "IKU_REPORTING_DATABASE_URL: its port is not a number" in err
    assert PASSWORD not in err


def test_a_database_away_is_one_line_without_its_password(env, capsys):
    url = f"postgresql+psycopg://iku:{PASSWORD}@127.0.0.1:{free_port()}/iku"
    env.setenv("IKU_REPORTING_DATABASE_URL", url)
    for command, said in (
        (("reporting", "migrate"), "could not be migrated"),
        (("reporting", "backfill", "--archives-only"), "could not be opened"),
    ):
        code, err = iku_main(capsys, *command)
        assert code == 1
        assert f"iku: the reporting database {said}: " in err and "refused" in err
        assert len(err.strip().splitlines()) == 1 and PASSWORD not in err


def test_a_database_failure_never_shows_the_password():
    url = f"postgresql+psycopg://iku:{PASSWORD}@db/iku"
    err = RuntimeError(f"could not log in as iku with {PASSWORD}\n(second line)")
    assert failure(err, url) == "could not log in as iku with *** (second line)"
    odd = "p@ss/word"
    encoded = "p%40ss%2Fword"
    said = failure(RuntimeError(f"{odd} {encoded}"), f"postgresql+psycopg://iku:{encoded}@db/x")
    assert said == "*** ***"


# --- the local run -------------------------------------------------------------------------


NOTHING = Options(temporal=False, mail=False, worker=False, web=False)


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("a-file", "it is a file, not a folder"),
        ("a-file/data", "a part of that path is a file, not a folder"),
        ("logs-a-file", "it is a file, not a folder"),
    ],
)
def test_a_data_folder_that_cannot_be_one_is_said_with_its_path(
    tmp_path: Path, where: str, said: str
):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "logs-a-file").mkdir()
    (tmp_path / "logs-a-file" / "logs").write_text("x")
    supervisor = Supervisor(Settings(data_dir=tmp_path / where), NOTHING)
    with pytest.raises(StartupError) as caught:
        supervisor._prepare()
    assert f"the data folder cannot be used: {tmp_path}" in str(caught.value)
    assert said in str(caught.value) and "--data-dir" in str(caught.value)


def test_a_data_folder_under_a_read_only_one_is_said_with_its_path(tmp_path: Path):
    parent = tmp_path / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    # Root writes anywhere: run without the capabilities that let it, as anyone else runs.
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    only = ["--no-temporal", "--no-mail", "--no-worker", "--no-web"]
    argv = [sys.executable, "-m", "devstack", *only, "--data-dir", str(parent / "data")]
    try:
        done = run([*(drop if os.geteuid() == 0 else []), *argv], {})
    finally:
        parent.chmod(0o755)
    assert done.returncode != 0
    assert f"the data folder cannot be used: {parent / 'data'}: Permission denied" in done.stdout
    said_plainly(done.stdout + done.stderr)


def test_a_port_that_cannot_be_bound_is_not_called_busy(tmp_path: Path):
    with pytest.raises(OSError):
        port_is_free("no.such.host.invalid", free_port())
    web = Options(temporal=False, mail=False, worker=False, web=True)
    settings = Settings(data_dir=tmp_path, web_host="no.such.host.invalid", web_port=free_port())
    with pytest.raises(StartupError) as caught:
        Supervisor(settings, web)._check_ports()
    said = str(caught.value)
    assert said.startswith("cannot bind no.such.host.invalid:") and "IKU_WEB_HOST" in said
    assert "already in use" not in said
    with socket.socket() as held:  # and one that is busy still is
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert port_is_free("127.0.0.1", port) is False
        busy = Settings(data_dir=tmp_path, web_port=port)
        with pytest.raises(StartupError, match="already in use"):
            Supervisor(busy, web)._check_ports()


# --- the worker ----------------------------------------------------------------------------


def test_the_worker_names_a_metrics_address_in_use(tmp_path: Path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        bind = f"127.0.0.1:{held.getsockname()[1]}"
        done = run(
            [sys.executable, "worker.py"],
            {"IKU_DATA_DIR": str(tmp_path), "IKU_WORKER_METRICS_BIND": bind},
        )
    assert done.returncode == 1
    assert f"the metrics endpoint cannot listen on {bind} (IKU_WORKER_METRICS_BIND)" in done.stderr
    said_plainly(done.stderr)


# --- numbers on the command line -----------------------------------------------------------


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e20", "-1", "abc", "86401"])
def test_a_number_argument_must_be_finite_and_in_range(text: str):
    with pytest.raises(argparse.ArgumentTypeError, match="from 0 to 86,400"):
        cluster.number(86_400)(text)


def test_a_number_argument_in_range_is_taken():
    assert cluster.number(86_400)("2.5") == 2.5
    assert cluster.number(86_400)("0") == 0
    assert cluster.number(36_500, whole=True, unit="days")("30") == 30
    with pytest.raises(argparse.ArgumentTypeError, match="whole number of days"):
        cluster.number(36_500, whole=True, unit="days")("1.5")


@pytest.mark.parametrize(
    "argv",
    [
        ["register-search-attributes", "--wait", "nan"],
        ["set-current-version", "--wait", "nan"],
        ["check-worker", "--within", "1e20"],
        ["check-worker", "--within", "-5"],
        ["ca", "list", "--ending", "3000000"],
    ],
)
def test_a_command_refuses_a_number_out_of_range_before_doing_anything(tmp_path: Path, argv):
    # A process of its own: past the argument, the command would ask Temporal and leave.
    env = {"IKU_DATA_DIR": str(tmp_path), "IKU_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}
    done = run([str(IKU), *argv], env)
    assert done.returncode == 2
    assert f"argument {argv[-2]}: {argv[-1]!r} is not a " in done.stderr
    said_plainly(done.stderr)


# --- links ---------------------------------------------------------------------------------


def test_links_resend_needs_an_ops_identity(env, capsys):
    env.setenv("IKU_OPS_IDENTITIES", "[]")
    code, err = iku_main(capsys, "links", "resend", "--dry-run")
    assert code == 2 and "IKU_OPS_IDENTITIES is empty: name at least one identity" in err


# --- Ctrl-C --------------------------------------------------------------------------------


def test_ctrl_c_in_a_command_is_one_line_and_130(env, capsys, monkeypatch):
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(iku, "run_migrate", interrupted)
    try:
        code, err = iku_main(capsys, "reporting", "migrate")
    except KeyboardInterrupt:  # not this session's own Ctrl-C
        pytest.fail("iku.main let the KeyboardInterrupt through")
    assert (code, err) == (130, "iku: interrupted\n")


def test_ctrl_c_while_temporal_is_asked_is_one_line_and_130(tmp_path: Path):
    # A server that accepts the connection and never answers: iku waits in connect.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
        environ |= {"IKU_TEMPORAL_ADDRESS": address, "IKU_DATA_DIR": str(tmp_path)}
        process = subprocess.Popen(
            [str(IKU), "check-worker"], cwd=ROOT, env=environ, stderr=subprocess.PIPE, text=True
        )
        try:
            silent.settimeout(60)
            connection, _ = silent.accept()
            time.sleep(0.2)  # from the socket's connect to the client's wait on it
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)
            connection.close()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 130
    assert err.strip() == "iku: interrupted"


# --- Temporal away, or refusing ------------------------------------------------------------


def test_a_backfill_with_temporal_away_fails_as_the_cluster_commands_do(tmp_path: Path):
    env = {"IKU_DATA_DIR": str(tmp_path), "IKU_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}
    backfill = run([str(IKU), "reporting", "backfill"], env)
    check = run([str(IKU), "check-worker"], env)
    assert backfill.returncode == check.returncode == 1
    assert "iku: cannot connect to Temporal at" in backfill.stderr
    said_plainly(backfill.stderr)


@pytest.mark.devserver
async def test_a_namespace_temporal_does_not_know_is_named_by_every_command(
    dev_env: WorkflowEnvironment, tmp_path: Path
):
    namespace = f"nope-{uuid.uuid4().hex[:6]}"
    env = {
        "IKU_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "IKU_TEMPORAL_NAMESPACE": namespace,
        "IKU_DATA_DIR": str(tmp_path),
    }
    commands = (["check-worker"], ["links", "resend"], ["reporting", "backfill"])
    for command in commands:
        done = await _run_async([str(IKU), *command], env)
        assert done.returncode == 1, (command, done.stderr)
        assert f"Namespace {namespace} is not found; is IKU_TEMPORAL_NAMESPACE" in done.stderr
        said_plainly(done.stderr)
    worker = await _run_async([sys.executable, "worker.py"], env)
    assert worker.returncode == 1
    assert f"refused namespace {namespace} (IKU_TEMPORAL_NAMESPACE)" in worker.stderr
    assert "polling" not in worker.stderr
    said_plainly(worker.stderr)


@pytest.mark.devserver
async def test_the_worker_names_a_reporting_database_away(
    dev_env: WorkflowEnvironment, tmp_path: Path
):
    env = {
        "IKU_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "IKU_DATA_DIR": str(tmp_path),
        "IKU_REPORTING_DATABASE_URL": (
            f"postgresql+psycopg://iku:{PASSWORD}@127.0.0.1:{free_port()}/iku"
        ),
    }
    worker = await _run_async([sys.executable, "worker.py"], env)
    assert worker.returncode == 1
    assert "the reporting database cannot be used: " in worker.stderr
    assert PASSWORD not in worker.stderr and "polling" not in worker.stderr
    said_plainly(worker.stderr)


async def _run_async(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    import asyncio

    return await asyncio.to_thread(run, argv, env)


# --- the backfill's bags -------------------------------------------------------------------

RUN = "3f9c2a1e-0000-4000-8000-00000000000"
PROCESS = {
    "year": 2027,
    "code": "kemnaker",
    "title": "IKU Kementerian Ketenagakerjaan 2027",
    "started_by": "kasubag",
}


def write_bag(folder: Path, code: str, **files: object) -> Path:
    """A bag as the archive activity makes one, holding ``files`` (riwayat, status, sop)
    as JSON, or written as given when a string."""
    folder.mkdir(parents=True)
    started = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    records: dict[str, object] = {
        "riwayat": [{"seq": 1, "at": started.isoformat(), "event": "started", "step": 1}],
        "status": {"workflow_id": f"iku-2027-{code}", "process": PROCESS | {"code": code}},
        "sop": {"process": {"run_id": RUN + "1"}},
    }
    records |= files
    for name, content in records.items():
        if content is not None:
            text = content if isinstance(content, str) else json.dumps(content)
            (folder / f"{name}.json").write_text(text)
    cwd = os.getcwd()
    try:  # make_bag changes the working directory while it works
        stamp = (started + timedelta(days=30)).isoformat()
        bagit.make_bag(str(folder), {BAG_TIMESTAMP_FIELD: stamp}, checksums=["sha256"])
    finally:
        os.chdir(cwd)
    return folder


def name(n: int, code: str) -> str:
    return f"iku-2027-{code}--{RUN}{n}"


def test_a_backfill_skips_an_unreadable_bag_naming_what_is_wrong_and_goes_on(
    env, tmp_path: Path, capsys
):
    settings = Settings()
    archive = settings.archive_dir
    write_bag(archive / name(1, "baik"), "baik")
    (write_bag(archive / name(2, "tanpabagit"), "tanpabagit") / "bagit.txt").unlink()
    write_bag(archive / name(3, "statuslist"), "statuslist", status=[1, 2])
    write_bag(archive / name(4, "riwayatrusak"), "riwayatrusak", riwayat=[{"seq": "x"}])
    write_bag(archive / name(5, "tanpaproses"), "x", status={"workflow_id": "iku-2027-x"})
    write_bag(archive / name(6, "bukanjson"), "bukanjson", sop="{not json")
    db = ReportingDatabase(settings)
    try:
        report = backfill_archives(db, settings)
    finally:
        db.dispose()
    assert report.processes == 1 and report.events > 0
    skipped = "\n".join(report.skipped)
    assert f"{name(2, 'tanpabagit')}: not a readable bag (" in skipped and "bagit.txt" in skipped
    assert f"{name(3, 'statuslist')}: data/status.json is not a JSON object" in skipped
    assert f"{name(4, 'riwayatrusak')}: data/riwayat.json: entry 0.seq: " in skipped
    assert f"{name(5, 'tanpaproses')}: data/status.json: process is missing" in skipped
    assert f"{name(6, 'bukanjson')}: data/sop.json is not JSON (" in skipped
    assert len(report.skipped) == 5

    code, err = iku_main(capsys, "reporting", "backfill", "--archives-only")
    assert code == 1  # something could not be read
    assert "archives: 1 processes, 0 new events" in err
    assert f"skipped {name(3, 'statuslist')}: data/status.json is not a JSON object" in err


def test_a_backfill_reads_the_archives_from_the_bucket(env, tmp_path: Path, s3_server: S3Server):
    settings = on_s3(Settings(), s3_server)
    archives = open_archive_store(settings)
    for n, code in ((1, "dibucket"), (2, "statuslist")):
        folder = archives.scratch_dir / f".tmp-{n}"
        write_bag(folder, code, **({"status": []} if code == "statuslist" else {}))
        archives.publish(folder, name(n, code))
    db = ReportingDatabase(settings)
    try:
        report = backfill_archives(db, settings)
        assert (report.processes, report.skipped) == (
            1,
            [f"{name(2, 'statuslist')}: data/status.json is not a JSON object"],
        )
        assert report.events > 0
        assert backfill_archives(db, settings).events == 0  # the same again: nothing new
    finally:
        db.dispose()
