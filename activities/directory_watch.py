"""The directory's watcher, run by the worker beside its activities: when an edit of the
directory file changes someone's Plh/Plt appointments, the processes waiting on that person
are told (the workflow's ``recheck_acting`` signal). A Plh appointed for today then gets
the open task at once, and one appointed for a later day on that day's morning; without
it both waited for the task's next reminder or a ``resend``."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from datetime import date, datetime
from typing import Any

from temporalio.client import Client

from activities.file_watch import EVERY_SECONDS, edit_stamp, signal_running, watch
from common import search_attributes as sa
from common import workflow_calls as calls
from common.directory import Directory, DirectoryError, load_directory
from common.models import Deputy
from common.settings import Settings
from workflows.sop import WIB

# People per visibility query: a long list of ORs is split.
_PEOPLE_PER_QUERY = 50


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
        if known is None:
            return None  # never read before: nothing to compare with
        people = appointments_changed(known, current, datetime.now(WIB).date())
        if not people:
            return None
        edit = await asyncio.to_thread(edit_stamp, settings.directory_file)
        told = await tell_waiting(client, settings, people, edit)
        return f"acting appointments of {len(people)} people: {told} processes told"

    return watch(read, tell, "the directory", every)
