"""The reporting database away for longer than a batch's hour of retries: the process goes
on, and the worker counts the batch it gave up on, so an alert (IkuReportingAbandoned) tells
ops to run ``iku reporting backfill``; a worker replaying the process counts it no more."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.reporting import ReportingActivities
from common.converter import data_converter
from common.models import ReportBatch
from common.settings import Settings
from common.temporal import connect, worker_runtime
from tests.conftest import end_left_running, worker_replacing
from tests.metrics import scrape, value
from tests.scenario import Scenario
from tests.support import eventually, free_port
from workflows import telemetry
from workflows.iku import IkuWorkflow

ABANDONED = f"{telemetry.REPORTS_ABANDONED[0]}_total"


class _DatabaseAway(ReportingActivities):
    """A reporting database that never answers."""

    @activity.defn(name="record_events")
    def record_events(self, batch: ReportBatch) -> int:
        raise ConnectionError("the reporting database does not answer")


async def test_a_batch_the_reporting_database_never_took_is_counted_for_ops_to_backfill(
    clock_env: WorkflowEnvironment, settings: Settings
):
    bind = f"127.0.0.1:{free_port()}"
    runtime = worker_runtime(settings, bind)
    target = clock_env.client.service_client.config.target_host
    client = await connect(
        settings.model_copy(update={"temporal_address": target}), runtime=runtime
    )
    away = {"record_events": _DatabaseAway(settings).record_events}
    mine = {"task_queue": settings.task_queue}
    async with worker_replacing(client, settings, away):
        p = await Scenario(clock_env.client, settings).start()
        # The first batch (started, step 1 entered) outlives its hour of retries.
        await clock_env.sleep(timedelta(hours=2))

        async def counted() -> float:
            samples = await scrape(f"http://{bind}/metrics")
            assert value(samples, ABANDONED, **mine) >= 1
            return value(samples, ABANDONED, **mine)

        abandoned = await eventually(counted, within=30)
        status = await p.status()
        assert status.step == 1 and status.task is not None  # the process went on
        history = await p.handle.fetch_history()
        await end_left_running(clock_env.client, settings.task_queue)
    # A worker picking the process up replays its history: nothing is counted again.
    replayer = Replayer(workflows=[IkuWorkflow], data_converter=data_converter, runtime=runtime)
    await replayer.replay_workflow(history)
    samples = await scrape(f"http://{bind}/metrics")
    assert value(samples, ABANDONED, **mine) == abandoned
    # No label names a process or a person: the log and the backfill find them.
    (labels,) = [have for n, have, _ in samples if n == ABANDONED]
    assert not {"workflow_id", "run_id"} & set(labels), labels
    assert not [v for v in labels.values() if p.id in v or "@" in v], labels
