"""The archives as the bureau's records office sees them: by classification code, and
which are due to move from the active to the inactive archive, or for their final
disposition (musnah, permanen, dinilai kembali), in a given year."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.schema import Process


@dataclass(frozen=True)
class ArchiveRow:
    workflow_id: str
    year: int  # the IKU's year
    title: str
    official_number: str | None
    classification: str
    access_class: str | None
    archived_year: int
    active_years: int | None
    inactive_years: int | None
    disposition: str | None
    bag_name: str | None

    @property
    def inactive_from_year(self) -> int | None:
        return None if self.active_years is None else self.archived_year + self.active_years

    @property
    def disposition_year(self) -> int | None:
        if self.active_years is None or self.inactive_years is None:
            return None
        return self.archived_year + self.active_years + self.inactive_years


def archives(session: Session, timezone: str) -> list[ArchiveRow]:
    tz = ZoneInfo(timezone)
    rows = session.scalars(
        select(Process)
        .where(Process.state == "archived", Process.archived_at.is_not(None))
        .order_by(Process.classification, Process.archived_at)
    )
    return [
        ArchiveRow(
            workflow_id=p.workflow_id,
            year=p.year,
            title=p.title,
            official_number=p.official_number,
            classification=p.classification or "",
            access_class=p.access_class,
            archived_year=p.archived_at.astimezone(tz).year,  # type: ignore[union-attr]
            active_years=p.retention_active_years,
            inactive_years=p.retention_inactive_years,
            disposition=p.final_disposition,
            bag_name=p.bag_name,
        )
        for p in rows
    ]


def by_classification(rows: list[ArchiveRow]) -> dict[str, list[ArchiveRow]]:
    grouped: dict[str, list[ArchiveRow]] = {}
    for row in rows:
        grouped.setdefault(row.classification, []).append(row)
    return dict(sorted(grouped.items()))


def due_in(rows: list[ArchiveRow], year: int) -> tuple[list[ArchiveRow], list[ArchiveRow]]:
    """(moving from active to inactive in ``year``, due for final disposition in ``year``)."""
    return (
        [r for r in rows if r.inactive_from_year == year],
        [r for r in rows if r.disposition_year == year],
    )
