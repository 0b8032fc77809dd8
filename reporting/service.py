"""What the web layer asks of the reporting database: figures for filters, the event log,
the archives. Synchronous (SQLAlchemy); the routes run it in a thread."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exc

from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.archives import ArchiveRow, archives
from reporting.database import ReportingDatabase
from reporting.exports import event_rows
from reporting.figures import Figures, Filters
from reporting.queries import figures

_YEAR = re.compile(r"^[0-9]{4}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class BadFilter(ValueError):
    """A filter a person typed that means nothing: named, so the page can say which."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


# The query parameters parse_filters reads.
FILTER_PARAMS = ("tahun", "kode", "sop", "dari", "sampai")


def parse_filters(params: Mapping[str, str], timezone: str) -> Filters:
    """tahun (the IKU's year), kode (unit), sop (SOP number), dari/sampai (dates of the
    decisions, both included, in the office's time zone)."""
    tz = ZoneInfo(timezone)

    def day(name: str) -> date | None:
        raw = params.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise BadFilter(name) from None

    year_raw = params.get("tahun", "").strip()
    if year_raw and not _YEAR.fullmatch(year_raw):
        raise BadFilter("tahun")
    code = params.get("kode", "").strip() or None
    if code is not None and not _CODE.fullmatch(code):
        raise BadFilter("kode")
    sop_number = params.get("sop", "").strip()[:100] or None
    start, end = day("dari"), day("sampai")
    if start and end and end < start:
        raise BadFilter("sampai")
    return Filters(
        start=datetime.combine(start, time(), tzinfo=tz) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(), tzinfo=tz) if end else None,
        code=code,
        sop_number=sop_number,
        year=int(year_raw) if year_raw else None,
    )


class ReportingUnavailable(RuntimeError):
    """The reporting database does not answer (PostgreSQL down, a locked SQLite file): the
    figures cannot be read now. The processes are not touched; the web layer says 503."""


class Reporting:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = ReportingDatabase(settings)

    def figures(self, filters: Filters, now: datetime) -> Figures:
        calendar = WorkCalendar.for_display(self.settings)
        with _reading(), self.db.session() as session:
            return figures(session, filters, calendar, now)

    def events(self) -> list[dict[str, object]]:
        with _reading(), self.db.session() as session:
            return event_rows(session)

    def archives(self) -> list[ArchiveRow]:
        with _reading(), self.db.session() as session:
            return archives(session, self.settings.timezone)


@contextmanager
def _reading() -> Iterator[None]:
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as err:
        # The driver's first line says why (refused, locked); never the statement or the URL.
        why = str(getattr(err, "orig", None) or err).splitlines()[0]
        raise ReportingUnavailable(f"{type(err).__name__}: {why}") from None
