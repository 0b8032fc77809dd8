"""Histories of processes recorded under every release still replay with today's code.

A process lives for months across many deploys: a change that would make a running
process non-deterministic must fail here, in CI, not in production. ``tests/histories/``
holds one folder per release (``v0.1.0/``, …), never rewritten once released; guard
intended changes with ``workflow.patched(...)`` and re-record only the current release's
folder (``python -m tests.record_histories``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from common.converter import data_converter
from workflows.iku import IkuWorkflow

ROOT = Path(__file__).parent / "histories"
RELEASES = sorted(p for p in ROOT.iterdir() if p.is_dir())
# Processes started on `main` between releases (a local run keeps its processes across
# updates), named by the commit they were recorded on: a fold or patch that no release
# carried, whose runs must still replay (workflows/PATCHES.md).
BETWEEN = Path(__file__).parent / "histories_between_releases"
HISTORIES = sorted(ROOT.glob("v*/*.json")) + sorted(BETWEEN.glob("*/*.json"))


def test_histories_are_kept_per_release():
    assert RELEASES, "no release folder under tests/histories"
    assert not list(ROOT.glob("*.json")), "a history outside a release folder"
    for release in RELEASES:
        assert re.fullmatch(r"v\d+\.\d+\.\d+", release.name), release.name


@pytest.mark.parametrize("release", RELEASES, ids=[p.name for p in RELEASES])
def test_each_release_recorded_the_main_paths(release: Path):
    paths = sorted(release.glob("*.json"))
    names = {p.stem.split("@")[0] for p in paths}
    assert {
        f"iku-2027-replay-{name}"
        for name in (
            "happy-path",
            "returns-and-new-versions",
            "overdue-with-escalations",
            "continued-as-new",
        )
    } <= names
    assert any(p.stem.endswith("@run1") for p in paths)  # a continued run


@pytest.mark.parametrize("path", HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES])
async def test_a_recorded_history_replays_without_non_determinism(path: Path):
    workflow_id = path.stem.split("@")[0]
    history = WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))
    replayer = Replayer(workflows=[IkuWorkflow], data_converter=data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
