"""A step being opened (who holds it and its clock), or its clock woken (the clock and the
acting officials asked again): each in one local activity."""

from __future__ import annotations

from temporalio import activity

from activities.schedule import ScheduleActivities
from activities.staffing import StaffingActivities
from common.models import ClockRefresh, ClockRefreshRequest, StepOpening, StepOpeningRequest


class StepOpeningActivities:
    """The worker's own staffing and schedule activities, asked together."""

    def __init__(self, staffing: StaffingActivities, schedule: ScheduleActivities) -> None:
        self._staffing, self._schedule = staffing, schedule

    # A plain function: the worker runs it in its thread pool (it reads the directory and
    # the calendar's overrides file).
    @activity.defn(name="open_step")
    def open_step(self, request: StepOpeningRequest) -> StepOpening:
        """The directory's and the calendar's answers together. Either failing fails both:
        the workflow then asks each on its own, so a broken calendar does not leave the
        task unassigned, nor a broken directory the deadline unknown."""
        return StepOpening(
            staffing=self._staffing.resolve_staffing(request.staffing),
            schedule=self._schedule.plan_schedule(request.schedule),
        )

    @activity.defn(name="refresh_clock")
    def refresh_clock(self, request: ClockRefreshRequest) -> ClockRefresh:
        """A wake-up's lookups together; either failing fails both, and the workflow then
        asks each on its own, as before."""
        return ClockRefresh(
            schedule=self._schedule.plan_schedule(request.schedule),
            assignees=self._staffing.find_people(request.people),
        )
