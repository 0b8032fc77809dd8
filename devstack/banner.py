"""What the operator sees once everything is up: where things are, how to start a process."""

from __future__ import annotations

import json
import shlex

from common.settings import Settings
from devstack.options import Options
from devstack.temporal import LOOPBACK

# IkuWorkflow takes the process as plain JSON (common/models.py, WorkflowInput).
EXAMPLE_PROCESS = {"year": 2027, "code": "kemnaker", "title": "IKU Kemnaker 2027",
                   "started_by": "p-001"}
READY = "IKU devstack is running"


def banner(settings: Settings, options: Options) -> list[str]:
    ui = (f"http://{LOOPBACK}:{settings.temporal_ui_port}" if options.temporal
          else "(Temporal runs elsewhere: --no-temporal)")
    web = (f"http://{settings.web_host}:{settings.web_port}" if options.web
           else "not started (--no-web)")
    mail = (f"{settings.mail_dir}  (SMTP on {LOOPBACK}:{settings.smtp_port})" if options.mail
            else "no sink (--no-mail)")
    return [
        "",
        READY,
        f"  Temporal Web UI   {ui}",
        f"  Temporal          {settings.temporal_address}, namespace {settings.temporal_namespace}",
        f"  Web layer         {web}",
        f"  Worker            {'task queue ' + settings.task_queue if options.worker else 'not started (--no-worker)'}",  # noqa: E501
        f"  Data folder       {settings.data_dir}",
        f"  Mail kept in      {mail}",
        f"  Logs              {settings.data_dir / 'logs'}",
        "Start a process:",
        "  " + start_command(settings),
        "Stop everything: Ctrl-C",
        "",
    ]


def start_command(settings: Settings) -> str:
    argv = ["uv", "run", "temporal", "workflow", "start"]
    # The CLI's defaults are localhost:7233 and "default"; name only what differs.
    if settings.temporal_address not in ("127.0.0.1:7233", "localhost:7233"):
        argv += ["--address", settings.temporal_address]
    if settings.temporal_namespace != "default":
        argv += ["--namespace", settings.temporal_namespace]
    argv += [
        "--type", "IkuWorkflow",
        "--task-queue", settings.task_queue,
        "--workflow-id", f"iku-{EXAMPLE_PROCESS['year']}-{EXAMPLE_PROCESS['code']}",
        # Without it the CLI quietly shows the running process instead of refusing.
        "--fail-existing",
        "--static-summary", f"IKU {EXAMPLE_PROCESS['year']} {EXAMPLE_PROCESS['code']}",
        "--input", json.dumps(EXAMPLE_PROCESS, separators=(",", ":")),
    ]
    return shlex.join(argv)
