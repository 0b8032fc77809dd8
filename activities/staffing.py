"""Who holds a role: the directory turned into assignees, with their acting officials."""

from __future__ import annotations

from temporalio import activity

from common.directory import Directory, load_directory
from common.models import Assignee, PeopleRequest, Staffing, StaffingRequest
from common.settings import Settings
from workflows.sop import OWNER_ROLE


class StaffingActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _directory(self) -> Directory:
        return load_directory(self._settings.directory_file)

    # Plain functions: the worker runs them in its thread pool (they read the directory).
    @activity.defn(name="resolve_staffing")
    def resolve_staffing(self, request: StaffingRequest) -> Staffing:
        """The people a step goes to (a role's holders, or the team named at step 5)."""
        directory = self._directory()
        if request.team is not None:
            people = [p for p in (directory.person(i) for i in request.team) if p and p.active]
        else:
            people = directory.holders(request.role)
        return Staffing(
            assignees=[_assignee(directory, p.id, request) for p in people],
            owners=[_assignee(directory, p.id, request) for p in directory.holders(OWNER_ROLE)],
            ops=list(self._settings.ops_identities),
            bureau=list(self._settings.bureau_identities),
        )

    @activity.defn(name="find_people")
    def find_people(self, request: PeopleRequest) -> list[Assignee]:
        """The named people who are in the directory and active; unknown ones are left out."""
        directory = self._directory()
        return [
            _assignee(directory, p.id, request)
            for p in (directory.person(i) for i in request.people)
            if p is not None and p.active
        ]


def _assignee(
    directory: Directory, person: str, request: StaffingRequest | PeopleRequest
) -> Assignee:
    # Past acting appointments cannot matter any more; keep history small.
    assignee = directory.assignee(person)
    assignee.deputies = [d for d in assignee.deputies if d.end >= request.on]
    return assignee
