"""Turns a step's standard time into absolute moments: deadline, reminder, escalations.

Workflow code calls this activity and never computes a calendar itself: calendar data
changes between ``holidays`` package versions and with the overrides file.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from common.models import Schedule, ScheduleRequest
from common.settings import Settings
from common.workcalendar import WorkCalendar, parse_standard_time


class ScheduleActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn(name="plan_schedule")
    async def plan_schedule(self, request: ScheduleRequest) -> Schedule:
        settings = self.settings
        override = settings.standard_times.get(request.step)
        _check_request(request, check_standard_time=override is None)
        if override is not None:
            try:
                parse_standard_time(override)
            except ValueError as err:
                raise ValueError(f"settings standard_times[{request.step}]: {err}") from err
        # A bad setting or overrides file raises a plain, retryable error: once ops fix
        # it, the next attempt succeeds and the workflow carries on. The file is read again
        # here on every call, so a revised calendar needs no restart.
        calendar = WorkCalendar.from_settings(settings)
        return calendar.schedule(
            request.clock_start,
            override or request.standard_time,
            reminder_before_hours=settings.reminder_before_hours,
            escalation_interval_days=settings.escalation_interval_days,
            escalation_cap=settings.escalation_cap,
        )


def _check_request(request: ScheduleRequest, *, check_standard_time: bool) -> None:
    """Refuse for good what no retry can fix: a bad request from the workflow itself."""
    try:
        if request.clock_start.utcoffset() is None:
            raise ValueError("clock_start must be timezone-aware")
        if check_standard_time:
            parse_standard_time(request.standard_time)
    except ValueError as err:
        raise ApplicationError(
            f"step {request.step}: {err}", type="InvalidScheduleRequest", non_retryable=True
        ) from err
