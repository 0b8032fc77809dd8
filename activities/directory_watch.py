"""The directory's watcher, run by the worker beside its activities: when an edit of the
directory file changes someone's Plh/Plt appointments, the processes waiting on that person
are told (the workflow's ``recheck_acting`` signal). A Plh appointed for today then gets
the open task at once, and one appointed for a later day on that day's morning; without
it both waited for the task's next reminder or a ``resend``.

Every worker watches; a process told twice looks twice and mails once. An edit made while
no worker runs is seen by each task at its next wake-up, as before."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from common import search_attributes as sa
from common import workflow_calls as calls
from common.directory import Directory, DirectoryError, load_directory
from common.models import Deputy
from common.settings import Settings
from workflows.sop import WIB

log = logging.getLogger("worker.directory")

# How often the file's time and size are looked at (a stat; the file is read only when
# they change).
EVERY_SECONDS = 5.0
# People per visibility query: a long list of ORs is split.
_PEOPLE_PER_QUERY = 50


def _ahead(directory: Directory, person: str, today: date) -> list[Deputy]:
    return [d for d in directory.deputies_of(person) if d.end >= today]


def appointments_changed(old: Directory, new: Directory, today: date) -> list[str]:
    """The people whose acting appointments from ``today`` on differ between the two."""
    people = {p.id for p in old.people} | {p.id for p in new.people}
    return sorted(p for p in people if _ahead(old, p, today) != _ahead(new, p, today))


async def tell_waiting(client: Client, settings: Settings, people: Iterable[str]) -> int:
    """Signal every running process of this deployment waiting on one of ``people``; how
    many were told."""
    people = list(people)
    told = 0
    for start in range(0, len(people), _PEOPLE_PER_QUERY):
        chunk = people[start : start + _PEOPLE_PER_QUERY]
        holders = " OR ".join(f"{sa.ASSIGNEE.name} = {sa.quote(p)}" for p in chunk)
        query = (
            f"TaskQueue = {sa.quote(settings.task_queue)} "
            f"AND ExecutionStatus = 'Running' AND ({holders})"
        )
        async for execution in client.list_workflows(query):
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
            try:
                await handle.signal(calls.RECHECK_ACTING)
            except RPCError as err:
                if err.status is not RPCStatusCode.NOT_FOUND:
                    raise
                continue  # it ended (or continued as new, and its next run looks anyway)
            told += 1
    return told


async def watch_directory(client: Client, settings: Settings, every: float = EVERY_SECONDS) -> None:
    """Until cancelled: after each change of the directory's appointments, tell the
    processes concerned. A change that could not be told is tried again next round."""
    path = settings.directory_file
    known: Directory | None = None
    while True:
        try:
            # The same object while the file is unchanged, or edited into something invalid.
            current = await asyncio.to_thread(load_directory, path)
        except DirectoryError:
            current = None  # never read yet: nothing to compare with
        if current is not None and known is not None and current is not known:
            today = datetime.now(WIB).date()
            people = appointments_changed(known, current, today)
            try:
                told = await tell_waiting(client, settings, people)
            except Exception as err:  # Temporal away, a refused query: the watcher lives on
                why = err.status.name if isinstance(err, RPCError) else type(err).__name__
                log.warning(
                    "the directory's acting appointments changed, and the processes waiting "
                    "on them could not be told (tried again in %s s): %s",
                    every,
                    why,
                )
                await asyncio.sleep(every)
                continue
            if people:
                log.info(
                    "the directory's acting appointments changed for %d people: %d processes told",
                    len(people),
                    told,
                )
        known = current or known
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def watching_directory(
    client: Client, settings: Settings, every: float = EVERY_SECONDS
) -> AsyncIterator[None]:
    """The watcher, for as long as the block runs."""
    watcher = asyncio.create_task(watch_directory(client, settings, every))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
