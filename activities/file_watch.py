"""The loop behind the worker's watchers of the files ops edit while processes run (the
directory, the calendar's overrides): look every few seconds, and when what a file says
changed, tell the running processes concerned. Not an activity: a task of the worker's own.

Every worker watches and tells, and each names the edit it tells of alike (``edit_stamp``):
the server takes one signal per edit in each run (a signal's request id is kept against
repeats), so with several workers a process still looks once. What each file said when
processes were last told of it is remembered in the data folder: a worker that starts and
finds it otherwise (an edit made while no worker ran) tells them at once too."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import SignalWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from common import search_attributes as sa
from common.files import write_whole
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
    *,
    tell_first: bool = False,
) -> None:
    """Until cancelled: ``read`` the file (in a thread; None while it is missing or
    invalid), and ``tell`` the processes concerned after each change, and when it reads
    again after a spell unreadable (``known``: what it said before, None if nothing yet);
    with ``tell_first``, at the first good read too. ``tell`` returns what to log (None:
    nobody concerned). A change that could not be told is tried again next round."""
    known: T | None = None
    due = tell_first  # a tell waits for the next good read
    while True:
        current = await asyncio.to_thread(read)
        if current is None:
            due = True
        elif due or (known is not None and current != known):
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
            known, due = current, False
        await asyncio.sleep(every)


def told_before(settings: Settings, name: str) -> str | None:
    """What a file said (a digest) when running processes were last told of it, as the
    last worker to tell remembered in ``data_dir/name``; None in a new data folder."""
    try:
        return (settings.data_dir / name).read_text().strip() or None
    except OSError:
        return None


def remember(settings: Settings, name: str, said: str) -> None:
    """Written whole, as several workers may share the folder. A folder that cannot take
    it is logged: the tasks then learn of an edit made while no worker ran at their next
    wake-up, as before."""
    try:
        write_whole(settings.data_dir / name, f"{said}\n".encode())
    except OSError as err:
        log.warning("%s could not be written in the data folder: %s", name, err.strerror)


async def changed_unwatched(settings: Settings, name: str, said: str | None, what: str) -> bool:
    """Whether what a file says now (``said``; None: unreadable) differs from what was
    last told of it (``told_before``): changed while no worker watched it. In a new data
    folder it is remembered, and nobody is told."""
    before = await asyncio.to_thread(told_before, settings, name)
    if said is None:
        return False
    if before is None:
        await asyncio.to_thread(remember, settings, name, said)
        return False
    if before != said:
        log.info("%s changed while no worker watched it: the processes are told", what)
    return before != said


def edit_stamp(path: Path | None) -> str:
    """The file as it is now, named alike by every worker that reads it: what it holds and
    when it was written (so an edit undone and made again is a new one)."""
    if path is None:
        return "none"
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        return f"{digest}-{path.stat().st_mtime_ns}"
    except OSError:
        return "unreadable"


async def signal_running(
    client: Client, settings: Settings, signal: str, edit: str, where: str = ""
) -> int:
    """Send ``signal`` to every running process of this deployment (narrowed by the
    visibility clause ``where``), as told of ``edit`` (``edit_stamp``): a run that already
    had it from another worker does not get it again. How many were sent."""
    query = f"TaskQueue = {sa.quote(settings.task_queue)} AND ExecutionStatus = 'Running'"
    if where:
        query += f" AND ({where})"
    told = 0
    async for execution in client.list_workflows(query):
        # The client's signal gives every call a request id of its own; this one repeats.
        request = SignalWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=execution.id, run_id=execution.run_id),
            signal_name=signal,
            identity=client.identity,
            request_id=f"{signal}:{edit}",
        )
        try:
            await client.workflow_service.signal_workflow_execution(request)
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
