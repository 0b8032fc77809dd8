"""A process being opened (was its id used before, the SOP's number), a step being opened
(who holds it and its clock), or its clock woken (the clock and the acting officials asked
again): each in one local activity."""

from __future__ import annotations

from temporalio import activity

from activities.lineage import LineageActivities
from activities.registry import RegistryActivities
from activities.schedule import ScheduleActivities
from activities.staffing import StaffingActivities
from common.models import (
    ClockRefresh,
    ClockRefreshRequest,
    EarlierRunRequest,
    ProcessOpening,
    StepOpening,
    StepOpeningRequest,
)


class ProcessOpeningActivities:
    """The lineage and registry lookups a new process makes, asked together."""

    def __init__(self, lineage: LineageActivities, registry: RegistryActivities) -> None:
        self._lineage, self._registry = lineage, registry

    @activity.defn(name="open_process")
    async def open_process(self, request: EarlierRunRequest) -> ProcessOpening:
        """Either failing fails both: the workflow then asks each on its own, so a moment
        without visibility does not leave the process without the SOP's number."""
        return ProcessOpening(
            earlier=await self._lineage.find_earlier_run(request),
            sop_number=self._registry.registered_sop_number(),
        )


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
            opens_at=self._schedule.next_opening(request.now) if request.now else None,
        )
