"""The calendar's watcher, run by the worker beside its activities: when ops revise the
calendar's overrides (``IKU_CALENDAR_OVERRIDES_FILE``: a holiday added or taken back, a
Saturday made a working day by a revised joint decree), every running process is told (the
workflow's ``recheck_calendar`` signal) and its open task asks for its deadline again. A
deadline the revision brought forward is then kept, overdue and escalated at its new moment;
without it the task learnt of the revision only at its next wake-up (its reminder, or the
old deadline).

What the calendar said is also remembered in the data folder: a worker that starts and finds
it otherwise (the file edited while no worker ran, ``IKU_STANDARD_TIMES`` or the office
hours changed, a new ``holidays`` release) tells the running processes at once too."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Coroutine
from importlib.metadata import version
from typing import Any

from temporalio.client import Client

from activities.file_watch import (
    EVERY_SECONDS,
    changed_unwatched,
    edit_stamp,
    remember,
    signal_running,
    watch,
)
from common import workflow_calls as calls
from common.settings import Settings
from common.workcalendar import Overrides, load_overrides

# Under data_dir: the digest of what the calendar said when running processes were last
# told of it (``calendar_said``).
CALENDAR_TOLD = "calendar-told"


def calendar_said(settings: Settings) -> str:
    """Everything a deadline, its reminder and its escalations are planned by, as one
    digest: the overrides file as it is, the settings that place them, and the release of
    the ``holidays`` package."""
    path = settings.calendar_overrides_file
    try:
        overrides = path.read_bytes() if path is not None else b""
    except OSError:
        overrides = b"unreadable"
    planning = {
        "timezone": settings.timezone,
        "office": [settings.office_open, settings.office_close, settings.office_close_friday],
        "standard_times": settings.standard_times,
        "reminder_before_hours": settings.reminder_before_hours,
        "escalation": [settings.escalation_interval_days, settings.escalation_cap],
        "holidays": version("holidays"),
    }
    said = json.dumps(planning, sort_keys=True, default=str).encode()
    return hashlib.sha256(overrides + b"\0" + said).hexdigest()[:32]


def watch_calendar(
    client: Client, settings: Settings, every: float = EVERY_SECONDS
) -> Coroutine[Any, Any, None]:
    """Until cancelled: after each revision of the overrides (what they say, not the file's
    time), tell every running process; also once the file is fixed after it could not be
    read, when tasks that opened meanwhile wait without a deadline (their own retry is
    hourly)."""
    path = settings.calendar_overrides_file

    def read() -> Overrides | None:
        try:
            return load_overrides(path)
        except ValueError:
            return None  # invalid: the workflows' lookups fail (and say so) until it is fixed

    async def tell(known: Overrides | None, current: Overrides) -> str:
        said = await asyncio.to_thread(calendar_said, settings)
        # Named by the edit (an edit undone and made again is a new one) and the settings.
        edit = f"{await asyncio.to_thread(edit_stamp, path)}-{said}"
        told = await signal_running(client, settings, calls.RECHECK_CALENDAR, edit)
        await asyncio.to_thread(remember, settings, CALENDAR_TOLD, said)
        return f"{told} running processes told"

    async def run() -> None:
        said = await asyncio.to_thread(calendar_said, settings)
        unwatched = await changed_unwatched(settings, CALENDAR_TOLD, said, "the calendar")
        await watch(read, tell, "the calendar", every, tell_first=unwatched)

    return run()
