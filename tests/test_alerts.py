"""The alerts ops get (deploy/prometheus): each fires on made-up series when it should and
not otherwise (promtool's own unit tests), each names only metrics the system serves, and
a real Prometheus, configured from the committed file, scrapes a real worker and web layer
and raises them: a task mail that reached nobody, then the worker gone."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.exposition import generate_latest
from temporalio import workflow
from temporalio.client import WorkflowExecutionStatus
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities import archive, notify
from api.core.observability import WebMetrics
from common.settings import Settings
from common.temporal import connect, worker_runtime
from tests.metrics import scrape, value
from tests.processes import worker_and_web
from tests.scenario import KABAG, Scenario, without_email, write_directory
from tests.support import eventually, free_port
from worker import GC_PAUSE
from workflows import telemetry

pytestmark = pytest.mark.devserver

ROOT = Path(__file__).resolve().parent.parent
PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yml"


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: scripts/test installs Debian's prometheus package"
    return found


def promtool(*args: str, cwd: Path = PROMETHEUS) -> None:
    done = subprocess.run(
        [tool("promtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_alert_fires_when_it_should_and_stays_quiet_otherwise():
    promtool("check", "rules", RULES.name)
    promtool("test", "rules", "alerts.test.yml")


def test_every_alert_has_a_case_where_it_fires():
    cases = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
    fired = {
        check["alertname"]
        for case in cases
        for check in case["alert_rule_test"]
        if check["exp_alerts"]
    }
    assert fired == {rule["alert"] for rule in alerts()}


def served_names() -> set[str]:
    """Every series name the worker and the web layer can serve, as Prometheus sees it."""
    counters = [name for name, _ in telemetry.COUNTED.values()]
    counters += [telemetry.DECISIONS[0], telemetry.REPORTS_ABANDONED[0], notify.MAILS_SENT[0]]
    counters += [notify.MAIL_ATTEMPT_FAILURES[0], archive.ARCHIVE_ATTEMPT_FAILURES[0]]
    names = {f"{name}_total" for name in counters}
    names |= {f"{GC_PAUSE}_{part}" for part in ("bucket", "count", "sum")}
    web = generate_latest(WebMetrics().registry).decode()
    for family, kind in re.findall(r"^# TYPE (\w+) (\w+)$", web, re.MULTILINE):
        # A counter's family is written with its _total already.
        parts = ["_bucket", "_count", "_sum"] if kind == "histogram" else [""]
        names |= {family + part for part in parts}
    return names


def test_every_metric_the_alerts_name_is_one_the_system_serves():
    named = {n for rule in alerts() for n in re.findall(r"\biku_\w+", rule["expr"])}
    assert named and named <= served_names(), named - served_names()


def compressed(rules: str, window: str) -> str:
    """The rules with every window, offset and ``for`` made ``window``: a live Prometheus
    can then show in seconds what it shows in hours (the timing is the unit tests')."""
    rules = re.sub(r"\[\d+[smhd]\]", f"[{window}]", rules)
    rules = re.sub(r"offset \d+[smhd]", f"offset {window}", rules)
    return re.sub(r"for: \d+[smhd]", "for: 1s", rules)


def live_config(tmp_path: Path, settings: Settings, worker: str, web: str) -> Path:
    """prometheus.yml as committed, its replicas found by the addresses given here, the
    metrics token from a file, every second, and the rules compressed to seconds."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    (tmp_path / "alerts.yml").write_text(compressed(RULES.read_text(), "8s"))
    assert config["rule_files"] == ["alerts.yml"]
    token = tmp_path / "metrics-token"
    token.write_text(settings.metrics_token_value())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"iku-worker", "iku-web"}
    for name, target in (("iku-worker", worker), ("iku-web", web)):
        (found,) = jobs[name].pop("dns_sd_configs")
        assert found["type"] == "A"
        jobs[name]["static_configs"] = [{"targets": [target]}]
    assert jobs["iku-web"]["authorization"]["type"] == "Bearer"
    jobs["iku-web"]["authorization"]["credentials_file"] = str(token)
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    promtool("check", "config", str(path), cwd=tmp_path)
    return path


class Prometheus:
    """Debian's prometheus binary on a free loopback port, asked through its HTTP API."""

    def __init__(self, config: Path, log: Path) -> None:
        self.base = f"http://127.0.0.1:{free_port()}"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    tool("prometheus"),
                    f"--config.file={config}",
                    f"--storage.tsdb.path={config.parent / 'data'}",
                    f"--web.listen-address={self.base.removeprefix('http://')}",
                ],
                stdout=out,
                stderr=out,
            )

    async def ready(self) -> None:
        async def answers() -> None:
            assert self.process.poll() is None, "prometheus exited: see its log"
            try:
                async with httpx.AsyncClient(timeout=5) as http:
                    answer = await http.get(f"{self.base}/-/ready")
            except httpx.HTTPError as error:
                raise AssertionError(f"prometheus does not answer yet: {error}") from None
            assert answer.status_code == 200, answer.text

        await eventually(answers, within=60, interval=0.3)

    async def get(self, path: str, **params: str) -> Any:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(self.base + path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    async def firing(self) -> dict[str, list[dict[str, str]]]:
        found: dict[str, list[dict[str, str]]] = {}
        for alert in (await self.get("/api/v1/alerts"))["alerts"]:
            if alert["state"] == "firing":
                found.setdefault(alert["labels"]["alertname"], []).append(alert["labels"])
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The Kabag without an email; the web layer answering only its public name, as a
    deployment's does (Prometheus calls it by address)."""
    settings.directory_file = write_directory(tmp_path, change=without_email(KABAG))
    settings.allowed_hosts = ["iku.kemnaker.go.id"]
    return settings


async def test_a_real_prometheus_raises_a_task_mail_that_reached_nobody_then_the_worker_gone(
    dev_env, settings: Settings, tmp_path: Path
):
    port = free_port()
    worker = f"127.0.0.1:{free_port()}"
    ours = settings.model_copy(
        update={"public_base_url": f"http://127.0.0.1:{port}", "worker_metrics_bind": worker}
    )
    async with worker_and_web(dev_env.client, ours, tmp_path / "parts.log", port) as (parts, _):
        config = live_config(tmp_path, ours, worker, f"127.0.0.1:{port}")
        prometheus = Prometheus(config, tmp_path / "prometheus.log")
        try:
            await prometheus.ready()

            async def scraped() -> None:
                targets = (await prometheus.get("/api/v1/targets"))["activeTargets"]
                health = {t["labels"]["job"]: t["health"] for t in targets}
                assert health == {"iku-worker": "up", "iku-web": "up"}, targets

            await eventually(scraped, within=60, interval=0.5)
            # Both have been up for a window: a counter that appears now is new.
            await eventually(lambda: quiet_and_sound(prometheus), within=30, interval=1)

            p = await Scenario(dev_env.client, ours).start()
            await p.do_step()  # the Kasubbag submits: the Kabag's task mail has no address

            async def raised() -> None:
                firing = await prometheus.firing()
                assert firing.get("IkuMailNotDelivered") == [
                    {"alertname": "IkuMailNotDelivered", "kind": "task", "severity": "warning"}
                ], firing

            await eventually(raised, within=30, interval=0.5)

            # The worker killed: its scrape fails, and no worker is left.
            parts[0].kill()

            async def worker_gone() -> None:
                firing = await prometheus.firing()
                assert "IkuNoWorker" in firing and "IkuTargetDown" in firing, firing
                assert [a["job"] for a in firing["IkuTargetDown"]] == ["iku-worker"]
                assert "IkuNoWebLayer" not in firing

            await eventually(worker_gone, within=30, interval=0.5)
        finally:
            prometheus.stop()


async def quiet_and_sound(prometheus: Prometheus) -> None:
    """Every rule evaluates without an error, and nothing fires, on a healthy system."""
    rules = [r for g in (await prometheus.get("/api/v1/rules"))["groups"] for r in g["rules"]]
    assert len(rules) == len(alerts())
    assert all(r["health"] == "ok" for r in rules), [r for r in rules if r["health"] != "ok"]
    assert all(r["lastEvaluation"] > "2000" for r in rules)
    query = 'count_over_time(up{job="iku-worker"}[8s])'
    (up_for,) = (await prometheus.get("/api/v1/query", query=query))["result"]
    assert float(up_for["value"][1]) >= 8
    assert await prometheus.firing() == {}


@workflow.defn(name="OpsUpgradeProbe")
class _Released:
    """A process as the running release wrote it: it waits on a timer."""

    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(timedelta(days=1))

    @workflow.signal
    def nudge(self) -> None:
        pass


@workflow.defn(name="OpsUpgradeProbe")
class _ChangedWithoutPatch:
    """The next release, changed without workflow.patched: no timer where it was."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal
    def nudge(self) -> None:
        pass


async def test_an_upgrade_that_cannot_replay_a_running_process_shows_as_failed_workflow_tasks(
    dev_env, settings: Settings
):
    # The metric IkuWorkflowTasksFailing reads, as a real worker serves it.
    (rule,) = [r for r in alerts() if r["alert"] == "IkuWorkflowTasksFailing"]
    queue = settings.task_queue
    plain = {"task_queue": queue, "workflow_runner": UnsandboxedWorkflowRunner()}
    async with Worker(dev_env.client, workflows=[_Released], max_cached_workflows=0, **plain):
        handle = await dev_env.client.start_workflow(
            "OpsUpgradeProbe", id=f"ops-upgrade-{queue}", task_queue=queue
        )

        async def waiting() -> None:
            events = [e async for e in handle.fetch_history_events()]
            assert any(e.HasField("timer_started_event_attributes") for e in events)

        await eventually(waiting, within=30)
    bind = f"127.0.0.1:{free_port()}"
    client = await connect(
        settings.model_copy(
            update={"temporal_address": dev_env.client.service_client.config.target_host}
        ),
        runtime=worker_runtime(settings, bind),
    )
    try:
        async with Worker(client, workflows=[_ChangedWithoutPatch], **plain):
            await handle.signal("nudge")  # a workflow task: the new code replays the history

            async def failing() -> None:
                samples = await scrape(f"http://{bind}/metrics")
                name = "temporal_workflow_task_execution_failed_total"
                reason = {"failure_reason": "NonDeterminismError"}
                assert value(samples, name, workflow_type="OpsUpgradeProbe", **reason) >= 1
                assert name in rule["expr"] and 'service="iku-worker"' in rule["expr"]
                assert {"service": "iku-worker"}.items() <= next(
                    have for n, have, _ in samples if n == name
                ).items()

            await eventually(failing, within=60, interval=0.5)
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    finally:
        await handle.terminate("test over")
