"""The working-time calendar at its edges: the longest standard time allowed, an office
that never opens, zero hours, a moment exactly at opening or at the deadline, a one-hour
reminder, a time without a zone, and the overrides file read once until it changes.

Weekdays for reading: March 2026 — Mon 2, Wed 4, Fri 6, Mon 9.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from common.settings import Settings
from common.workcalendar import (
    MAX_DAYS,
    MAX_HOURS,
    OverrideDay,
    Overrides,
    StandardTime,
    WorkCalendar,
    load_overrides,
    parse_standard_time,
)
from tests.test_calendar import wib


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# --- standard times ----------------------------------------------------------------------


def test_a_standard_time_may_be_a_year_of_working_days_or_2000_hours_and_no_more():
    assert parse_standard_time(f"{MAX_DAYS}d") == StandardTime(MAX_DAYS, "d")
    assert parse_standard_time(f"{MAX_HOURS:g}h") == StandardTime(MAX_HOURS, "h")
    for too_long in (f"{MAX_DAYS + 1}d", f"{MAX_HOURS + 0.5:g}h", "0d", "0h"):
        with pytest.raises(ValueError, match="must be"):
            parse_standard_time(too_long)


def test_a_standard_time_that_is_not_text_is_explained_like_any_other():
    for odd in (None, 3, "3 hari"):
        with pytest.raises(ValueError) as refused:
            parse_standard_time(odd)  # type: ignore[arg-type]
        assert "whole working days like '2d' or working hours like '4h'" in str(refused.value)


def test_an_office_that_closes_when_it_opens_is_refused():
    with pytest.raises(ValueError, match="closes"):
        WorkCalendar(office_open=time(16, 0), office_close=time(16, 0))
    with pytest.raises(ValueError, match="closes"):
        WorkCalendar(office_open=time(16, 30), office_close_friday=time(16, 30))


# --- moments -----------------------------------------------------------------------------------


def test_zero_working_hours_added_or_taken_is_the_same_working_moment(cal: WorkCalendar):
    assert cal.add_working_hours(wib(2, 9), 0) == wib(2, 9)
    assert cal.subtract_working_hours(wib(2, 9), 0) == wib(2, 9)
    # Opening and the last closing are one moment of working time: counting back from
    # Monday's opening starts at Friday's closing.
    assert cal.subtract_working_hours(wib(9, 7, 30), 0) == wib(6, 16, 30)
    assert cal.subtract_working_hours(wib(9, 7, 30), 1) == wib(6, 15, 30)
    for negative in (cal.add_working_hours, cal.subtract_working_hours):
        with pytest.raises(ValueError, match="must not be negative, got -1"):
            negative(wib(2, 9), -1)


def test_no_working_day_is_left_at_the_deadline_itself_even_in_the_middle_of_the_day(
    cal: WorkCalendar,
):
    assert cal.working_days_left(wib(2, 10), wib(2, 10)) == 0
    assert cal.working_days_left(wib(2, 9), wib(2, 10)) == 1


def test_after_closing_the_days_left_start_tomorrow(cal: WorkCalendar):
    # Monday evening, due Wednesday at closing: Tuesday and Wednesday.
    assert cal.working_days_left(wib(2, 17), wib(4, 16)) == 2
    assert cal.working_days_left(wib(2, 15), wib(4, 16)) == 3


@pytest.mark.parametrize("hours", [1, 0.5])
def test_a_reminder_an_hour_or_less_before_the_deadline_is_still_sent(
    cal: WorkCalendar, hours: float
):
    plan = cal.schedule(wib(2, 9), "2d", hours, 1, 1)
    assert plan.deadline == wib(4, 16)  # Monday 9:00 is not a whole day: Tue and Wed
    assert plan.reminder_at == cal.subtract_working_hours(wib(4, 16), hours)


def test_a_time_without_a_zone_is_refused_with_the_name_of_what_it_was(cal: WorkCalendar):
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        cal.deadline(naive, "2d")
    with pytest.raises(ValueError, match=r"^deadline must be timezone-aware"):
        cal.escalation_times(naive, 1, 2)
    with pytest.raises(ValueError, match=r"^now must be timezone-aware"):
        cal.working_days_left(naive, wib(4, 16))
    with pytest.raises(ValueError, match=r"^deadline must be timezone-aware"):
        cal.working_days_left(wib(2, 9), naive)


# --- how long a step took (the bureau's Kinerja SOP) ---------------------------------------


def test_a_step_takes_only_the_office_hours_of_working_days(cal: WorkCalendar):
    assert cal.working_hours_between(wib(2, 9), wib(2, 11, 30)) == 2.5
    # Friday closes at 16:30: from 15:00 to Monday 8:30 is 1.5 + 1 hours.
    assert cal.working_hours_between(wib(6, 15), wib(9, 8, 30)) == 2.5
    # Evening to the next morning before opening: no office time at all.
    assert cal.working_hours_between(wib(2, 17), wib(3, 7)) == 0.0
    assert cal.working_hours_between(wib(7, 9), wib(8, 12)) == 0.0  # a weekend
    # A whole working day, however the moments are written (in UTC here).
    whole = cal.working_hours_between(
        datetime(2026, 3, 2, 0, 30, tzinfo=UTC), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    )
    assert whole == 8.5
    # Backwards or no time: nothing.
    assert cal.working_hours_between(wib(2, 11), wib(2, 9)) == 0.0
    assert cal.working_hours_between(wib(2, 11), wib(2, 11)) == 0.0


def test_a_holiday_of_the_overrides_takes_no_office_hours():
    day_off = Overrides(holidays=(OverrideDay(date=date(2026, 3, 3), name="Cuti bersama"),))
    cal = WorkCalendar(overrides=day_off)
    # Monday 15:00 to Wednesday 8:30: Monday's hour and Wednesday's, Tuesday off.
    assert cal.working_hours_between(wib(2, 15), wib(4, 8, 30)) == 2.0


def test_pages_count_without_an_overrides_file_that_does_not_parse(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "kalender.yaml"
    path.write_text('holidays:\n  - {date: "2026-03-03", name: "Cuti bersama"}\n')
    settings = Settings(data_dir=tmp_path, calendar_overrides_file=path)
    assert not WorkCalendar.for_display(settings).is_working_day(date(2026, 3, 3))
    path.write_text("holidays: [")
    with caplog.at_level(logging.WARNING):
        shown = WorkCalendar.for_display(settings)
    assert shown.is_working_day(date(2026, 3, 3))
    assert "pages count working days without the overrides" in caplog.text
    with pytest.raises(ValueError, match="is not valid"):
        WorkCalendar.from_settings(settings)  # the workflow's own planning waits for a fix


# --- the overrides file ---------------------------------------------------------------------


def test_the_overrides_file_is_read_once_until_it_changes(tmp_path: Path):
    path = tmp_path / "kalender.yaml"
    path.write_text('holidays:\n  - {date: "2026-03-02", name: "Cuti bersama"}\n')
    first = load_overrides(path)
    assert load_overrides(path) is first
    path.write_text(
        'holidays:\n  - {date: "2026-03-02", name: "Cuti bersama"}\n'
        '  - {date: "2026-03-03", name: "Cuti bersama"}\n'
    )
    os.utime(path, ns=(0, 1))  # a new modification time, whatever the clock's resolution
    changed = load_overrides(path)
    assert [d.date.day for d in changed.holidays] == [2, 3]
    assert load_overrides(path) is changed


def test_an_overrides_file_that_cannot_be_read_or_is_not_a_mapping_says_so(tmp_path: Path):
    with pytest.raises(ValueError, match="cannot be read"):
        load_overrides(tmp_path)  # a folder
    with pytest.raises(ValueError, match="cannot be read"):
        load_overrides(tmp_path / ("x" * 300))  # a name too long for the file system
    listed = tmp_path / "list.yaml"
    listed.write_text("- 2026-03-02\n")
    with pytest.raises(ValueError, match="expected a mapping with 'holidays' and/or 'workdays'"):
        load_overrides(listed)
    twice = tmp_path / "twice.yaml"
    twice.write_text(
        "holidays:\n"
        + "".join(f'  - {{date: "2026-03-0{d}", name: "Libur"}}\n' for d in (2, 3, 2, 3))
    )
    with pytest.raises(ValueError, match="lists a date twice: 2026-03-02, 2026-03-03"):
        load_overrides(twice)
