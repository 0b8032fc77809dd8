"""The baseline of the load benchmark: a workflow that does nothing but take Updates, run by
a worker in its own process exactly as ours is.

    python -m bench.trivial --address 127.0.0.1:7233 --task-queue bench-trivial

It runs its workflow code as ours does (outside the SDK's sandbox unless ``--sandbox``) and
keeps as many workflows in its cache (``--cached``), so time and memory compare like with
like.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner


@workflow.defn
class TrivialWorkflow:
    """Counts the Updates it takes, until told to stop."""

    def __init__(self) -> None:
        self.count = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.count

    @workflow.update
    def bump(self, note: str) -> int:
        self.count += 1
        return self.count

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--cached", type=int, default=1000)
    parser.add_argument("--sandbox", action="store_true")
    args = parser.parse_args()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    client = await Client.connect(args.address)
    runner = SandboxedWorkflowRunner() if args.sandbox else UnsandboxedWorkflowRunner()
    async with Worker(
        client,
        task_queue=args.task_queue,
        workflows=[TrivialWorkflow],
        workflow_runner=runner,
        max_cached_workflows=args.cached,
    ):
        print("trivial worker polling", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
