"""The conformance figures (Kinerja SOP) of a scripted set of processes, against figures
worked out by hand; and the backfill from archives giving the live record's figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from commands import iku
from common.models import (
    Action,
    ChecklistAnswer,
    DocVersion,
    HistoryEntry,
    HistoryEvent,
    ProcessInput,
    ReportBatch,
)
from common.settings import Settings, get_settings
from common.workcalendar import WorkCalendar
from reporting.backfill import backfill_archives
from reporting.database import ReportingDatabase
from reporting.figures import Filters
from reporting.queries import figures
from reporting.recorder import record_batch
from tests.conftest import serving
from tests.scenario import KABAG, KARO, Scenario
from workflows import sop
from workflows.sop import WIB

KASUBAG_ROLE, KABAG_ROLE = sop.step(1).role, sop.step(2).role
PLH = "p-011"  # the Kabag's Plh in the scripted process


def wib(day: str, hm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}:00").replace(tzinfo=WIB)


class Riwayat:
    """A process's riwayat written by hand, entry by entry."""

    def __init__(self, at: datetime) -> None:
        self.entries = [HistoryEntry(seq=1, at=at, event=HistoryEvent.STARTED, person="p-001")]
        self.task = 0

    def add(self, event: HistoryEvent, at: datetime, step: int, rnd: int, **kw: object) -> None:
        if event is HistoryEvent.ENTERED:
            self.task += 1
        self.entries.append(
            HistoryEntry(
                seq=len(self.entries) + 1,
                at=at,
                event=event,
                step=step,
                round=rnd,
                task_id=f"s{step:02d}-{self.task:03d}",
                **kw,  # type: ignore[arg-type]
            )
        )

    def passes(self, step: int, rnd: int, entered: datetime, decided: datetime, **kw: object):
        self.add(HistoryEvent.ENTERED, entered, step, rnd, target=sop.step(step).role)
        self.add(HistoryEvent.DECIDED, decided, step, rnd, **kw)


def _unmet(*items: str) -> list[ChecklistAnswer]:
    return [ChecklistAnswer(item=i, ok=False, remark="kurang") for i in items]


DRAFT = [DocVersion(kind="konsep_rencana_kerja", version=1, sha256="a" * 64)]


def scripted() -> list[ReportBatch]:
    # 2027: Wednesday 14 April is a holiday (the test's overrides file). Returned once,
    # then overdue with two escalations and approved by the Kabag's Plh; waits at step 3.
    a = Riwayat(wib("2027-04-12", "08:00"))
    a.passes(
        1,
        1,
        wib("2027-04-12", "08:00"),
        wib("2027-04-12", "10:00"),
        person="p-001",
        action=Action.SUBMIT,
        documents=DRAFT,
    )
    a.passes(
        2,
        1,
        wib("2027-04-12", "10:00"),
        wib("2027-04-13", "15:00"),
        person=KABAG,
        action=Action.RETURN,
        note="TOR belum memadai.",
        checklist=_unmet("tor_memadai"),
    )
    a.passes(
        1,
        2,
        wib("2027-04-13", "15:00"),
        wib("2027-04-15", "09:00"),
        person="p-001",
        action=Action.SUBMIT,
    )
    a.add(HistoryEvent.ENTERED, wib("2027-04-15", "09:00"), 2, 2, target=KABAG_ROLE)
    a.add(HistoryEvent.OVERDUE, wib("2027-04-19", "16:00"), 2, 2)
    a.add(HistoryEvent.ESCALATION, wib("2027-04-20", "07:30"), 2, 2, target="karo", detail="1/3")
    a.add(HistoryEvent.ESCALATION, wib("2027-04-21", "07:30"), 2, 2, target="karo", detail="2/3")
    a.add(
        HistoryEvent.DECIDED,
        wib("2027-04-21", "10:00"),
        2,
        2,
        person=PLH,
        acting_for=KABAG,
        acting_kind="plh",
        action=Action.APPROVE,
        note="Setuju.",
    )
    a.add(HistoryEvent.ENTERED, wib("2027-04-21", "10:00"), 3, 2, target=sop.step(3).role)
    # 2026: returned for two unmet items, then cancelled.
    b = Riwayat(wib("2026-04-13", "08:00"))
    b.passes(
        1,
        1,
        wib("2026-04-13", "08:00"),
        wib("2026-04-13", "09:00"),
        person="p-001",
        action=Action.SUBMIT,
    )
    b.passes(
        2,
        1,
        wib("2026-04-13", "09:00"),
        wib("2026-04-13", "11:00"),
        person=KABAG,
        action=Action.RETURN,
        note="Lengkapi.",
        checklist=_unmet("kelengkapan", "tor_memadai"),
    )
    b.passes(
        1,
        2,
        wib("2026-04-13", "11:00"),
        wib("2026-04-13", "12:00"),
        person="p-001",
        action=Action.SUBMIT,
    )
    b.add(HistoryEvent.ENTERED, wib("2026-04-13", "12:00"), 2, 2, target=KABAG_ROLE)
    b.entries.append(
        HistoryEntry(
            seq=len(b.entries) + 1,
            at=wib("2026-04-13", "13:00"),
            event=HistoryEvent.CANCELLED,
            person="ops",
            note="Diganti.",
        )
    )
    return [
        ReportBatch(
            workflow_id=wid,
            started_at=r.entries[0].at,
            entries=r.entries,
            process=ProcessInput(
                year=year, code="kemnaker", title=f"IKU {year}", started_by="p-001"
            ),
        )
        for wid, year, r in (("iku-2027-kemnaker", 2027, a), ("iku-2026-kemnaker", 2026, b))
    ]


@pytest.fixture
def holiday_settings(reporting_settings: Settings) -> Settings:
    assert reporting_settings.calendar_overrides_file is not None
    reporting_settings.calendar_overrides_file.write_text(
        "holidays:\n  - date: 2027-04-14\n    name: Libur uji\n"
    )
    return reporting_settings


def in_order(batch: ReportBatch) -> list[ReportBatch]:
    return [batch]


def newest_first(batch: ReportBatch) -> list[ReportBatch]:
    """Each entry alone, the last first: every decision before its task's entry (batches
    lost, then backfilled; or two writers of one process at once)."""
    return [batch.model_copy(update={"entries": [e]}) for e in reversed(batch.entries)]


@pytest.mark.parametrize("batches", [in_order, newest_first])
def test_the_figures_of_a_scripted_set_equal_those_worked_out_by_hand(
    holiday_settings: Settings, batches: Callable[[ReportBatch], list[ReportBatch]]
):
    settings = holiday_settings
    calendar = WorkCalendar.from_settings(settings)
    for day in ("2027-04-12", "2027-04-13", "2027-04-15", "2027-04-16", "2026-04-13"):
        assert calendar.is_working_day(datetime.fromisoformat(day).date()), day
    assert not calendar.is_working_day(datetime(2027, 4, 14).date())
    db = ReportingDatabase(settings)
    for batch in scripted():
        for part in batches(batch):
            with db.session() as s:
                record_batch(s, part, settings=settings, calendar=calendar)
    now = wib("2027-04-23", "12:00")
    with db.session() as s:
        got = figures(s, Filters(), calendar, now)
        in_2027 = figures(s, Filters(start=datetime(2027, 1, 1, tzinfo=UTC)), calendar, now)
    db.dispose()

    step1, step2 = got.steps[0], got.steps[1]
    # Step 1, Kasubag: 2 h, 2.5 h (Tuesday 15.00–16.00, the holiday, Thursday 07.30–09.00),
    # 1 h and 1 h; all inside 3 working days.
    assert (step1.step, step1.role, step1.standard_time) == (1, KASUBAG_ROLE, "3d")
    assert (step1.passes, step1.returns, step1.measured) == (4, 0, 4)
    assert step1.median_hours == pytest.approx(1.5)
    assert step1.p90_hours == pytest.approx(2.5)  # the 4th of 4 (⌈3.6⌉)
    assert step1.on_time_share == 1.0 and step1.escalations == 0
    # Step 2, Kabag: returned after 13.5 h (Monday 10.00–16.00, Tuesday 07.30–15.00);
    # approved by the Plh after 35.5 h (Thu 7, Fri 9, Mon 8.5, Tue 8.5, Wed 2.5), past the
    # deadline (Monday 19 April, 16.00) with two escalations; 2026's return after 2 h.
    assert (step2.step, step2.role, step2.standard_time) == (2, KABAG_ROLE, "2d")
    assert (step2.passes, step2.approvals, step2.returns) == (3, 1, 2)
    assert step2.median_hours == pytest.approx(13.5)
    assert step2.p90_hours == pytest.approx(35.5)
    assert step2.on_time == 2 and step2.on_time_share == pytest.approx(2 / 3)
    assert step2.escalations == 2 and step2.by_acting == 1
    assert step2.return_reasons == {"tor_memadai": 2, "kelengkapan": 1}
    assert all(r.passes == 0 for r in got.steps[2:])
    assert [r.step for r in got.steps] == list(range(1, 17))

    assert got.on_time_by_role == {
        KABAG_ROLE: {"2026-04": 1.0, "2027-04": 0.5},
        KASUBAG_ROLE: {"2026-04": 1.0, "2027-04": 1.0},
    }
    # Still running: 2027's process at step 3 since Wednesday 10.00 (6 + 8.5 + 4.5 h);
    # since Monday 12 April 08.00, 72.5 working hours (8 + 8.5 + 8.5 + 9 + 4 × 8.5 + 4.5).
    (waiting,) = got.longest_running
    assert (waiting.workflow_id, waiting.step, waiting.role) == ("iku-2027-kemnaker", 3, "karo")
    assert waiting.waiting_hours == pytest.approx(19.0)
    assert waiting.running_hours == pytest.approx(72.5)

    y2026, y2027 = got.years
    assert (y2026.year, y2026.processes, y2026.cancelled, y2026.running) == (2026, 1, 1, 0)
    assert (y2026.passes, y2026.returns, y2026.escalations, y2026.on_time_share) == (3, 1, 0, 1.0)
    assert (y2027.year, y2027.processes, y2027.running, y2027.archived) == (2027, 1, 1, 0)
    assert (y2027.passes, y2027.returns, y2027.escalations) == (4, 1, 2)
    assert y2027.on_time_share == pytest.approx(0.75)

    # The period: only 2027's decisions.
    assert [r.passes for r in in_2027.steps[:2]] == [2, 2]


def test_a_retried_batch_changes_no_figure(holiday_settings: Settings):
    settings = holiday_settings
    calendar = WorkCalendar.from_settings(settings)
    db = ReportingDatabase(settings)
    now = wib("2027-04-23", "12:00")
    for batch in scripted():
        with db.session() as s:
            record_batch(s, batch, settings=settings, calendar=calendar)
    with db.session() as s:
        once = figures(s, Filters(), calendar, now)
    for batch in scripted():
        # Retried, and again in pieces in another order.
        for part in (batch.entries[5:], batch.entries[:7], batch.entries):
            with db.session() as s:
                record_batch(
                    s,
                    batch.model_copy(update={"entries": part}),
                    settings=settings,
                    calendar=calendar,
                )
    with db.session() as s:
        assert figures(s, Filters(), calendar, now) == once
    db.dispose()


async def test_the_backfill_from_archives_gives_the_live_record_s_figures(
    ts_env: WorkflowEnvironment, reporting_settings: Settings, tmp_path, monkeypatch, capsys
):
    settings = reporting_settings
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to(9)
        await p.return_(KARO, "Indikator 3 belum memiliki formula.")
        await p.approve(KABAG, new_draft="Draf IKU v2")
        await p.walk_to_end()
        await p.result()
        q = await Scenario(ts_env.client, settings).start()
        await q.walk_to_end()
        await q.result()
    calendar = WorkCalendar.from_settings(settings)
    now = datetime.now(UTC) + timedelta(days=400)
    live_db = ReportingDatabase(settings)
    with live_db.session() as s:
        live = figures(s, Filters(), calendar, now)
    # A lost database: a new one, rebuilt from the archive folder.
    rebuilt = settings.model_copy(
        update={"reporting_database_url": None, "data_dir": tmp_path / "rebuilt"}
    )
    rebuilt = rebuilt.model_copy(update={"archive_dir": settings.archive_dir})
    new_db = ReportingDatabase(rebuilt)
    report = backfill_archives(new_db, rebuilt)
    assert (report.processes, report.skipped) == (2, [])
    with new_db.session() as s:
        again = figures(s, Filters(), calendar, now)
    assert again == live
    assert sum(r.passes for r in live.steps) == 16 + 18  # the second walk returned once
    assert [y.archived for y in live.years] == [2]
    # And over the live database itself: nothing new.
    assert backfill_archives(live_db, settings).events == 0
    # The command does the same from the IKU_* settings.
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path / "by-command"))
    monkeypatch.setenv("IKU_ARCHIVE_DIR", str(settings.archive_dir))
    get_settings.cache_clear()
    try:
        assert iku.main(["reporting", "backfill", "--archives-only"]) == 0
    finally:
        get_settings.cache_clear()
    assert "archives: 2 processes" in capsys.readouterr().err
    by_command = ReportingDatabase(Settings(data_dir=tmp_path / "by-command"))
    with by_command.session() as s:
        assert figures(s, Filters(), calendar, now) == live
    by_command.dispose()
    live_db.dispose()
    new_db.dispose()
