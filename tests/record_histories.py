"""Record workflow histories for the replay test.

    uv run python -m tests.record_histories

Runs representative processes against the time-skipping server (and the dev server for
continue-as-new) with real activities, and writes each run's history to
``tests/histories/v<version>/<name>.json``, the folder of this release (pyproject's version).
Folders of earlier releases are never rewritten: their processes may still be running when
this release is deployed, so they must keep replaying (tests/test_replay.py). Re-record the
current release's folder only for an intended, patched change.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from common.models import Assignment, CancelRequest, ResendRequest
from common.settings import Settings
from common.version import VERSION
from common.workflow_calls import RECHECK_ACTING, RECHECK_CALENDAR
from tests.conftest import MailBox
from tests.scenario import (
    KABAG,
    KARO,
    MENTERI,
    SEKJEN,
    Scenario,
    appointment,
    rewrite_acting,
    write_directory,
)
from tests.signatures import PLH_KABAG, everyone, make_keys
from tests.support import sleep_until, smtp_server, start_dev_server, start_time_skipping
from worker import build_worker
from workflows.iku import IkuWorkflow
from workflows.sop import WIB

HERE = Path(__file__).parent / "histories" / f"v{VERSION}"


async def happy_path(p: Scenario, env: WorkflowEnvironment) -> None:
    await p.walk_to_end()


async def returns_and_new_versions(p: Scenario, env: WorkflowEnvironment) -> None:
    await p.walk_to(2)
    await p.return_(KABAG, "TOR belum lengkap.")
    await p.walk_to(10)
    await p.return_(SEKJEN, "Sesuaikan Renstra.")
    await p.approve(KARO, new_draft="Draf v2")
    await p.walk_to(11)
    await p.return_(MENTERI, "Perjelas target.")
    await p.approve(SEKJEN, "Sudah diperjelas.")
    await p.walk_to_end()


async def overdue_with_escalations(p: Scenario, env: WorkflowEnvironment) -> None:
    # Past the last escalation, by the calendar (a fixed number of days falls short before
    # a long holiday).
    await sleep_until(env, p.escalation_times(await p.task())[-1] + timedelta(minutes=1))
    await p.until(lambda s: s.task is not None and s.task.escalations_sent == 3)
    await p.handle.execute_update(
        IkuWorkflow.resend, ResendRequest(task_id=(await p.task()).id, by="ops")
    )
    await p.do_step()
    await p.handle.signal("decide", {"task_id": "s99-999", "person": KABAG, "action": "approve"})
    await p.until(lambda s: s.history[-1].event.value == "refused")
    await p.handle.execute_update(
        IkuWorkflow.assign,
        Assignment(task_id=(await p.task()).id, person="p-011", by=KARO, reason="Kabag dinas luar"),
    )
    await p.handle.execute_update(IkuWorkflow.cancel, CancelRequest(by=KARO, reason="Uji"))
    await p.handle.result()


async def continued_as_new(p: Scenario, env: WorkflowEnvironment) -> None:
    await p.walk_to_end()


async def acting_hand_over(p: Scenario, env: WorkflowEnvironment) -> None:
    # The Kabag's Plh is entered while his review waits (the watcher's signal), and takes
    # the task on her first morning; the Kabag signs his paraf himself after it.
    await p.walk_to(2)
    first_day = (await env.get_current_time()).astimezone(WIB).date() + timedelta(days=2)
    plh = appointment(PLH_KABAG, KABAG, first_day, first_day + timedelta(days=2))
    rewrite_acting(p.settings.directory_file, [plh])
    await p.handle.signal(RECHECK_ACTING)
    await p.until(lambda s: s.task is not None and KABAG in s.task.acting)
    await sleep_until(env, datetime.combine(first_day, time(7, 5), tzinfo=WIB))
    await p.until(lambda s: s.history[-1].event.value == "handed_over")
    await p.approve(PLH_KABAG, "Setuju (Plh Kabag).")
    await p.walk_to_end()


async def calendar_revised(p: Scenario, env: WorkflowEnvironment) -> None:
    # The government makes the Kasubbag's deadline day cuti bersama, then takes it back; the
    # watcher's signal each time, and the task's deadline follows at once.
    overrides = p.settings.calendar_overrides_file
    assert overrides is not None
    first = await p.task()
    assert first.deadline is not None
    day = first.deadline.astimezone(WIB).date()
    overrides.write_text(f"holidays:\n  - date: {day}\n    name: Cuti bersama\n")
    await p.handle.signal(RECHECK_CALENDAR)
    await p.until(lambda s: s.task is not None and s.task.deadline != first.deadline)
    overrides.write_text("holidays: []\n")
    await p.handle.signal(RECHECK_CALENDAR)
    await p.until(lambda s: s.task is not None and s.task.deadline == first.deadline)
    await p.walk_to_end()


async def escalated_after_closing(p: Scenario, env: WorkflowEnvironment) -> None:
    # The Kasubbag's deadline day and the next are made cuti bersama, and taken back at
    # 20.00 on the second: the first escalation fell due that morning, and goes out at
    # once (before patch mails-in-office-hours) or at the next opening (since).
    overrides = p.settings.calendar_overrides_file
    assert overrides is not None
    first = await p.task()
    assert first.deadline is not None
    escalations = p.escalation_times(first)
    off = [first.deadline.astimezone(WIB).date(), escalations[0].astimezone(WIB).date()]
    overrides.write_text("holidays:\n" + "".join(f"  - date: {d}\n    name: Cuti\n" for d in off))
    await p.handle.signal(RECHECK_CALENDAR)
    await p.until(lambda s: s.task is not None and s.task.deadline != first.deadline)
    evening = datetime.combine(off[-1], time(20), tzinfo=WIB)
    await sleep_until(env, evening)
    overrides.write_text("holidays: []\n")
    await p.handle.signal(RECHECK_CALENDAR)
    await p.until(lambda s: s.task is not None and s.task.overdue)
    await sleep_until(env, escalations[1] + timedelta(minutes=1))
    await p.until(lambda s: s.task is not None and s.task.escalations_sent == 2)
    await p.walk_to_end()


SCENARIOS: dict[str, tuple[Callable[[Scenario, WorkflowEnvironment], Awaitable[None]], bool]] = {
    # name: (what happens, needs the dev server)
    "happy_path": (happy_path, False),
    "returns_and_new_versions": (returns_and_new_versions, False),
    "overdue_with_escalations": (overdue_with_escalations, False),
    "continued_as_new": (continued_as_new, True),
    "acting_hand_over": (acting_hand_over, False),
    "calendar_revised": (calendar_revised, False),
    "escalated_after_closing": (escalated_after_closing, False),
}


async def record(name: str, env: WorkflowEnvironment, smtp_port: int, data: Path) -> None:
    run, _ = SCENARIOS[name]
    (data / name).mkdir(parents=True)
    # Without the example's dated acting appointments, as in the tests.
    settings = Settings(
        data_dir=data / name,
        task_queue=f"record-{name}",
        smtp_port=smtp_port,
        directory_file=write_directory(data / name),
        calendar_overrides_file=data / name / "calendar-overrides.yaml",
    )
    make_keys(settings.signing_dir, everyone())  # approving at 8–11 is signing
    async with build_worker(env.client, settings):
        limit = 80 if name == "continued_as_new" else None
        p = await Scenario(
            env.client, settings, code=f"replay-{name.replace('_', '-')}", history_event_limit=limit
        ).start()
        await run(p, env)
        # Run to the end (its last mails included) before the worker stops.
        await p.handle.result()
        await write_histories(env.client, p)


async def write_histories(client: Client, p: Scenario) -> None:
    """One file per run, named by workflow id (replay needs it): <id>@run<n>.json."""
    for stale in HERE.glob(f"{p.id}@run*.json"):  # a run fewer than last time
        stale.unlink()
    run_id: str | None = p.first_run_id
    index = 0
    while run_id:
        handle = client.get_workflow_handle(p.id, run_id=run_id)
        history = await handle.fetch_history()
        (HERE / f"{p.id}@run{index}.json").write_text(
            json.dumps(json.loads(history.to_json()), indent=1) + "\n"
        )
        last = history.events[-1]
        attrs = last.workflow_execution_continued_as_new_event_attributes
        run_id = (
            attrs.new_execution_run_id
            if last.HasField("workflow_execution_continued_as_new_event_attributes")
            else None
        )
        index += 1


async def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    box = MailBox()
    with smtp_server(box) as port, tempfile.TemporaryDirectory() as tmp:
        async with await start_time_skipping() as env:
            for name, (_, dev) in SCENARIOS.items():
                if not dev:
                    await record(name, env, port, Path(tmp))
        async with await start_dev_server() as env:
            for name, (_, dev) in SCENARIOS.items():
                if dev:
                    await record(name, env, port, Path(tmp))
    print("\n".join(sorted(p.name for p in HERE.glob("*.json"))))


if __name__ == "__main__":
    asyncio.run(main())
