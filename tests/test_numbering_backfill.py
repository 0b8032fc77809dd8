"""Official numbers after the reporting database is lost: the numbering sequences live only
there, so the backfill moves each one past the highest number already given (in the archive
bags, the running processes and those closed without an archive), and the next IKU the
Minister signs gets the number after it, never one given before. A backfill over a database
already ahead leaves it there. On SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from temporalio.testing import WorkflowEnvironment

from commands import iku
from common.models import CancelRequest, OfficialNumber, OfficialNumberRequest, StatusView
from common.numbering import ROMAN_MONTHS
from common.settings import Settings, get_settings
from reporting.backfill import BackfillReport, backfill_archives, backfill_running
from reporting.database import ReportingDatabase
from reporting.numbering import give_number
from reporting.schema import Base, NumberSequence
from tests.conftest import serving
from tests.scenario import KARO, Scenario
from tests.support import eventually
from workflows.iku import IkuWorkflow
from workflows.sop import WIB


def lose(settings: Settings) -> None:
    """The reporting database lost: every table dropped (a new one is made at first use)."""
    db = ReportingDatabase(settings)
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE alembic_version"))
    db.dispose()


def last_of(settings: Settings, number: OfficialNumber) -> int | None:
    """The last number of the sequence ``number`` was given from, as the database holds it."""
    db = ReportingDatabase(settings)
    with db.session() as s:
        last = s.scalar(
            select(NumberSequence.last).where(
                NumberSequence.year == number.year,
                NumberSequence.classification == number.classification,
            )
        )
    db.dispose()
    return last


def expected(status: StatusView, seq: int) -> str:
    assert status.signature is not None
    signed = status.signature.at.astimezone(WIB)
    return f"{seq}/SJ/OT.04.00/{ROMAN_MONTHS[signed.month - 1]}/{signed.year}"


async def test_after_the_database_is_lost_the_backfill_numbers_on_after_the_archives(
    ts_env: WorkflowEnvironment, reporting_settings: Settings
):
    settings = reporting_settings
    async with serving(ts_env, settings):
        archived = [await Scenario(ts_env.client, settings).start() for _ in range(2)]
        for p in archived:
            await p.walk_to_end()
            await p.result()
        statuses = [await p.status() for p in archived]
    given = [s.official_number for s in statuses]
    assert [n.number if n else None for n in given] == [
        expected(s, i + 1) for i, s in enumerate(statuses)
    ]
    first = given[0]
    assert first is not None

    # The reporting database is lost, and rebuilt from the archives.
    lose(settings)
    db = ReportingDatabase(settings)
    report = backfill_archives(db, settings)
    db.dispose()
    assert (report.processes, report.skipped) == (2, [])

    # The next IKU the Minister signs gets 3, not 1 again.
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to(12)
        status = await p.status()
    assert status.official_number is not None
    assert (status.official_number.year, status.official_number.seq) == (first.year, 3)
    assert status.official_number.number == expected(status, 3)
    assert [(m.year, m.classification, m.last, m.was) for m in report.reseeded] == [
        (first.year, "OT.04.00", 2, 0)
    ]

    # A backfill over the database now ahead of the archives leaves it where it is.
    db = ReportingDatabase(settings)
    again = backfill_archives(db, settings)
    db.dispose()
    assert again.numbers == {(first.year, "OT.04.00"): 2}
    assert again.reseeded == []
    assert last_of(settings, first) == 3


def test_the_command_says_what_it_re_seeded_and_reads_the_number_a_damaged_bag_says(
    reporting_settings: Settings, monkeypatch, capsys
):
    """Bags as the archive writes them (tests/test_cli_errors.py): one whose status.json
    says its number, one whose status.json is damaged but whose bag-info.txt still does."""
    from tests.test_cli_errors import name, write_bag

    settings = reporting_settings
    number = {
        "number": "7/SJ/OT.04.00/III/2027",
        "seq": 7,
        "year": 2027,
        "classification": "OT.04.00",
        "given_at": "2027-03-01T03:00:00+00:00",
    }
    write_bag(
        settings.archive_dir / name(1, "utuh"),
        "utuh",
        status={
            "workflow_id": "iku-2027-utuh",
            "process": {"year": 2027, "code": "utuh", "title": "IKU", "started_by": "p-001"},
            "official_number": number,
        },
    )
    damaged = write_bag(settings.archive_dir / name(2, "rusak"), "rusak", status="{rusak")
    info = damaged / "bag-info.txt"
    info.write_text(
        info.read_text() + "Kode-Klasifikasi: KP.01.00\nNomor-Naskah-Dinas: 9/SJ/KP.01.00/V/2027\n"
    )

    monkeypatch.setenv("IKU_DATA_DIR", str(settings.data_dir))
    if settings.reporting_database_url is not None:
        url = settings.reporting_database_url.get_secret_value()
        monkeypatch.setenv("IKU_REPORTING_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert iku.main(["reporting", "backfill", "--archives-only"]) == 1  # the damaged bag
        said = capsys.readouterr().err
        assert iku.main(["reporting", "backfill", "--archives-only"]) == 1
        said_again = capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    assert (
        "archives: official numbers given in 2 sequences, 2 re-seeded: "
        "2027 KP.01.00 to 9 (was 0, the next is 10), 2027 OT.04.00 to 7 (was 0, the next is 8)"
    ) in said
    assert f"skipped {name(2, 'rusak')}: data/status.json is not JSON" in said
    assert (
        "archives: official numbers given in 2 sequences, none re-seeded "
        "(each already past the highest given)"
    ) in said_again
    assert "not asked (--archives-only)" in said_again

    db = ReportingDatabase(settings)
    signed = OfficialNumberRequest.model_validate(
        {
            "workflow_id": "iku-2027-baru",
            "started_at": "2027-04-01T01:00:00+00:00",
            "process": {"year": 2027, "code": "baru", "title": "IKU", "started_by": "p-001"},
            "signed_at": "2027-04-12T03:00:00+00:00",
        }
    )
    assert give_number(db, settings, signed).number == "8/SJ/OT.04.00/IV/2027"
    db.dispose()


@pytest.mark.devserver
async def test_the_numbers_of_running_and_cancelled_processes_are_not_given_again(
    dev_env: WorkflowEnvironment, reporting_settings: Settings
):
    settings = reporting_settings
    async with serving(dev_env, settings, listed=True):
        running = await Scenario(dev_env.client, settings).start()
        await running.walk_to(12)
        cancelled = await Scenario(dev_env.client, settings).start()
        await cancelled.walk_to(12)
        await cancelled.handle.execute_update(
            IkuWorkflow.cancel, CancelRequest(by=KARO, reason="IKU 2027 ditetapkan ulang")
        )
        await cancelled.result()
        signed = [await running.status(), await cancelled.status()]
        numbers = [s.official_number for s in signed]
        assert [n.seq if n else None for n in numbers] == [1, 2]

        # The reporting database is lost; nothing is archived: the processes say it.
        lose(settings)
        db = ReportingDatabase(settings)
        archives = backfill_archives(db, settings)

        async def listed() -> BackfillReport:  # once the server's list shows both
            report = await backfill_running(dev_env.client, db, settings)
            assert (report.processes, report.closed) == (1, 1)
            return report

        report = await eventually(listed, within=30, interval=0.5)
        db.dispose()
    assert (archives.processes, archives.reseeded) == (0, [])
    assert report.skipped == []
    first = numbers[0]
    assert first is not None
    # The next signature, the cancelled process's number or not, gets 3.
    db = ReportingDatabase(settings)
    after = OfficialNumberRequest(
        workflow_id="iku-2027-berikut",
        started_at=first.given_at,
        process=signed[0].process.model_copy(update={"code": "berikut"}),
        signed_at=first.given_at,
    )
    assert give_number(db, settings, after).seq == 3
    db.dispose()
    assert [(m.classification, m.last) for m in report.reseeded] == [("OT.04.00", 2)]
