"""The working-time calendar, read as the SOP's own scenarios (SOP.md, "Time (Waktu)").

Against the real ``holidays`` package, on fixed dates in 2026. Weekdays for reading:
March 2026 — Mon 2, 9, 16, 23, 30; Fri 6, 13, 20, 27. April 2026 — Thu 2, Fri 3, Mon 6.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.schedule import ScheduleActivities
from common.deadline import deadline_line
from common.models import Schedule, ScheduleRequest
from common.settings import Settings
from common.workcalendar import (
    OverrideDay,
    Overrides,
    StandardTime,
    WorkCalendar,
    _package_holidays,
    covered_until,
    load_overrides,
    parse_standard_time,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
EXAMPLE = (
    Path(__file__).resolve().parents[1] / "common" / "data" / ("calendar-overrides.example.yaml")
)


def wib(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def utc(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def overrides(
    holidays: dict[date, str] | None = None, workdays: dict[date, str] | None = None
) -> Overrides:
    return Overrides(
        holidays=tuple(OverrideDay(date=d, name=n) for d, n in (holidays or {}).items()),
        workdays=tuple(OverrideDay(date=d, name=n) for d, n in (workdays or {}).items()),
    )


# --- the package's calendar ------------------------------------------------------------


def test_package_knows_nyepi_idul_fitri_and_cuti_bersama_2026(cal: WorkCalendar) -> None:
    # What the scenarios below rely on; if a package release moves these, this fails first.
    assert {date(2026, 3, d): cal.day_off_name(date(2026, 3, d)) for d in range(17, 26)} == {
        date(2026, 3, 17): None,
        date(2026, 3, 18): "Cuti Bersama Hari Suci Nyepi",
        date(2026, 3, 19): "Hari Suci Nyepi",
        date(2026, 3, 20): "Cuti Bersama Hari Raya Idul Fitri",
        date(2026, 3, 21): "Hari Raya Idul Fitri",
        date(2026, 3, 22): "Hari kedua dari Hari Raya Idul Fitri",
        date(2026, 3, 23): "Cuti Bersama Hari Raya Idul Fitri",
        date(2026, 3, 24): "Cuti Bersama Hari Raya Idul Fitri",
        date(2026, 3, 25): None,
    }


def test_weekend_names(cal: WorkCalendar) -> None:
    assert cal.day_off_name(date(2026, 3, 7)) == "Sabtu"
    assert cal.day_off_name(date(2026, 3, 8)) == "Minggu"
    assert cal.day_off_name(date(2026, 3, 9)) is None
    assert cal.is_working_day(date(2026, 3, 9))
    assert not cal.is_working_day(date(2026, 4, 3))  # Wafat Yesus Kristus


def test_package_holidays_are_cached_per_year() -> None:
    assert _package_holidays(2026) is _package_holidays(2026)


def test_opening_and_closing_in_jakarta(cal: WorkCalendar) -> None:
    assert cal.opening(date(2026, 3, 9)) == wib(9, 7, 30)
    assert cal.closing(date(2026, 3, 9)) == wib(9, 16)
    # Friday closes at 16:30 (longer Friday prayer break).
    assert cal.closing(date(2026, 3, 13)) == wib(13, 16, 30)
    assert cal.closing(date(2026, 3, 13)).utcoffset() == timedelta(hours=7)


# --- deadlines in working days ---------------------------------------------------------


def test_review_assigned_before_idul_fitri_falls_due_after_the_whole_stretch(
    cal: WorkCalendar,
) -> None:
    # Assigned Tue 17 March 10:00: Tuesday has begun, so counting starts on the next
    # working day. 18–24 March are Nyepi, Idul Fitri and cuti bersama: day 1 is Wed 25,
    # day 2 is Thu 26.
    due = cal.deadline(wib(17, 10), "2d")
    assert due == wib(26, 16)
    assert due == utc(26, 9)


def test_assigned_during_office_hours_counts_from_the_next_day(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(9, 10), "2d") == wib(11, 16)  # Monday → Wednesday closing


def test_assigned_before_opening_that_day_counts(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(9, 7), "2d") == wib(10, 16)  # Monday 07:00 → Tuesday closing
    assert cal.deadline(wib(9, 7, 30), "2d") == wib(10, 16)  # exactly at opening, too
    assert cal.deadline(wib(9, 7, 31), "2d") == wib(11, 16)


def test_assigned_friday_afternoon_counts_from_monday(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(6, 14), "2d") == wib(10, 16)
    assert cal.deadline(wib(6, 14), "1d") == wib(9, 16)


def test_assigned_on_saturday_counts_from_monday(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(7, 9), "2d") == wib(10, 16)


def test_assigned_after_closing_counts_from_the_next_working_day(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(9, 16), "1d") == wib(10, 16)
    assert cal.deadline(wib(9, 18), "1d") == wib(10, 16)
    # The next working day is a Friday: it closes at 16:30.
    assert cal.deadline(wib(12, 17), "1d") == wib(13, 16, 30)


def test_minister_review_of_five_days_skips_good_friday(cal: WorkCalendar) -> None:
    # Assigned Tue 31 March: Wed 1, Thu 2, (Fri 3 Wafat Yesus Kristus), Mon 6, Tue 7, Wed 8.
    assert cal.deadline(wib(31, 11), "5d") == wib(8, 16, month=4)


def test_start_in_another_timezone_is_read_in_jakarta(cal: WorkCalendar) -> None:
    # 23:30 UTC on Sunday 8 March is 06:30 WIB on Monday 9: before opening, so Monday counts.
    assert cal.deadline(utc(8, 23, 30), "1d") == wib(9, 16)


# --- deadlines in working hours --------------------------------------------------------


def test_hours_within_one_day(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(9, 10), "4h") == wib(9, 14)


def test_hours_crossing_closing_continue_next_morning(cal: WorkCalendar) -> None:
    # Monday 14:00 + 4h: 2h until 16:00, then 2h from Tuesday 07:30.
    assert cal.deadline(wib(9, 14), "4h") == wib(10, 9, 30)


def test_hours_crossing_friday_closing_continue_on_monday(cal: WorkCalendar) -> None:
    # Friday 15:00 + 4h: 1.5h until 16:30, then 2.5h from Monday 07:30.
    assert cal.deadline(wib(13, 15), "4h") == wib(16, 10)


def test_hours_may_end_exactly_at_closing(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(9, 14, 30), "1.5h") == wib(9, 16)


def test_hours_outside_office_start_at_the_next_opening(cal: WorkCalendar) -> None:
    assert cal.deadline(wib(9, 6), "1h") == wib(9, 8, 30)
    assert cal.deadline(wib(9, 16), "1h") == wib(10, 8, 30)
    assert cal.deadline(wib(7, 12), "1h") == wib(9, 8, 30)  # Saturday


def test_the_next_opening_after_a_late_wake(cal: WorkCalendar) -> None:
    # Where a reminder or escalation found outside office hours waits (patch
    # mails-in-office-hours): the moment itself while open, else the next opening.
    assert cal.next_opening(wib(9, 10)) == wib(9, 10)
    assert cal.next_opening(wib(9, 7, 30)) == wib(9, 7, 30)
    assert cal.next_opening(wib(9, 16)) == wib(10, 7, 30)  # closing is closed
    assert cal.next_opening(wib(13, 16, 15)) == wib(13, 16, 15)  # Friday closes at 16.30
    assert cal.next_opening(wib(13, 20)) == wib(16, 7, 30)  # to Monday
    assert cal.next_opening(wib(17, 20)) == wib(25, 7, 30)  # over Idul Fitri
    assert cal.next_opening(datetime(2026, 3, 9, 13, tzinfo=UTC)) == wib(10, 7, 30)  # 20.00 WIB
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.next_opening(datetime(2026, 3, 9, 13))


def test_hours_skip_the_idul_fitri_stretch(cal: WorkCalendar) -> None:
    # Tuesday 17 March 15:00 + 4h: 1h that day, then 3h from Wednesday 25 March.
    assert cal.deadline(wib(17, 15), "4h") == wib(25, 10, 30)


def test_subtracting_undoes_adding(cal: WorkCalendar) -> None:
    for start in (wib(9, 7, 30), wib(13, 15), wib(17, 15, 45), wib(9, 12)):
        for hours in (0.5, 4, 8.5, 20):
            end = cal.add_working_hours(start, hours)
            assert cal.subtract_working_hours(end, hours) == start, (start, hours)


def test_subtracting_outside_office_starts_at_the_previous_closing(cal: WorkCalendar) -> None:
    assert cal.subtract_working_hours(wib(9, 7), 1) == wib(6, 15, 30)  # Friday 16:30 − 1h
    assert cal.subtract_working_hours(wib(9, 20), 1) == wib(9, 15)
    assert cal.subtract_working_hours(wib(25, 8, 30), 2) == wib(17, 15)  # over Idul Fitri


# --- overrides -------------------------------------------------------------------------


def test_an_added_day_off_moves_the_deadline_by_one_working_day() -> None:
    cal = WorkCalendar(overrides=overrides(holidays={date(2026, 3, 11): "Cuti bersama"}))
    assert cal.day_off_name(date(2026, 3, 11)) == "Cuti bersama"
    assert cal.deadline(wib(9, 10), "2d") == wib(12, 16)  # Wednesday → Thursday


def test_a_cancelled_cuti_bersama_counts_as_a_working_day() -> None:
    cal = WorkCalendar(
        overrides=overrides(workdays={date(2026, 3, 18): "Cuti bersama Nyepi dibatalkan"})
    )
    assert cal.day_off_name(date(2026, 3, 18)) is None
    # Day 1 is now Wed 18, day 2 Wed 25 (instead of Thu 26).
    assert cal.deadline(wib(17, 10), "2d") == wib(25, 16)


def test_a_saturday_declared_a_working_day_counts() -> None:
    cal = WorkCalendar(overrides=overrides(workdays={date(2026, 3, 7): "Hari kerja pengganti"}))
    assert cal.closing(date(2026, 3, 7)) == wib(7, 16)
    assert cal.deadline(wib(6, 14), "2d") == wib(9, 16)  # Saturday, then Monday


def test_overrides_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "holidays:\n  - date: 2026-03-11\n    name: Cuti bersama tambahan\n"
        "workdays:\n  - date: 2026-03-18\n    name: Cuti bersama Nyepi dibatalkan\n"
    )
    loaded = load_overrides(path)
    assert loaded == overrides(
        holidays={date(2026, 3, 11): "Cuti bersama tambahan"},
        workdays={date(2026, 3, 18): "Cuti bersama Nyepi dibatalkan"},
    )


def test_from_settings_rereads_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    settings = Settings(data_dir=tmp_path, calendar_overrides_file=path)
    # Configured before the first revision exists: no overrides yet.
    assert WorkCalendar.from_settings(settings).deadline(wib(9, 10), "2d") == wib(11, 16)
    path.write_text("holidays:\n  - date: 2026-03-11\n    name: Cuti bersama tambahan\n")
    assert WorkCalendar.from_settings(settings).deadline(wib(9, 10), "2d") == wib(12, 16)
    path.write_text("holidays: []\n")
    assert WorkCalendar.from_settings(settings).deadline(wib(9, 10), "2d") == wib(11, 16)


def test_from_settings_uses_office_hours_and_timezone(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        office_open=time(8),
        office_close=time(15),
        office_close_friday=time(15, 30),
    )
    cal = WorkCalendar.from_settings(settings)
    assert cal.deadline(wib(9, 7, 45), "1d") == wib(9, 15)  # before 08:00: Monday counts
    assert cal.deadline(wib(13, 14), "2h") == wib(16, 8, 30)


def test_example_overrides_file_loads_and_changes_no_real_year() -> None:
    example = load_overrides(EXAMPLE)
    cal = WorkCalendar(overrides=example)
    assert cal.day_off_name(date(2099, 12, 31)) == "Cuti bersama Tahun Baru"
    assert cal.is_working_day(date(2099, 12, 26))  # a Saturday made a working day
    # Copied as it is, it moves no day anyone works on now.
    assert {d.date.year for d in (*example.holidays, *example.workdays)} == {2099}
    assert example.years_checked == ()


def test_the_calendar_knows_days_off_up_to_the_last_year_the_package_or_ops_vouch_for() -> None:
    last = covered_until(2026, Overrides())
    assert last >= 2026 and _package_holidays(last)
    # A year whose cuti bersama the package does not list yet: ops entered the decree.
    assert covered_until(2026, Overrides(years_checked=(last + 1,))) == last + 1
    # A gap is a gap: a later year vouched for does not bridge the one before it.
    assert covered_until(2026, Overrides(years_checked=(last + 2,))) == last
    assert covered_until(2101, Overrides()) == 2100


def test_no_path_missing_file_or_empty_file_mean_no_overrides(tmp_path: Path) -> None:
    assert load_overrides(None) == Overrides()
    assert load_overrides(tmp_path / "absent.yaml") == Overrides()
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    assert load_overrides(empty) == Overrides()
    only_keys = tmp_path / "keys.yaml"
    only_keys.write_text("holidays:\nworkdays:\n")
    assert load_overrides(only_keys) == Overrides()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("holidays: [", "not valid"),
        ("- date: 2026-03-11\n  name: x\n", "expected a mapping"),
        ("holiday:\n  - date: 2026-03-11\n    name: x\n", "holiday"),
        ("holidays:\n  - date: 2026-02-30\n    name: x\n", "holidays.0.date"),
        ("holidays:\n  - date: 2026-03-11\n", "name"),
        ("holidays:\n  - date: 2026-03-11\n    name: ''\n", "name"),
        (
            "holidays:\n  - {date: 2026-03-11, name: a}\n  - {date: 2026-03-11, name: b}\n",
            "holidays lists a date twice: 2026-03-11",
        ),
        (
            "holidays:\n  - {date: 2026-03-11, name: a}\n"
            "workdays:\n  - {date: 2026-03-11, name: b}\n",
            "both a holiday and a workday: 2026-03-11",
        ),
    ],
)
def test_invalid_overrides_file_names_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "broken-overrides.yaml"
    path.write_text(content)
    with pytest.raises(ValueError, match=r"broken-overrides\.yaml") as info:
        load_overrides(path)
    assert problem in str(info.value)
    settings = Settings(data_dir=tmp_path, calendar_overrides_file=path)
    with pytest.raises(ValueError, match=r"broken-overrides\.yaml"):
        WorkCalendar.from_settings(settings)


# --- reminder --------------------------------------------------------------------------


def test_reminder_is_working_hours_before_the_deadline(cal: WorkCalendar) -> None:
    plan = cal.schedule(
        wib(17, 10), "2d", reminder_before_hours=4, escalation_interval_days=1, escalation_cap=3
    )
    assert plan.deadline == utc(26, 9)  # Thu 26 March 16:00 WIB
    assert plan.reminder_at == wib(26, 12)


def test_reminder_reaches_back_over_the_holidays(cal: WorkCalendar) -> None:
    # Deadline Wed 25 March 16:00; 10 working hours earlier: 8.5h on Wednesday, 1.5h before
    # Tuesday 17 March's closing.
    plan = cal.schedule(
        wib(16, 10), "2d", reminder_before_hours=10, escalation_interval_days=1, escalation_cap=1
    )
    assert plan.deadline == wib(25, 16)
    assert plan.reminder_at == wib(17, 14, 30)


def test_reminder_before_friday_closing(cal: WorkCalendar) -> None:
    plan = cal.schedule(
        wib(12, 10), "1d", reminder_before_hours=4, escalation_interval_days=1, escalation_cap=0
    )
    assert plan.deadline == wib(13, 16, 30)
    assert plan.reminder_at == wib(13, 12, 30)


def test_reminder_skipped_when_already_past_at_assignment(cal: WorkCalendar) -> None:
    # "2h" from Monday 10:00 is due at 12:00; 4 working hours before is 08:00.
    plan = cal.schedule(
        wib(9, 10), "2h", reminder_before_hours=4, escalation_interval_days=1, escalation_cap=1
    )
    assert plan.deadline == wib(9, 12)
    assert plan.reminder_at is None
    # Exactly at the clock's start is not after it: skipped too.
    plan = cal.schedule(
        wib(9, 10), "4h", reminder_before_hours=4, escalation_interval_days=1, escalation_cap=1
    )
    assert plan.reminder_at is None


def test_no_reminder_when_lead_time_is_zero(cal: WorkCalendar) -> None:
    plan = cal.schedule(
        wib(9, 10), "2d", reminder_before_hours=0, escalation_interval_days=1, escalation_cap=1
    )
    assert plan.reminder_at is None


# --- escalations -----------------------------------------------------------------------


def test_escalations_start_at_the_next_opening_and_skip_good_friday(cal: WorkCalendar) -> None:
    # Due Thursday 2 April at closing; Friday 3 April is Wafat Yesus Kristus.
    assert cal.escalation_times(wib(2, 16, month=4), interval_days=1, cap=3) == [
        wib(6, 7, 30, month=4),
        wib(7, 7, 30, month=4),
        wib(8, 7, 30, month=4),
    ]


def test_escalations_at_an_interval_of_working_days_over_idul_fitri(cal: WorkCalendar) -> None:
    assert cal.escalation_times(wib(17, 16), interval_days=2, cap=4) == [
        wib(25, 7, 30),
        wib(27, 7, 30),
        wib(31, 7, 30),
        wib(2, 7, 30, month=4),
    ]


def test_first_escalation_is_the_deadline_when_office_is_open(cal: WorkCalendar) -> None:
    assert cal.escalation_times(wib(9, 12), interval_days=1, cap=2) == [
        wib(9, 12),
        wib(10, 7, 30),
    ]
    assert cal.escalation_times(wib(9, 6), interval_days=1, cap=1) == [wib(9, 7, 30)]


def test_escalation_cap(cal: WorkCalendar) -> None:
    assert cal.escalation_times(wib(9, 16), interval_days=1, cap=0) == []
    assert len(cal.escalation_times(wib(9, 16), interval_days=1, cap=7)) == 7
    with pytest.raises(ValueError, match="at least 1 working day"):
        cal.escalation_times(wib(9, 16), interval_days=0, cap=1)
    with pytest.raises(ValueError, match="cap must not be negative"):
        cal.escalation_times(wib(9, 16), interval_days=1, cap=-1)


def test_schedule_is_in_utc(cal: WorkCalendar) -> None:
    plan = cal.schedule(
        wib(17, 10), "2d", reminder_before_hours=4, escalation_interval_days=1, escalation_cap=3
    )
    assert plan == Schedule(
        standard_time="2d",
        deadline=utc(26, 9),
        reminder_at=utc(26, 5),
        escalations=[utc(27, 0, 30), utc(30, 0, 30), utc(31, 0, 30)],
    )
    moments = [plan.deadline, plan.reminder_at, *plan.escalations]
    assert all(m is not None and m.tzinfo is UTC for m in moments)


# --- working days left -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (wib(17, 10), 3),  # today still counts
        (wib(17, 16), 2),  # office closed: today no longer counts
        (wib(21, 9), 2),  # Saturday, Idul Fitri
        (wib(25, 9), 2),
        (wib(26, 15, 59), 1),
        (wib(26, 16), 0),  # overdue
        (wib(27, 9), 0),
    ],
)
def test_working_days_left(cal: WorkCalendar, now: datetime, left: int) -> None:
    assert cal.working_days_left(now, wib(26, 16)) == left


@pytest.mark.parametrize(
    ("now", "lang", "line"),
    [
        (wib(17, 10), "id", "Kamis, 26 Maret 2026 pukul 16.00 WIB — sisa 3 hari kerja"),
        (wib(26, 15, 59), "id", "Kamis, 26 Maret 2026 pukul 16.00 WIB — sisa 1 hari kerja"),
        (wib(26, 16), "id", "Kamis, 26 Maret 2026 pukul 16.00 WIB — terlambat"),
        (wib(17, 10), "en", "Thursday, 26 March 2026, 16:00 WIB — 3 working days left"),
        (wib(27, 9), "en", "Thursday, 26 March 2026, 16:00 WIB — overdue"),
    ],
)
def test_every_page_and_mail_says_the_deadline_in_one_line(
    cal: WorkCalendar, now: datetime, lang: str, line: str
) -> None:
    said = deadline_line(wib(26, 16), now, cal, lang)
    assert str(said) == line
    assert said.overdue == (now >= wib(26, 16))


def test_a_task_the_workflow_marked_late_is_late_whatever_this_clock_says(
    cal: WorkCalendar,
) -> None:
    said = deadline_line(wib(26, 16), wib(17, 10), cal, "id", overdue=True, when=str)
    assert (said.left, said.days_left, said.overdue) == ("terlambat", 0, True)


# --- the activity ----------------------------------------------------------------------


async def test_activity_applies_a_standard_time_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, standard_times={7: "3d"})
    activities = ScheduleActivities(settings)
    env = ActivityEnvironment()
    plan = env.run(
        activities.plan_schedule,
        ScheduleRequest(step=7, standard_time="2d", clock_start=utc(9, 3)),  # 10:00 WIB
    )
    assert plan == Schedule(
        standard_time="3d",
        deadline=utc(12, 9),  # Thursday 16:00 WIB
        reminder_at=utc(12, 5),
        escalations=[utc(13, 0, 30), utc(16, 0, 30), utc(17, 0, 30)],
    )
    # A step without an override keeps the SOP's standard time.
    plan = env.run(
        activities.plan_schedule,
        ScheduleRequest(step=2, standard_time="2d", clock_start=utc(9, 3)),
    )
    assert plan.standard_time == "2d"
    assert plan.deadline == utc(11, 9)


async def test_activity_uses_clock_settings_and_rereads_overrides(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    settings = Settings(
        data_dir=tmp_path,
        calendar_overrides_file=path,
        reminder_before_hours=2,
        escalation_interval_days=2,
        escalation_cap=2,
    )
    activities = ScheduleActivities(settings)
    request = ScheduleRequest(step=2, standard_time="2d", clock_start=wib(9, 10))
    plan = ActivityEnvironment().run(activities.plan_schedule, request)
    assert plan == Schedule(
        standard_time="2d",
        deadline=utc(11, 9),
        reminder_at=utc(11, 7),
        escalations=[utc(12, 0, 30), utc(16, 0, 30)],
    )
    path.write_text("holidays:\n  - date: 2026-03-11\n    name: Cuti bersama tambahan\n")
    plan = ActivityEnvironment().run(activities.plan_schedule, request)
    assert plan.deadline == utc(12, 9)


async def test_activity_refuses_a_bad_request_for_good(tmp_path: Path) -> None:
    activities = ScheduleActivities(Settings(data_dir=tmp_path))
    with pytest.raises(ApplicationError, match="step 7: standard time '2x'") as info:
        ActivityEnvironment().run(
            activities.plan_schedule,
            ScheduleRequest(step=7, standard_time="2x", clock_start=wib(9, 10)),
        )
    assert info.value.non_retryable
    assert info.value.type == "InvalidScheduleRequest"


def test_a_bad_standard_time_setting_is_refused_when_settings_load(tmp_path: Path) -> None:
    # The worker does not start with it, rather than a process stalling at step 7.
    with pytest.raises(ValueError, match=r"standard_times\[7\]"):
        Settings(data_dir=tmp_path, standard_times={7: "3 days"})


# --- invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2d", StandardTime(2, "d")),
        ("10d", StandardTime(10, "d")),
        ("4h", StandardTime(4.0, "h")),
        ("1.5h", StandardTime(1.5, "h")),
    ],
)
def test_parse_standard_time(text: str, expected: StandardTime) -> None:
    assert parse_standard_time(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "not understood"),
        ("2", "not understood"),
        ("d", "not understood"),
        ("2w", "not understood"),
        ("2 d", "not understood"),
        ("-1d", "not understood"),
        ("1.5d", "whole number"),
        ("0d", "between 1 and"),
        ("366d", "between 1 and"),
        ("0h", "more than 0"),
        ("0.0h", "more than 0"),
    ],
)
def test_invalid_standard_times(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_standard_time(text)


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    naive = datetime(2026, 3, 9, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.deadline(naive, "2d")
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.subtract_working_hours(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.escalation_times(naive, 1, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_left(naive, wib(11, 16))
    with pytest.raises(ValueError, match="clock_start must be timezone-aware"):
        cal.schedule(naive, "2d", 4, 1, 3)


def test_invalid_office_hours_and_timezone() -> None:
    with pytest.raises(ValueError, match="closes"):
        WorkCalendar(office_open=time(16), office_close=time(8))
    with pytest.raises(ValueError, match="unknown timezone"):
        WorkCalendar(timezone="Asia/Atlantis")
