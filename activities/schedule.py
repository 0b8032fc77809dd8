"""Turns a step's standard time into absolute moments: deadline, reminder, escalations.

Workflow code calls this activity and never computes a calendar itself: calendar data
changes between ``holidays`` package versions and with the overrides file.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from common.models import Schedule, ScheduleRequest
from common.settings import Settings
from common.workcalendar import WorkCalendar, parse_standard_time


class ScheduleActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # A plain function: the worker runs it in its thread pool, off the event loop (the
    # holidays table and the overrides file are read here).
    @activity.defn(name="plan_schedule")
    def plan_schedule(self, request: ScheduleRequest) -> Schedule:
        settings = self.settings  # validated when loaded: standard times, office hours
        standard_time = settings.standard_time(request.step, request.standard_time)
        _check_request(request)
        # A bad overrides file raises a plain, retryable error: once ops fix it, the next
        # attempt succeeds and the workflow carries on; a revised file needs no restart.
        calendar = WorkCalendar.from_settings(settings)
        return calendar.schedule(
            request.clock_start,
            standard_time,
            reminder_before_hours=settings.reminder_before_hours,
            escalation_interval_days=settings.escalation_interval_days,
            escalation_cap=settings.escalation_cap,
        )

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself when office is open then, else the next opening after it."""
        return WorkCalendar.from_settings(self.settings).next_opening(moment)


def _check_request(request: ScheduleRequest) -> None:
    """Refuse for good what no retry can fix: a bad request from the workflow itself."""
    try:
        if request.clock_start.utcoffset() is None:
            raise ValueError("clock_start must be timezone-aware")
        parse_standard_time(request.standard_time)
    except ValueError as err:
        raise ApplicationError(
            f"step {request.step}: {err}", type="InvalidScheduleRequest", non_retryable=True
        ) from err
