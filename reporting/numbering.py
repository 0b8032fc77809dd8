"""Official numbers: a sequence per year and classification code that never gives a number
twice nor leaves a gap.

The sequence is incremented and the number recorded in one transaction: the row lock
(PostgreSQL) or the database lock (SQLite, BEGIN IMMEDIATE) orders two processes signed at
the same moment, and a second attempt for the same process is refused by the unique
process key and rolled back with its increment, then finds the first attempt's number.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from common.models import OfficialNumber, OfficialNumberRequest
from common.numbering import format_number
from common.settings import Settings
from reporting.database import ReportingDatabase
from reporting.events import process_key
from reporting.schema import GivenNumber, NumberSequence, Process


def _info(row: GivenNumber) -> OfficialNumber:
    return OfficialNumber(
        number=row.number,
        seq=row.seq,
        year=row.year,
        classification=row.classification,
        given_at=row.given_at,
    )


def give_number(
    db: ReportingDatabase, settings: Settings, request: OfficialNumberRequest
) -> OfficialNumber:
    """The process's number: the one it was given before, else the next of its sequence."""
    for _ in range(3):
        try:
            return _give(db, settings, request)
        except IntegrityError:
            continue  # another attempt for this process won the race: read its number
    raise RuntimeError("the official number could not be given")


def _give(
    db: ReportingDatabase, settings: Settings, request: OfficialNumberRequest
) -> OfficialNumber:
    key = process_key(request.workflow_id, request.started_at)
    local = request.signed_at.astimezone(ZoneInfo(settings.timezone))
    year, month = local.year, local.month
    classification = settings.classification_for(request.process.sop_number)
    with db.session() as session:
        found = session.scalars(select(GivenNumber).where(GivenNumber.process_key == key)).first()
        if found is not None:
            return _info(found)
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(NumberSequence)
            .values(year=year, classification=classification, last=0)
            .on_conflict_do_nothing()
        )
        seq = session.execute(
            update(NumberSequence)
            .where(NumberSequence.year == year, NumberSequence.classification == classification)
            .values(last=NumberSequence.last + 1)
            .returning(NumberSequence.last)
        ).scalar_one()
        row = GivenNumber(
            process_key=key,
            workflow_id=request.workflow_id,
            year=year,
            classification=classification,
            seq=seq,
            number=format_number(
                settings.official_number_template,
                seq,
                settings.official_number_unit,
                classification,
                month,
                year,
            ),
            given_at=request.signed_at,
        )
        session.add(row)
        session.flush()
        process = session.scalars(
            select(Process).where(
                Process.workflow_id == request.workflow_id,
                Process.started_at == request.started_at,
            )
        ).first()
        if process is not None:
            process.official_number = row.number
        return _info(row)


def given_numbers(db: ReportingDatabase, year: int, classification: str) -> list[GivenNumber]:
    with db.session() as session:
        return list(
            session.scalars(
                select(GivenNumber)
                .where(GivenNumber.year == year, GivenNumber.classification == classification)
                .order_by(GivenNumber.seq)
            )
        )


@dataclass(frozen=True)
class Reseeded:
    """A sequence moved on by a backfill: its last number now, and before."""

    year: int
    classification: str
    last: int
    was: int


def reseed(db: ReportingDatabase, highest: Mapping[tuple[int, str], int]) -> list[Reseeded]:
    """Each sequence, keyed as ``_give`` keys it (the year the Minister signed, in the
    settings' time zone, and the classification code), moved on to the highest number
    found given in it (``highest``: (year, classification) → seq), so that the next number
    follows it; never moved back. The sequences moved, in order.

    In one transaction, under the same lock as ``_give``: a number given meanwhile is
    either counted before the move or given after it, never twice."""
    moved: list[Reseeded] = []
    with db.session() as session:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for (year, classification), seq in sorted(highest.items()):
            session.execute(
                insert(NumberSequence)
                .values(year=year, classification=classification, last=0)
                .on_conflict_do_nothing()
            )
            was = session.execute(
                select(NumberSequence.last)
                .where(NumberSequence.year == year, NumberSequence.classification == classification)
                .with_for_update()
            ).scalar_one()
            if was >= seq:
                continue
            session.execute(
                update(NumberSequence)
                .where(NumberSequence.year == year, NumberSequence.classification == classification)
                .values(last=seq)
            )
            moved.append(Reseeded(year, classification, seq, was))
    return moved


# What each field of the template matches in a written number.
_FIELDS = {
    "seq": r"\d+",
    "year": r"\d{4}",
    "month": r"\d{1,2}",
    "month_roman": r"[IVX]+",
}


def read_number(template: str, written: str) -> dict[str, str] | None:
    """The fields ({seq}, {year}, {classification}...) of a number written with
    ``template``; None when it is not written so."""
    pattern: list[str] = []
    seen: set[str] = set()
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, _spec, _conversion in parts:
        pattern.append(re.escape(literal))
        if not name:
            continue
        if name in seen:
            pattern.append(f"(?P={name})")
            continue
        seen.add(name)
        pattern.append(f"(?P<{name}>{_FIELDS.get(name, r'.+?')})")
    found = re.fullmatch("".join(pattern), written.strip())
    return found.groupdict() if found else None
