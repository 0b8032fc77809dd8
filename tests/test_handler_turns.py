"""A decision waits for the work its workflow task brought (workflows/PATCHES.md).

A worker asked for a process's status while the process is out of its memory replays the
history the server sends, and that history can end with a mail's completion whose workflow
task has not run yet: the worker applies the completion then, and the reporter starts its
write. The Kasubbag's submission comes with that workflow task. A replay later reads the
completion and the submission in one activation, and both must start their local
activities in the order the live run did, or the process cannot go on ("Failed decoding
arguments": the submission's document check handed the write's count).

The query's timing cannot be forced from a test, so the second test checks the order the
fix gives when the two arrive together anyway: the reporter's write first, as a worker that
had answered a query in between would have done it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.notify import NotifyActivities
from common.converter import data_converter
from common.models import Action, Assignment, Notification, NotificationResult
from common.settings import Settings
from tests.conftest import end_left_running, serving
from tests.scenario import KASUBAG, Scenario
from tests.support import eventually, local_activity_type, settle
from worker import activities, build_worker, workflow_runner
from workflows.changes import CHANGES_AFTER_V0_1_0_H, CHANGES_AFTER_V0_1_0_H_COVERS
from workflows.iku import IkuWorkflow

# The SDK's flag for applying every job of an activation before workflow code runs.
SINGLE_BATCH = 2


async def test_a_new_process_records_the_one_batch_order_and_its_handlers_turn(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    async with serving(dev_env, settings, listed=True):
        p = await Scenario(dev_env.client, settings).start()
        await settle(p.handle, within=30)
        history = await p.handle.fetch_history()
    first_completed = next(
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    metadata = first_completed.workflow_task_completed_event_attributes.sdk_metadata
    assert SINGLE_BATCH in metadata.lang_used_flags, metadata
    patches = [
        e.marker_recorded_event_attributes.SerializeToString()
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    # One patch for every change since v0.1.0, the handlers' turn among them.
    assert len(patches) == 1 and CHANGES_AFTER_V0_1_0_H.encode() in patches[0], patches
    assert "handlers-after-their-task" in CHANGES_AFTER_V0_1_0_H_COVERS


class SlowMail(NotifyActivities):
    """Mail that takes a few seconds to hand over: time to send the workflow's worker away."""

    @activity.defn(name="send_notification")
    async def send_notification(self, notification: Notification) -> NotificationResult:
        await asyncio.sleep(3)
        return await super().send_notification(notification)


async def test_the_mail_goes_out_while_ops_assign_the_task_and_the_write_goes_first(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    """The Kasubbag submits; the mail to the Kabag goes out while the worker that runs the
    process is away, and ops assign the Kabag's task to someone else meanwhile; the worker
    that comes back gets the mail's completion and the assignment in one workflow task.
    The reporter's write (brought by the mail) starts before the assignment's lookup."""
    client = dev_env.client
    mail = SlowMail(settings)
    others = [
        a
        for a in activities(settings)
        if getattr(a, "__name__", "") != mail.__class__.send_notification.__name__
    ]

    def process_worker() -> Worker:
        # Local activities only: the mail goes to the other worker, which stays.
        return build_worker(client, settings, no_remote_activities=True)

    async with Worker(
        client,
        task_queue=settings.task_queue,
        activities=[*others, mail.send_notification],
        activity_executor=ThreadPoolExecutor(4),
    ):
        async with process_worker():
            p = await Scenario(client, settings).start()
            await settle(p.handle, within=30)
            proposal = [
                p.document("konsep_rencana_kerja", "Konsep Rencana Kerja"),
                p.document("tor", "TOR penyusunan IKU"),
            ]
            decision = await p.decision(KASUBAG, Action.SUBMIT, documents=proposal)
            submitted = await p.handle.execute_update(IkuWorkflow.decide, decision)
            assert submitted.next_task is not None
        sent_before = await completed_activities(p)

        async def mailed() -> None:
            assert await completed_activities(p) > sent_before

        await eventually(mailed, within=30)
        assignment = Assignment(
            task_id=submitted.next_task.id, person="p-011", by="ops", reason="Kabag dinas luar"
        )
        assigning = asyncio.create_task(p.handle.execute_update(IkuWorkflow.assign, assignment))
        await asyncio.sleep(1)  # the assignment waits on the server with the mail's task
        async with process_worker():
            assigned = await assigning
            assert assigned.task is not None and assigned.task.assignees == ["p-011"]
            await settle(p.handle, within=30)
            history = await p.handle.fetch_history()
            await end_left_running(client, settings.task_queue)

    # The workflow task that took the assignment, from its acceptance on.
    accepted = next(
        i
        for i, e in enumerate(history.events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "assign"
    )
    completed_before = max(
        i
        for i, e in enumerate(history.events[:accepted])
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    local = [t for e in history.events[completed_before:] if (t := local_activity_type(e))]
    assert local[:2] == ["record_events", "find_people"], local
    await Replayer(
        workflows=[IkuWorkflow],
        data_converter=data_converter,
        workflow_runner=workflow_runner(settings),
    ).replay_workflow(history)


async def completed_activities(p: Scenario) -> int:
    history = await p.handle.fetch_history()
    return sum(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED for e in history.events)
