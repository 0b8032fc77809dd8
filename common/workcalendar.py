"""The working-time calendar of the Indonesian government (see SOP.md, "Time (Waktu)").

Working days are Monday to Friday, minus national holidays and *cuti bersama* (collective
leave) from the ``holidays`` package, minus extra days off from an overrides file, plus days
the overrides file declares working days after all (a decree sometimes moves one). Office
hours are in the calendar's timezone (WIB by default); Friday closes later.

Everything here is pure computation except :func:`load_overrides`. Only activities use it:
calendar data changes between package versions, so workflow code must never compute it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal, NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from common.models import Schedule

log = logging.getLogger(__name__)


class CalendarSettings(Protocol):
    """What the calendar takes from the settings (``common.settings.Settings`` has it)."""

    @property
    def timezone(self) -> str: ...
    @property
    def office_open(self) -> dt.time: ...
    @property
    def office_close(self) -> dt.time: ...
    @property
    def office_close_friday(self) -> dt.time: ...
    @property
    def calendar_overrides_file(self) -> Path | None: ...


DEFAULT_TIMEZONE = "Asia/Jakarta"
WEEKEND_NAMES = {5: "Sabtu", 6: "Minggu"}

# Upper bounds on a standard time: larger values are typos, and they would walk the
# calendar for years.
MAX_DAYS = 365
MAX_HOURS = 2000.0
# No real calendar has a year without a working day; stop rather than loop on a broken one.
_MAX_DAYS_OFF_IN_A_ROW = 366

_DAYS = re.compile(r"^(\d+)d$")
_HOURS = re.compile(r"^(\d+(?:\.\d+)?)h$")


# --- standard times --------------------------------------------------------------------


class StandardTime(NamedTuple):
    amount: float  # an int for days
    unit: Literal["d", "h"]


def parse_standard_time(value: str) -> StandardTime:
    """``"2d"`` → (2, "d") working days; ``"4h"`` / ``"1.5h"`` → working hours."""
    text = value.strip() if isinstance(value, str) else ""
    if m := _DAYS.match(text):
        days = int(m.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(
                f"standard time {value!r}: working days must be between 1 and {MAX_DAYS}"
            )
        return StandardTime(days, "d")
    if m := _HOURS.match(text):
        hours = float(m.group(1))
        if not 0 < hours <= MAX_HOURS:
            raise ValueError(
                f"standard time {value!r}: working hours must be more than 0 and at most "
                f"{MAX_HOURS:g}"
            )
        return StandardTime(hours, "h")
    if re.match(r"^\d+\.\d+d$", text):
        raise ValueError(f"standard time {value!r}: working days must be a whole number")
    raise ValueError(
        f"standard time {value!r} is not understood: write whole working days like '2d' "
        "or working hours like '4h' or '1.5h'"
    )


# --- overrides -------------------------------------------------------------------------


class OverrideDay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    date: dt.date
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Overrides(BaseModel):
    """Days the government added (``holidays``) or removed (``workdays``) after the
    ``holidays`` package was released, e.g. by a revised joint decree (SKB) on cuti bersama."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    holidays: tuple[OverrideDay, ...] = ()
    workdays: tuple[OverrideDay, ...] = ()
    # Years whose days off ops have checked against the decree (SKB) themselves, for a year
    # the package does not cover yet (see ``covered_until``).
    years_checked: tuple[Annotated[int, Field(ge=2000, le=2200)], ...] = ()

    @field_validator("holidays", "workdays", "years_checked", mode="before")
    @classmethod
    def _empty_list(cls, value: object) -> object:
        # A key left with only commented-out entries under it reads as null.
        return () if value is None else value

    @model_validator(mode="after")
    def _consistent(self) -> Overrides:
        for label, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            seen = [d.date for d in days]
            twice = sorted({d for d in seen if seen.count(d) > 1})
            if twice:
                raise ValueError(f"{label} lists a date twice: {_dates(twice)}")
        both = sorted({d.date for d in self.holidays} & {d.date for d in self.workdays})
        if both:
            raise ValueError(f"a date is both a holiday and a workday: {_dates(both)}")
        return self


def _dates(days: list[dt.date]) -> str:
    return ", ".join(d.isoformat() for d in days)


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates reach pydantic as text, so an impossible
    date is reported with its place in the file instead of a bare "day is out of range"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_overrides_cache: dict[Path, tuple[tuple[int, int], Overrides]] = {}


def load_overrides(path: Path | None) -> Overrides:
    """The overrides in ``path``, re-read whenever the file changes. No path or no file yet
    means none (so the setting can name the file before the first revision exists); an
    invalid file is an error."""
    if path is None:
        return Overrides()
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Overrides()
    except OSError as err:
        raise ValueError(f"calendar overrides file {path} cannot be read: {err}") from err
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _overrides_cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    overrides = _parse_overrides(path)
    _overrides_cache[path] = (key, overrides)
    return overrides


def _parse_overrides(path: Path) -> Overrides:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"calendar overrides file {path} cannot be read: {err}") from err
    try:
        raw = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader: no object tags
        if raw is None:
            return Overrides()
        if not isinstance(raw, dict):
            raise ValueError("expected a mapping with 'holidays' and/or 'workdays'")
        return Overrides.model_validate(raw)
    except (yaml.YAMLError, ValueError) as err:
        raise ValueError(f"calendar overrides file {path} is not valid: {err}") from err


# --- package holidays ------------------------------------------------------------------


@cache
def _package_holidays(year: int) -> Mapping[dt.date, str]:
    """National holidays and cuti bersama ("government") of one year, in Indonesian.

    Cached for the process: the package's data does not change while it runs.
    """
    days = holidays.country_holidays(
        "ID", years=year, categories=("public", "government"), language="id"
    )
    return MappingProxyType(dict(days.items()))  # read-only: it is shared


def covered_until(year: int, overrides: Overrides) -> int:
    """The last year, counting on from ``year``, up to which every year's days off are
    known: the package lists its cuti bersama (set by a joint decree, SKB, each September
    for the next year, and reaching the package in a later release), or the overrides file
    says ops checked it (``years_checked``). ``year - 1`` when ``year`` itself is not. A
    year past it counts its cuti bersama as working days, and its religious holidays are
    the package's estimates."""
    while year in overrides.years_checked or _package_cuti_bersama(year):
        year += 1
    return year - 1


@cache
def _package_cuti_bersama(year: int) -> bool:
    return bool(holidays.country_holidays("ID", years=year, categories=("government",)))


# --- the calendar ----------------------------------------------------------------------


class WorkCalendar:
    def __init__(
        self,
        timezone: str = DEFAULT_TIMEZONE,
        office_open: dt.time = dt.time(7, 30),
        office_close: dt.time = dt.time(16, 0),
        office_close_friday: dt.time = dt.time(16, 30),
        overrides: Overrides | None = None,
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown timezone {timezone!r}") from err
        for close in (office_close, office_close_friday):
            if not office_open < close:
                raise ValueError(f"office closes ({close}) before it opens ({office_open})")
        self.office_open = office_open
        self.office_close = office_close
        self.office_close_friday = office_close_friday
        self.overrides = overrides or Overrides()
        self._extra_off = {d.date: d.name for d in self.overrides.holidays}
        self._extra_work = {d.date for d in self.overrides.workdays}

    @classmethod
    def from_settings(cls, settings: CalendarSettings) -> WorkCalendar:
        """Built from settings with the overrides file as it is now (re-read when it
        changes), so a revised calendar takes effect at a workflow's next wake-up without a
        restart. An invalid overrides file is an error: the workflow's planning retries
        until ops fix it."""
        return cls._build(settings, load_overrides(settings.calendar_overrides_file))

    @classmethod
    def for_display(cls, settings: CalendarSettings) -> WorkCalendar:
        """For pages: an invalid overrides file is logged and left out rather than turning
        a page into an error (the workflow's own deadlines come from the activity)."""
        try:
            overrides = load_overrides(settings.calendar_overrides_file)
        except ValueError as err:
            log.warning("%s; pages count working days without the overrides", err)
            overrides = Overrides()
        return cls._build(settings, overrides)

    @classmethod
    def _build(cls, settings: CalendarSettings, overrides: Overrides) -> WorkCalendar:
        return cls(
            timezone=settings.timezone,
            office_open=settings.office_open,
            office_close=settings.office_close,
            office_close_friday=settings.office_close_friday,
            overrides=overrides,
        )

    # --- days ---------------------------------------------------------------------------

    def day_off_name(self, d: dt.date) -> str | None:
        """Why ``d`` is not a working day (for display), or None when it is one."""
        if d in self._extra_work:
            return None
        if d in self._extra_off:
            return self._extra_off[d]
        name = _package_holidays(d.year).get(d)
        if name is not None:
            return name
        return WEEKEND_NAMES.get(d.weekday())

    def is_working_day(self, d: dt.date) -> bool:
        return self.day_off_name(d) is None

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            d += dt.timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within a year after {d}: check the overrides")

    def previous_working_day(self, d: dt.date) -> dt.date:
        """The last working day strictly before ``d``."""
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            d -= dt.timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within a year before {d}: check the overrides")

    def _working_days_after(self, d: dt.date, n: int) -> dt.date:
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def opening(self, d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, self.office_open, tzinfo=self.tz)

    def closing(self, d: dt.date) -> dt.datetime:
        close = self.office_close_friday if d.weekday() == 4 else self.office_close
        return dt.datetime.combine(d, close, tzinfo=self.tz)

    # --- moments ------------------------------------------------------------------------

    def _local(self, t: dt.datetime, what: str = "time") -> dt.datetime:
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(f"{what} must be timezone-aware, got naive {t.isoformat()}")
        return t.astimezone(self.tz)

    def _in_office(self, t: dt.datetime) -> bool:
        d = t.date()
        return self.is_working_day(d) and self.opening(d) <= t < self.closing(d)

    def next_opening(self, t: dt.datetime) -> dt.datetime:
        """``t`` itself when inside office hours, else the next opening after it."""
        t = self._local(t)
        if self._in_office(t):
            return t
        d = t.date()
        if self.is_working_day(d) and t < self.opening(d):
            return self.opening(d)
        return self.opening(self.next_working_day(d))

    def deadline(self, start: dt.datetime, standard_time: str) -> dt.datetime:
        """When a task assigned at ``start`` with ``standard_time`` falls due."""
        local = self._local(start, "start")
        amount, unit = parse_standard_time(standard_time)
        if unit == "d":
            d = local.date()
            # A day counts only if the whole of it is available (a clock started exactly at
            # opening loses no office time).
            if not (self.is_working_day(d) and local <= self.opening(d)):
                d = self.next_working_day(d)
            return self.closing(self._working_days_after(d, int(amount) - 1))
        return self.add_working_hours(local, amount)

    def add_working_hours(self, t: dt.datetime, hours: float) -> dt.datetime:
        """``t`` plus ``hours`` of office time; the result may be a closing exactly."""
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        t = self.next_opening(t)
        remaining = dt.timedelta(hours=hours)
        while True:
            left_today = _span(t, self.closing(t.date()))
            if remaining <= left_today:
                return _shift(t, remaining, self.tz)
            remaining -= left_today
            t = self.opening(self.next_working_day(t.date()))

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Office hours on working days between two moments (0 when ``end`` is not later);
        how long a step took, against its standard time."""
        if end <= start:
            return 0.0
        first, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        total = dt.timedelta()
        day = first
        while day <= last:
            if self.is_working_day(day):
                begin = max(start, self.opening(day))
                finish = min(end, self.closing(day))
                if finish > begin:
                    total += finish - begin
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600

    def subtract_working_hours(self, t: dt.datetime, hours: float) -> dt.datetime:
        """``t`` minus ``hours`` of office time; the result may be an opening exactly."""
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        t = self._local(t)
        d = t.date()
        # Move back into office time: (opening, closing] of a working day.
        if not (self.is_working_day(d) and self.opening(d) < t):
            t = self.closing(self.previous_working_day(d))
        elif t > self.closing(d):
            t = self.closing(d)
        remaining = dt.timedelta(hours=hours)
        while True:
            done_today = _span(self.opening(t.date()), t)
            if remaining <= done_today:
                return _shift(t, -remaining, self.tz)
            remaining -= done_today
            t = self.closing(self.previous_working_day(t.date()))

    def escalation_times(
        self, deadline: dt.datetime, interval_days: int, cap: int
    ) -> list[dt.datetime]:
        """``cap`` escalation moments, all in office hours: the deadline itself if office is
        open then, else the next opening; then the opening every ``interval_days``
        working days."""
        if interval_days < 1:
            raise ValueError(
                f"escalation interval must be at least 1 working day, got {interval_days}"
            )
        if cap < 0:
            raise ValueError(f"escalation cap must not be negative, got {cap}")
        if cap == 0:
            return []
        first = self.next_opening(self._local(deadline, "deadline"))
        times = [first]
        d = first.date()
        for _ in range(cap - 1):
            d = self._working_days_after(d, interval_days)
            times.append(self.opening(d))
        return times

    def working_days_left(self, now: dt.datetime, deadline: dt.datetime) -> int:
        """Working days from today to the deadline's day, both included; today only while
        its office is still open. 0 once overdue."""
        now = self._local(now, "now")
        deadline = self._local(deadline, "deadline")
        if now >= deadline:
            return 0
        today = now.date()
        first = today
        if not (self.is_working_day(today) and now < self.closing(today)):
            first = today + dt.timedelta(days=1)
        return sum(1 for d in _days(first, deadline.date()) if self.is_working_day(d))

    def schedule(
        self,
        clock_start: dt.datetime,
        standard_time: str,
        reminder_before_hours: float,
        escalation_interval_days: int,
        escalation_cap: int,
    ) -> Schedule:
        """The clock of one task (SOP.md, "The clock, precisely"), every moment in UTC."""
        start = self._local(clock_start, "clock_start")
        deadline = self.deadline(start, standard_time)
        reminder: dt.datetime | None = None
        # A non-positive lead time means no reminder rather than one at the deadline.
        if reminder_before_hours > 0:
            reminder = self.subtract_working_hours(deadline, reminder_before_hours)
            if reminder <= start:
                reminder = None  # already past at assignment
        escalations = self.escalation_times(deadline, escalation_interval_days, escalation_cap)
        return Schedule(
            standard_time=standard_time,
            deadline=_utc(deadline),
            reminder_at=_utc(reminder) if reminder is not None else None,
            escalations=[_utc(t) for t in escalations],
        )


# Arithmetic through UTC: subtracting two datetimes sharing a tzinfo object would compare
# wall-clock times, which is wrong across an offset change.
def _span(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    return b.astimezone(dt.UTC) - a.astimezone(dt.UTC)


def _shift(t: dt.datetime, delta: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    return (t.astimezone(dt.UTC) + delta).astimezone(tz)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC)


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)
