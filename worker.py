"""The worker: runs IkuWorkflow and its activities on task queue ``iku``.

    uv run python worker.py

Settings come from IKU_* environment variables (see common/settings.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.archive import ArchiveActivities
from activities.documents import DocumentActivities
from activities.notify import NotifyActivities
from activities.schedule import ScheduleActivities
from activities.signatures import SignatureActivities
from activities.staffing import StaffingActivities
from common.settings import Settings, get_settings
from common.temporal import connect
from workflows.iku import IkuWorkflow


def activities(settings: Settings) -> list[object]:
    """Every activity of the system, bound to one settings object."""
    return [
        *_methods(StaffingActivities(settings), "resolve_staffing", "find_people"),
        *_methods(ScheduleActivities(settings), "plan_schedule"),
        *_methods(DocumentActivities(settings), "missing_documents"),
        *_methods(SignatureActivities(settings), "check_signed_version"),
        *_methods(NotifyActivities(settings), "send_notification"),
        *_methods(ArchiveActivities(settings), "build_archive"),
    ]


def _methods(instance: object, *names: str) -> list[object]:
    return [getattr(instance, name) for name in names]


def build_worker(client: Client, settings: Settings, **options: object) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[IkuWorkflow],
        activities=activities(settings),
        activity_executor=ThreadPoolExecutor(max_workers=8),
        **options,  # type: ignore[arg-type]
    )


async def main() -> None:
    # Handlers first: a signal that arrives while connecting must not be lost.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    client = await connect(settings)
    if stop.is_set():
        return
    # In-flight activities (a mail being sent, an archive being written) get time to end.
    async with build_worker(client, settings, graceful_shutdown_timeout=timedelta(seconds=15)):
        logging.getLogger("worker").info(
            "worker polling task queue %s on %s", settings.task_queue, settings.temporal_address
        )
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # The SDK's native threads can crash a finalizing interpreter (PyGILState_Release);
    # everything is shut down and flushed by now, so leave without finalizing.
    os._exit(0)
