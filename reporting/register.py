"""The register of official numbers (``GivenNumber``: which process got which number),
restored by the backfill from the numbers it finds given.

The register is what ``give_number`` asks first: a process asking again (a retried
activity, a worker replaying) gets the number it was given, not a new one. Lost with the
database, it is rebuilt from the archives and the processes; what it already holds is
never changed: a row that disagrees with what was found is reported, for a person to
look at, not overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from common.models import OfficialNumber
from reporting.database import ReportingDatabase
from reporting.events import process_key
from reporting.schema import GivenNumber, Process


@dataclass(frozen=True)
class Found:
    """An official number found given to a process, and where it was found (a bag's name,
    or a process's status): said in a conflict."""

    workflow_id: str
    started_at: datetime
    number: OfficialNumber
    source: str

    @property
    def key(self) -> str:
        return process_key(self.workflow_id, self.started_at)


@dataclass(frozen=True)
class Conflict:
    """A number found that the register disagrees with, and how."""

    found: Found
    why: str  # what the register holds instead

    def __str__(self) -> str:
        f = self.found
        return f"{f.key}: {f.source} says {f.number.number}, {self.why}; left as it is"


@dataclass
class Restored:
    restored: int = 0  # rows written
    held: int = 0  # already in the register, as found
    conflicts: list[Conflict] = field(default_factory=list)


def restore(db: ReportingDatabase, found: Iterable[Found]) -> Restored:
    """Each number found written into the register, unless it holds that process or that
    number already. A number found twice (two bags of one process) is written once."""
    result = Restored()
    with db.session() as session:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for f in found:
            n = f.number
            # Either unique key (process, or year+classification+seq) already taken leaves
            # the row unwritten: a number being given meanwhile is not disturbed either.
            written = session.execute(
                insert(GivenNumber)
                .values(
                    process_key=f.key,
                    workflow_id=f.workflow_id,
                    year=n.year,
                    classification=n.classification,
                    seq=n.seq,
                    number=n.number,
                    given_at=n.given_at,
                )
                .on_conflict_do_nothing()
                .returning(GivenNumber.id)
            ).scalar()
            if written is not None:
                result.restored += 1
                _number_the_process(session, f)
                continue
            conflict = _disagreement(session, f)
            if conflict is None:
                result.held += 1
            else:
                result.conflicts.append(conflict)
    return result


def _number_the_process(session: Session, f: Found) -> None:
    """The process's row says its number too, as ``give_number`` leaves it; never
    replacing one it says already."""
    process = session.scalars(
        select(Process).where(
            Process.workflow_id == f.workflow_id, Process.started_at == f.started_at
        )
    ).first()
    if process is not None and process.official_number is None:
        process.official_number = f.number.number


def _disagreement(session: Session, f: Found) -> Conflict | None:
    """Why ``f`` was not written: None when the register holds it as found."""
    n = f.number
    mine = session.scalars(select(GivenNumber).where(GivenNumber.process_key == f.key)).first()
    if mine is not None:
        held = (mine.number, mine.year, mine.classification, mine.seq)
        if held == (n.number, n.year, n.classification, n.seq):
            return None
        return Conflict(f, f"the register holds {mine.number} for it")
    theirs = session.scalars(
        select(GivenNumber).where(
            GivenNumber.year == n.year,
            GivenNumber.classification == n.classification,
            GivenNumber.seq == n.seq,
        )
    ).first()
    if theirs is None:  # gone since the write was refused: not guessed at
        return Conflict(f, "the register would not take it")
    return Conflict(f, f"the register holds that number for {theirs.process_key}")


def register_said(result: Restored) -> str:
    """How many entries of the register the backfill restored, found there already, and
    left as they are because they disagree (each conflict is said on its own line)."""
    total = result.restored + result.held + len(result.conflicts)
    if not total:
        return "register: no official number found to restore"
    entries = "entry" if result.restored == 1 else "entries"
    said = f"register: {result.restored} {entries} restored, {result.held} already held"
    if result.conflicts:
        count = len(result.conflicts)
        said += f", {count} conflict{'s' if count != 1 else ''} (left as they are)"
    return said
