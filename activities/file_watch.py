"""The loop behind the worker's watchers of the files ops edit while processes run (the
directory, the calendar's overrides): look every few seconds, and when what a file says
changed, tell the running processes concerned. Not an activity: a task of the worker's own.

Every worker watches; a process told twice looks twice and acts once. An edit made while no
worker runs is seen by each task at its next wake-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from common import search_attributes as sa
from common.settings import Settings

log = logging.getLogger("worker.watch")

# How often a file's time and size are looked at (a stat; the file is read only when they
# change).
EVERY_SECONDS = 5.0

T = TypeVar("T")


async def watch(
    read: Callable[[], T | None],
    tell: Callable[[T | None, T], Awaitable[str | None]],
    what: str,
    every: float = EVERY_SECONDS,
) -> None:
    """Until cancelled: ``read`` the file (in a thread; None while it is missing or
    invalid), and ``tell`` the processes concerned after each change, and when it reads
    again after a spell unreadable (``known``: what it said before, None if nothing yet).
    ``tell`` returns what to log (None: nobody concerned). A change that could not be told
    is tried again next round."""
    known: T | None = None
    unreadable = False
    while True:
        current = await asyncio.to_thread(read)
        if current is None:
            unreadable = True
        elif unreadable or (known is not None and current != known):
            try:
                said = await tell(known, current)
            except Exception as err:  # Temporal away, a refused query: the watcher lives on
                why = err.status.name if isinstance(err, RPCError) else type(err).__name__
                log.warning(
                    "%s changed, and the processes concerned could not be told "
                    "(tried again in %s s): %s",
                    what,
                    every,
                    why,
                )
                await asyncio.sleep(every)
                continue
            if said:
                log.info("%s changed: %s", what, said)
        if current is not None:
            known, unreadable = current, False
        await asyncio.sleep(every)


async def signal_running(client: Client, settings: Settings, signal: str, where: str = "") -> int:
    """Send ``signal`` to every running process of this deployment (narrowed by the
    visibility clause ``where``); how many were told."""
    query = f"TaskQueue = {sa.quote(settings.task_queue)} AND ExecutionStatus = 'Running'"
    if where:
        query += f" AND ({where})"
    told = 0
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            await handle.signal(signal)
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
            continue  # it ended (or continued as new, and its next run looks anyway)
        told += 1
    return told


@contextlib.asynccontextmanager
async def running(*watchers: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """The watchers, for as long as the block runs."""
    tasks = [asyncio.create_task(w) for w in watchers]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
