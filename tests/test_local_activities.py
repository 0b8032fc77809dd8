"""A process runs one local activity at a time. With two under way at once, a replay can
hand one's result to the other (sdk-python #1881): in CI the Kasubbag's document check once
got the reporting write's count after the worker had put the process out of its cache, and
the process could not go on.

Here two arrive in one workflow task: the worker is away while the Kasubbag's reminder
falls due and the Kasubbag submits, so the worker that comes back gets both at once (the
wake-up's lookup and the submission's document check)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.documents import DocumentActivities
from activities.opening import StepOpeningActivities
from activities.schedule import ScheduleActivities
from activities.staffing import StaffingActivities
from common.converter import data_converter
from common.models import Action, ClockRefresh, ClockRefreshRequest, DocumentsCheck
from common.settings import Settings
from tests.conftest import end_left_running, worker_replacing
from tests.scenario import KASUBAG, Scenario
from tests.support import settle, short_deadlines
from workflows.iku import IkuWorkflow

T = TypeVar("T")
LOOKUP_SECONDS = 0.5  # long enough for a second one to begin beside it


class InFlight:
    """The local activities each process has under way, and the most at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.calls: list[str] = []

    def run(self, kind: str, work: Callable[[], T]) -> T:
        workflow_id = activity.info().workflow_id
        with self._lock:
            self.calls.append(kind)
            self.now[workflow_id] += 1
            self.most[workflow_id] = max(self.most[workflow_id], self.now[workflow_id])
        try:
            time.sleep(LOOKUP_SECONDS)
            return work()
        finally:
            with self._lock:
                self.now[workflow_id] -= 1


class WatchedOpening(StepOpeningActivities):
    def __init__(self, settings: Settings, seen: InFlight) -> None:
        super().__init__(StaffingActivities(settings), ScheduleActivities(settings))
        self.seen = seen

    @activity.defn(name="refresh_clock")
    def refresh_clock(self, request: ClockRefreshRequest) -> ClockRefresh:
        return self.seen.run(
            "refresh_clock", lambda: super(WatchedOpening, self).refresh_clock(request)
        )


class WatchedDocuments(DocumentActivities):
    def __init__(self, settings: Settings, seen: InFlight) -> None:
        super().__init__(settings)
        self.seen = seen

    @activity.defn(name="missing_documents")
    def missing_documents(self, check: DocumentsCheck) -> list[str]:
        return self.seen.run(
            "missing_documents", lambda: super(WatchedDocuments, self).missing_documents(check)
        )


async def test_a_reminder_and_the_kasubbags_submission_in_one_task_take_turns_and_replay(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
):
    ours = short_deadlines(settings, tmp_path, step=1, minutes=0.5)
    seen = InFlight()

    def worker() -> Worker:
        return worker_replacing(
            dev_env.client,
            ours,
            {
                "refresh_clock": WatchedOpening(ours, seen).refresh_clock,
                "missing_documents": WatchedDocuments(ours, seen).missing_documents,
            },
        )

    async with worker():
        p = await Scenario(dev_env.client, ours).start()
        await settle(p.handle)
        proposal = [
            p.document("konsep_rencana_kerja", "Konsep Rencana Kerja"),
            p.document("tor", "TOR penyusunan IKU"),
        ]
        decision = await p.decision(KASUBAG, Action.SUBMIT, documents=proposal)
    # The worker is away: the reminder (15 s in) falls due, and the Kasubbag submits.
    await asyncio.sleep(20)
    submitting = asyncio.create_task(p.handle.execute_update(IkuWorkflow.decide, decision))
    await asyncio.sleep(2)
    async with worker():
        submitted = await submitting
        assert submitted.next_task is not None and submitted.next_task.step == 2
        await settle(p.handle)
        history = await p.handle.fetch_history()
        await end_left_running(dev_env.client, ours.task_queue)
    assert "refresh_clock" in seen.calls and "missing_documents" in seen.calls, seen.calls
    assert seen.most[p.id] == 1, f"{seen.most[p.id]} local activities at once: {seen.calls}"
    await Replayer(workflows=[IkuWorkflow], data_converter=data_converter).replay_workflow(history)
