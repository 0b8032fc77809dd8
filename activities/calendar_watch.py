"""The calendar's watcher, run by the worker beside its activities: when ops revise the
calendar's overrides (``IKU_CALENDAR_OVERRIDES_FILE``: a holiday added or taken back, a
Saturday made a working day by a revised joint decree), every running process is told (the
workflow's ``recheck_calendar`` signal) and its open task asks for its deadline again. A
deadline the revision brought forward is then kept, overdue and escalated at its new moment;
without it the task learnt of the revision only at its next wake-up (its reminder, or the
old deadline)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from temporalio.client import Client

from activities.file_watch import EVERY_SECONDS, edit_stamp, signal_running, watch
from common import workflow_calls as calls
from common.settings import Settings
from common.workcalendar import Overrides, load_overrides


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
        edit = await asyncio.to_thread(edit_stamp, path)
        told = await signal_running(client, settings, calls.RECHECK_CALENDAR, edit)
        return f"{told} running processes told"

    return watch(read, tell, "the calendar's overrides", every)
