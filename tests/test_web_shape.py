"""The web layer's shape: three front doors over one core that imports none of them, and
routers that take Temporal and the app's state from dependencies."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

API = Path(__file__).resolve().parent.parent / "api"
FRONT_DOORS = ("api.tasks", "api.bureau", "api.rest")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_core_imports_no_front_door():
    for path in sorted((API / "core").glob("*.py")):
        wrong = {m for m in _imports(path) if m.startswith(FRONT_DOORS)}
        assert not wrong, f"{path.name} imports {sorted(wrong)}"


def test_no_front_door_imports_another():
    for door in FRONT_DOORS:
        others = tuple(d for d in FRONT_DOORS if d != door)
        for path in sorted((API / door.split(".")[1]).glob("*.py")):
            wrong = {m for m in _imports(path) if m.startswith(others)}
            assert not wrong, f"{door}/{path.name} imports {sorted(wrong)}"


def test_routers_reach_neither_the_app_state_nor_temporal_by_name():
    for door in FRONT_DOORS:
        for path in sorted((API / door.split(".")[1]).glob("*.py")):
            source = path.read_text(encoding="utf-8")
            assert "app.state" not in source, f"{door}/{path.name} reads app.state"
            assert "execute_update(" not in source and ".query(" not in source, path.name


def test_the_gateway_calls_the_workflow_only_through_its_declared_calls():
    source = (API / "core" / "gateway.py").read_text(encoding="utf-8")
    calls = re.findall(r"(?:_update|execute_update|query|start_workflow)\(\s*([^)]*)", source)
    assert calls
    for args in calls:
        assert not re.search(r"""^(?:[\w.]+,\s*)*["']""", args), f"a workflow call by name: {args}"
    for call in ("WORKFLOW_TYPE", "DECIDE", "ASSIGN", "RESEND", "CANCEL", "STATUS"):
        assert f"calls.{call}" in source


def test_the_web_layer_loads_without_the_workflow_and_its_activities():
    # The web image serves pages: typesetting, mail and the workflow loop are the worker's.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, api.app; print(' '.join(sys.modules))"],
        cwd=API.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    worker_side = sorted(
        m for m in loaded if m == "workflows.iku" or m.split(".")[0] in ("activities", "worker")
    )
    assert not worker_side, worker_side
