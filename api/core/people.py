"""People as pages name them: the directory behind the opaque ids the workflow carries, and
who may act on a task today, read exactly as the workflow reads it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from common.catalogue import DEFAULT_LANG, Lang, acting_label
from common.directory import Directory, DirectoryError, Person, load_directory, record_name
from common.models import Assignee, Deputy, StepKind, Task, TaskView
from common.settings import Settings
from workflows import sop
from workflows.rules import Acting, acting_for


@dataclass(frozen=True)
class Standing:
    """Whether a person may act on a task today, and for whom if as Plh/Plt."""

    allowed: bool
    acting: Acting | None = None


class People:
    def __init__(
        self, directory: Directory | None, *, ops: Sequence[str] = (), bureau: Sequence[str] = ()
    ) -> None:
        # None when the file cannot be read: pages still work and show ids instead.
        self.directory = directory
        self.ops = tuple(ops)
        self.bureau = tuple(bureau)

    @classmethod
    def load(cls, settings: Settings) -> People:
        # load_directory re-reads the file only when it changed.
        try:
            directory: Directory | None = load_directory(settings.directory_file)
        except DirectoryError:
            directory = None
        return cls(directory, ops=settings.ops_identities, bureau=settings.bureau_identities)

    def person(self, person_id: str | None) -> Person | None:
        if self.directory is None or not person_id:
            return None
        return self.directory.person(person_id)

    def name(self, person_id: str | None) -> str:
        found = self.person(person_id)
        return found.name if found else (person_id or "?")

    def who_name(self, person_id: str | None, lang: Lang = DEFAULT_LANG) -> str:
        """A directory name, or what an ops or bureau identity is (the record's ``by``)."""
        named = record_name(self.directory, person_id, ops=self.ops, bureau=self.bureau, lang=lang)
        return named or "?"

    def position(self, person_id: str | None) -> str:
        found = self.person(person_id)
        if found is None:
            return ""
        if found.position:
            return found.position
        role = next((sop.ROLES[r] for r in found.roles if r in sop.ROLES), None)
        return role.name_id if role else ""

    def selectable(self) -> list[Person]:
        """Everyone who may be named to a task or the drafting team (active people)."""
        if self.directory is None:
            return []
        return [p for p in self.directory.people if p.active]

    def role_holders(self, role: str) -> list[Person]:
        """The active people who hold ``role`` by the directory now."""
        return [p for p in self.selectable() if role in p.roles]

    def no_longer_holding(self, task: TaskView, assigned_by_hand: Collection[str]) -> list[str]:
        """The task's holders the directory no longer backs: gone or inactive (they cannot
        decide it), or moved off the step's role (a mutation; a holder ops assigned by hand
        is theirs to keep). None when the directory cannot be read."""
        directory = self.directory
        if directory is None:
            return []

        def backed(person: str) -> bool:
            found = directory.person(person)
            if found is None or not found.active:
                return False
            return task.role in found.roles or person in assigned_by_hand

        return [p for p in task.assignees if not backed(p)]

    def unit_staff(self, person_id: str) -> list[Person]:
        """Who may be named to the drafting team by ``person_id``: the active staff of their
        unit (everyone active, when the directory gives them no unit), never an official
        who reviews the draft (Kasubbag to Menteri): nobody approves a version they wrote,
        so a reviewer in the team would leave their own review step with nobody to act."""
        active = [p for p in self.selectable() if not _REVIEWERS & set(p.roles)]
        me = self.directory.person(person_id) if self.directory else None
        if me is None or not me.unit:
            return active
        return [p for p in active if p.unit == me.unit]

    def acting_line(self, task: TaskView, assignee: str, day: date) -> str:
        """``Plh: <name>`` when someone stands in for ``assignee`` today, else empty."""
        deputy = deputy_today(task, assignee, day)
        if deputy is None:
            return ""
        return f"{acting_label(deputy.kind)}: {self.who_name(deputy.person)}"


# The roles that review what the team drafts: they do not draft it.
_REVIEWERS = frozenset(s.role for s in sop.STEPS if s.kind is StepKind.REVIEW)


def _assignee(task: TaskView, person: str) -> Assignee:
    return Assignee(person=person, deputies=task.acting.get(person, []))


def deputy_today(task: TaskView, assignee: str, day: date) -> Deputy | None:
    """Who stands in for ``assignee`` today, as the workflow picks them."""
    return _assignee(task, assignee).acting_on(day)


def standing(task: TaskView, person: str, day: date) -> Standing:
    """The workflow's own rule (``workflows.rules.acting_for``) on the status's view of the
    task, so the page never offers what the workflow would refuse, or the reverse."""
    as_task = Task(
        id=task.id,
        step=task.step,
        round=task.round,
        role=task.role,
        entered_at=task.entered_at,
        assignees=[_assignee(task, p) for p in task.assignees],
    )
    allowed, acting = acting_for(as_task, person, day)
    return Standing(allowed, acting)
