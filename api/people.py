"""People as pages name them: the directory behind the opaque ids the workflow carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from common.directory import Directory, DirectoryError, Person, load_directory
from common.models import Deputy, TaskView
from workflows import sop


@dataclass(frozen=True)
class Standing:
    """Whether a person may act on a task today, and for whom if as Plh/Plt."""

    allowed: bool
    for_person: str | None = None
    kind: str | None = None  # "plh" / "plt"


class People:
    def __init__(self, directory: Directory | None) -> None:
        # None when the file cannot be read: pages still work and show ids instead.
        self.directory = directory

    @classmethod
    def load(cls, path: Path) -> People:
        try:
            return cls(load_directory(path))
        except DirectoryError:
            return cls(None)

    def person(self, person_id: str | None) -> Person | None:
        if self.directory is None or not person_id:
            return None
        return self.directory.person(person_id)

    def name(self, person_id: str | None) -> str:
        found = self.person(person_id)
        return found.name if found else (person_id or "?")

    def position(self, person_id: str | None) -> str:
        found = self.person(person_id)
        if found is None:
            return ""
        if found.position:
            return found.position
        role = next((sop.ROLES[r] for r in found.roles if r in sop.ROLES), None)
        return role.name_id if role else ""

    def selectable(self) -> list[Person]:
        """Everyone who may be named to the drafting team (active people)."""
        if self.directory is None:
            return []
        return [p for p in self.directory.people if p.active]


def _deputy_today(deputies: list[Deputy], person: str, day: date) -> Deputy | None:
    return next((d for d in deputies if d.person == person and d.covers(day)), None)


def standing(task: TaskView, person: str, day: date) -> Standing:
    """The same reading as the workflow's rule: an assignee, or their Plh/Plt that day."""
    if person in task.assignees:
        return Standing(True)
    for assignee in task.assignees:
        deputy = _deputy_today(task.acting.get(assignee, []), person, day)
        if deputy is not None:
            return Standing(True, assignee, deputy.kind)
    return Standing(False)


def acting_today(task: TaskView, assignee: str, day: date) -> Deputy | None:
    """Who stands in for ``assignee`` today, if anyone (for "who is next")."""
    return next((d for d in task.acting.get(assignee, []) if d.covers(day)), None)
