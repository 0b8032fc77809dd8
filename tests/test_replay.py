"""Histories of processes recorded earlier still replay with today's code.

A process lives for months across many deploys: a change that would make a running
process non-deterministic must fail here, in CI, not in production. Guard intended changes
with ``workflow.patched(...)``; re-record (``python -m tests.record_histories``) only then.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.iku import IkuWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_recorded_histories_cover_the_main_paths():
    names = {p.stem.split("@")[0] for p in HISTORIES}
    assert {
        f"iku-2027-replay-{name}"
        for name in (
            "happy-path",
            "returns-and-new-versions",
            "overdue-with-escalations",
            "continued-as-new",
        )
    } <= names
    assert any(p.stem.endswith("@run1") for p in HISTORIES)  # a continued run


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_recorded_history_replays_without_non_determinism(path: Path):
    workflow_id = path.stem.split("@")[0]
    history = WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))
    replayer = Replayer(workflows=[IkuWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
