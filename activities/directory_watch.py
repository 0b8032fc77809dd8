"""The directory's watcher, run by the worker beside its activities: when an edit of the
directory file changes someone's Plh/Plt appointments, the processes waiting on that person
are told (the workflow's ``recheck_acting`` signal). A Plh appointed for today then gets
the open task at once, and one appointed for a later day on that day's morning; without
it both waited for the task's next reminder or a ``resend``.

What the appointments were when processes were last told is remembered in the data folder:
a worker that starts and finds them otherwise (the file edited while no worker ran) tells
every running process, as it cannot know whose changed."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Coroutine, Iterable
from datetime import date, datetime
from typing import Any

from temporalio.client import Client

from activities.file_watch import (
    EVERY_SECONDS,
    changed_unwatched,
    edit_stamp,
    remember,
    signal_running,
    told_before,
    watch,
)
from common import search_attributes as sa
from common import workflow_calls as calls
from common.directory import Directory, DirectoryError, load_directory
from common.models import Deputy
from common.settings import Settings
from workflows.sop import WIB

# People per visibility query: a long list of ORs is split.
_PEOPLE_PER_QUERY = 50
# Under data_dir: the digest of the acting appointments when running processes were last
# told of them (``appointments_said``).
DIRECTORY_TOLD = "directory-told"


def appointments_said(directory: Directory) -> str:
    """Every acting appointment in the directory, as one digest (nothing of whom it names
    is kept)."""
    appointments = sorted(
        (a.for_person, a.person, a.kind, a.start.isoformat(), a.end.isoformat())
        for a in directory.acting
    )
    return hashlib.sha256(json.dumps(appointments).encode()).hexdigest()[:32]


def _ahead(directory: Directory, person: str, today: date) -> list[Deputy]:
    return [d for d in directory.deputies_of(person) if d.end >= today]


def appointments_changed(old: Directory, new: Directory, today: date) -> list[str]:
    """The people whose acting appointments from ``today`` on differ between the two."""
    people = {p.id for p in old.people} | {p.id for p in new.people}
    return sorted(p for p in people if _ahead(old, p, today) != _ahead(new, p, today))


async def tell_waiting(client: Client, settings: Settings, people: Iterable[str], edit: str) -> int:
    """Signal every running process of this deployment waiting on one of ``people``, of
    the directory's ``edit`` (``edit_stamp``); how many were told."""
    people = list(people)
    told = 0
    for start in range(0, len(people), _PEOPLE_PER_QUERY):
        chunk = people[start : start + _PEOPLE_PER_QUERY]
        holders = " OR ".join(f"{sa.ASSIGNEE.name} = {sa.quote(p)}" for p in chunk)
        told += await signal_running(client, settings, calls.RECHECK_ACTING, edit, holders)
    return told


def watch_directory(
    client: Client, settings: Settings, every: float = EVERY_SECONDS
) -> Coroutine[Any, Any, None]:
    """Until cancelled: after each change of the directory's appointments, tell the
    processes concerned."""

    def read() -> Directory | None:
        try:
            # The same object while the file is unchanged, or edited into something invalid.
            return load_directory(settings.directory_file)
        except DirectoryError:
            return None  # missing or invalid: the directory as last read stays in use

    async def tell(known: Directory | None, current: Directory) -> str | None:
        said = appointments_said(current)
        if known is None:
            # Not read by this worker before: at its start, or once the file is fixed.
            if said == await asyncio.to_thread(told_before, settings, DIRECTORY_TOLD):
                return None
            edit = await asyncio.to_thread(edit_stamp, settings.directory_file)
            told = await signal_running(client, settings, calls.RECHECK_ACTING, edit)
            await asyncio.to_thread(remember, settings, DIRECTORY_TOLD, said)
            return f"acting appointments changed while unwatched: {told} processes told"
        people = appointments_changed(known, current, datetime.now(WIB).date())
        if not people:
            return None
        edit = await asyncio.to_thread(edit_stamp, settings.directory_file)
        told = await tell_waiting(client, settings, people, edit)
        await asyncio.to_thread(remember, settings, DIRECTORY_TOLD, said)
        return f"acting appointments of {len(people)} people: {told} processes told"

    async def run() -> None:
        current = await asyncio.to_thread(read)
        said = appointments_said(current) if current is not None else None
        unwatched = await changed_unwatched(settings, DIRECTORY_TOLD, said, "the directory")
        await watch(read, tell, "the directory", every, tell_first=unwatched)

    return run()
