"""What the operator sees once everything is up: where things are, how to start a process."""

from __future__ import annotations

import json
import shlex

from common.settings import Settings
from devstack.options import Options
from devstack.ports import local_url
from devstack.temporal import LOOPBACK

# IkuWorkflow takes the process as plain JSON (common/models.py, WorkflowInput).
EXAMPLE_PROCESS = {
    "year": 2027,
    "code": "kemnaker",
    "title": "IKU Kemnaker 2027",
    "started_by": "p-001",
}
READY = "IKU devstack is running"


def banner(settings: Settings, options: Options) -> list[str]:
    ui = (
        f"http://{LOOPBACK}:{settings.temporal_ui_port}"
        if options.temporal
        else "(Temporal runs elsewhere: --no-temporal)"
    )
    web = (
        f"http://{settings.web_host}:{settings.web_port}"
        if options.web
        else "not started (--no-web)"
    )
    mail = (
        f"{settings.mail_dir}  (SMTP on {LOOPBACK}:{settings.smtp_port})"
        if options.mail
        else "no sink (--no-mail)"
    )
    return [
        "",
        READY,
        f"  Temporal Web UI   {ui}",
        f"  Temporal          {settings.temporal_address}, namespace {settings.temporal_namespace}",
        f"  Web layer         {web}",
        f"  Worker            {'task queue ' + settings.task_queue if options.worker else 'not started (--no-worker)'}",  # noqa: E501
        f"  Data folder       {settings.data_dir}",
        f"  Mail kept in      {mail}",
        *outbox_lines(settings, options),
        *bureau_lines(settings, options),
        f"  Logs              {settings.data_dir / 'logs'}",
        "Start a process:",
        "  " + start_command(settings),
        "Stop everything: Ctrl-C",
        "",
    ]


def outbox_url(settings: Settings) -> str:
    # The outbox answers only a browser on this machine, so name the loopback address even
    # when the web layer listens on every interface.
    return f"{local_url(settings.web_host, settings.web_port)}/outbox"


def outbox_lines(settings: Settings, options: Options) -> list[str]:
    """Where the outbox is and how to sign in to it.

    The password itself is not printed: it opens every official's personal task links, and
    console output ends up in scrollback, screen shares and pasted logs. Its file is
    readable by this user only; `cat` it when asked.
    """
    if not options.web:
        return []
    if not settings.outbox_enabled:
        why = "--no-mail" if not options.mail else "IKU_OUTBOX_ENABLED=false"
        return [f"  Outbox            off ({why})"]
    if not settings.ops_identities:
        return [
            f"  Outbox            {outbox_url(settings)}  (no user: IKU_OPS_IDENTITIES is empty)"
        ]
    if settings.ops_password is not None:
        where = "the value of IKU_OPS_PASSWORD"
    else:
        where = f"kept in {settings.data_dir / 'ops-password'} (yours only; cat it)"
    return [
        f"  Outbox            {outbox_url(settings)}  (every mail, with its task links)",
        f"    sign in as      {settings.ops_identities[0]}",
        f"    password        {where}",
    ]


def bureau_lines(settings: Settings, options: Options) -> list[str]:
    """Where the planning bureau signs in, and where the credentials are kept (never the
    credentials themselves, for the same reason as the outbox's)."""
    if not options.web:
        return []
    base = local_url(settings.web_host, settings.web_port)

    def kept(name: str, configured: object, variable: str) -> str:
        return (
            f"the value of {variable}"
            if configured is not None
            else f"{settings.data_dir / name} (cat it)"
        )

    lines = [
        f"  Bureau pages      {base}/masuk  (start and follow processes; API docs at {base}/docs)"
    ]
    if settings.bureau_identities:
        lines.append(
            f"    bureau          {settings.bureau_identities[0]}, password "
            + kept("bureau-password", settings.bureau_password, "IKU_BUREAU_PASSWORD")
        )
    if settings.ops_identities:
        lines.append(
            f"    ops             {settings.ops_identities[0]}, password "
            + kept("ops-password", settings.ops_password, "IKU_OPS_PASSWORD")
        )
    lines.append(
        "    API tokens      "
        + kept("bureau-api-token", settings.bureau_api_token, "IKU_BUREAU_API_TOKEN")
        + ", "
        + kept("ops-api-token", settings.ops_api_token, "IKU_OPS_API_TOKEN")
    )
    lines.append(
        f"  Metrics           {base}/metrics  (bearer token "
        + kept("metrics-token", settings.metrics_token, "IKU_METRICS_TOKEN")
        + ")"
    )
    if settings.worker_metrics_bind:
        lines.append(f"    worker          http://{settings.worker_metrics_bind}/metrics")
    from signing.ca import CertificateAuthority

    sheet = CertificateAuthority(
        settings.signing_dir, settings.ca_private_dir
    ).initial_passphrases_path
    lines.append(f"    TTE passphrases {sheet} (cat it; each official's first one)")
    return lines


def start_command(settings: Settings) -> str:
    # The project's wrapper: it works in a new shell, where `uv` may not be on PATH.
    argv = ["scripts/temporal", "workflow", "start"]
    # The CLI's defaults are localhost:7233 and "default"; name only what differs.
    if settings.temporal_address not in ("127.0.0.1:7233", "localhost:7233"):
        argv += ["--address", settings.temporal_address]
    if settings.temporal_namespace != "default":
        argv += ["--namespace", settings.temporal_namespace]
    argv += [
        "--type",
        "IkuWorkflow",
        "--task-queue",
        settings.task_queue,
        "--workflow-id",
        f"iku-{EXAMPLE_PROCESS['year']}-{EXAMPLE_PROCESS['code']}",
        # Without it the CLI quietly shows the running process instead of refusing; and an
        # id whose process has ended (archived or cancelled) is never given a second run.
        "--fail-existing",
        # A process id stays one process for ever: the id of an archived or cancelled
        # process is not started again (a new attempt is a revision).
        "--id-reuse-policy",
        "RejectDuplicate",
        "--static-summary",
        f"IKU {EXAMPLE_PROCESS['year']} {EXAMPLE_PROCESS['code']}",
        "--input",
        # The hand-over limit the web layer gives every process it starts (a process started
        # without one never continues as new, and its history grows for its whole life).
        json.dumps(
            {**EXAMPLE_PROCESS, "history_event_limit": settings.history_events_per_run},
            separators=(",", ":"),
        ),
    ]
    return shlex.join(argv)
