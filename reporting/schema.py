"""The reporting database's tables (SQLAlchemy 2). Migrations in ``reporting/migrations``.

People appear only by their opaque directory id; nothing else personal is stored.
Moments are stored in UTC without an offset (SQLite has no time zone type) and read back
as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in, the same instant (UTC) out, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("the reporting database stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Process(Base):
    """One IKU process: a workflow id and the moment it started (an id may be used again
    after a process was terminated from the Temporal UI)."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("workflow_id", "started_at", name="uq_processes_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    run_id: Mapped[str | None] = mapped_column(String(64))  # the latest run seen
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    sop_number: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default="running")
    step: Mapped[int | None] = mapped_column(Integer)  # where it stands now
    role: Mapped[str | None] = mapped_column(String(40))
    since: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the current step's entry
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)  # riwayat entries recorded
    # Archive metadata (ANRI): recorded at step 16.
    classification: Mapped[str | None] = mapped_column(String(40), index=True)
    access_class: Mapped[str | None] = mapped_column(String(20))
    retention_active_years: Mapped[int | None] = mapped_column(Integer)
    retention_inactive_years: Mapped[int | None] = mapped_column(Integer)
    final_disposition: Mapped[str | None] = mapped_column(String(30))
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bag_name: Mapped[str | None] = mapped_column(String(200))
    official_number: Mapped[str | None] = mapped_column(String(120))


class StepEvent(Base):
    """One line of a process's riwayat that the figures count, with what it took."""

    __tablename__ = "step_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # workflow id, start and riwayat sequence: a retried write finds it already there.
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    run_id: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    sop_number: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(40))
    task_id: Mapped[str | None] = mapped_column(String(40))
    round: Mapped[int | None] = mapped_column(Integer)
    person: Mapped[str | None] = mapped_column(String(64))  # directory id or ops identity
    acting_for: Mapped[str | None] = mapped_column(String(64))
    acting_kind: Mapped[str | None] = mapped_column(String(8))
    via: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(String(200), default="")
    # The version the decision concerned (the step's main document).
    doc_kind: Mapped[str | None] = mapped_column(String(40))
    doc_version: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # What the step took, on decisions: entry, clock start, decision, working time.
    entered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    clock_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    standard_time: Mapped[str | None] = mapped_column(String(10))
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    working_hours: Mapped[float | None] = mapped_column(Float)
    allowed_hours: Mapped[float | None] = mapped_column(Float)  # clock start to deadline
    overdue: Mapped[bool | None] = mapped_column(Boolean)
    escalations: Mapped[int | None] = mapped_column(Integer)
    # A return's reasons: the checklist items not met, and the note.
    reasons: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class NumberSequence(Base):
    """The last official number given, per year and classification code."""

    __tablename__ = "number_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    classification: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class GivenNumber(Base):
    """A nomor naskah dinas, given once per process."""

    __tablename__ = "official_numbers"
    __table_args__ = (
        UniqueConstraint("year", "classification", "seq", name="uq_official_numbers_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(120))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)


# Configured here, at import, not by the first query: the worker cancels a synchronous
# activity (a local one past its time) by raising into its thread, and one that lands while
# SQLAlchemy configures the mappers leaves them broken for the life of the process ("One or
# more mappers failed to initialize"; seen on the smallest worker under load).
configure_mappers()
