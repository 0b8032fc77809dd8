"""Official numbers after the reporting database is lost: the numbering sequences live only
there, so the backfill moves each one past the highest number already given (in the archive
bags, the running processes and those closed without an archive), and the next IKU the
Minister signs gets the number after it, never one given before. A backfill over a database
already ahead leaves it there.

The register of which process got which number is restored from the same places: a process
asking for its number again gets the one it was given. A register entry that disagrees with
what was found is reported as a conflict and left as it is. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from temporalio.testing import WorkflowEnvironment

from commands import iku
from common.models import CancelRequest, OfficialNumber, OfficialNumberRequest, StatusView
from common.numbering import ROMAN_MONTHS
from common.settings import Settings, get_settings
from reporting.backfill import BackfillReport, backfill_archives, backfill_running
from reporting.database import ReportingDatabase
from reporting.events import process_key
from reporting.numbering import give_number, given_numbers
from reporting.register import Restored
from reporting.schema import Base, GivenNumber, NumberSequence, Process
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


def iku_on(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `iku` command run on the test's data and reporting database."""
    monkeypatch.setenv("IKU_DATA_DIR", str(settings.data_dir))
    if settings.reporting_database_url is not None:
        url = settings.reporting_database_url.get_secret_value()
        monkeypatch.setenv("IKU_REPORTING_DATABASE_URL", url)
    get_settings.cache_clear()


def signed_in_april(code: str) -> OfficialNumberRequest:
    """The number asked for an IKU started on 1 April 2027 and signed on the 12th."""
    return OfficialNumberRequest.model_validate(
        {
            "workflow_id": f"iku-2027-{code}",
            "started_at": "2027-04-01T01:00:00+00:00",
            "process": {"year": 2027, "code": code, "title": "IKU", "started_by": "p-001"},
            "signed_at": "2027-04-12T03:00:00+00:00",
        }
    )


def register_of(settings: Settings, year: int, classification: str) -> list[tuple[str, str]]:
    """The register of one sequence, as (process key, number), in the order given."""
    db = ReportingDatabase(settings)
    rows = [(g.process_key, g.number) for g in given_numbers(db, year, classification)]
    db.dispose()
    return rows


def key_of(status: StatusView) -> str:
    return process_key(status.workflow_id, status.history[0].at)


def asked_again(status: StatusView) -> OfficialNumberRequest:
    """The process asking for its number again, as the workflow asks at the signature."""
    assert status.signature is not None
    return OfficialNumberRequest(
        workflow_id=status.workflow_id,
        started_at=status.history[0].at,
        process=status.process,
        signed_at=status.signature.at,
    )


def expected(status: StatusView, seq: int) -> str:
    assert status.signature is not None
    signed = status.signature.at.astimezone(WIB)
    return f"{seq}/SJ/OT.04.00/{ROMAN_MONTHS[signed.month - 1]}/{signed.year}"


async def test_after_the_database_is_lost_the_backfill_restores_the_register_and_numbers_on(
    ts_env: WorkflowEnvironment, reporting_settings: Settings
):
    """Two IKUs signed and archived, then the reporting database lost: the backfill puts
    both numbers back in the register, and the next signature gets the third."""
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
    register = [(key_of(s), expected(s, i + 1)) for i, s in enumerate(statuses)]
    assert register_of(settings, first.year, "OT.04.00") == register

    # Over the live database the backfill finds the register as it is: keyed alike.
    db = ReportingDatabase(settings)
    live = backfill_archives(db, settings)
    db.dispose()
    assert live.register == Restored(restored=0, held=2)

    # The reporting database is lost, and rebuilt from the archives.
    lose(settings)
    db = ReportingDatabase(settings)
    report = backfill_archives(db, settings)
    # Both numbers back in the register, with their moments, each under its process.
    assert report.register == Restored(restored=2, held=0)
    restored = given_numbers(db, first.year, "OT.04.00")
    assert [(g.process_key, g.number) for g in restored] == register
    assert [g.given_at for g in restored] == [n.given_at for n in given if n]
    # A process asking again (an activity retried) gets its own number, not a new one.
    assert give_number(db, settings, asked_again(statuses[0])) == first
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
    # Run again, the backfill restores nothing: the register has them, and the third.
    assert again.register == Restored(restored=0, held=2)
    assert register_of(settings, first.year, "OT.04.00") == [
        *register,
        (key_of(status), expected(status, 3)),
    ]


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

    iku_on(settings, monkeypatch)
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
    # The register: the number status.json says is restored, once; the damaged bag's is
    # counted in the numbering only (no process to write it under), the bag named above.
    assert "archives: register: 1 entry restored, 0 already held" in said
    assert "archives: register: 0 entries restored, 1 already held" in said_again
    started = "20270104T020000.000000Z"  # tests/test_cli_errors.py's bags' start
    assert register_of(settings, 2027, "OT.04.00") == [
        (f"iku-2027-utuh@{started}", "7/SJ/OT.04.00/III/2027")
    ]
    assert register_of(settings, 2027, "KP.01.00") == []

    db = ReportingDatabase(settings)
    signed = signed_in_april(code="baru")
    assert give_number(db, settings, signed).number == "8/SJ/OT.04.00/IV/2027"
    db.dispose()


def numbered(n: int, code: str, seq: int) -> dict[str, object]:
    """A bag's status.json for process ``code``, numbered ``seq`` in March 2027."""
    return {
        "workflow_id": f"iku-2027-{code}",
        "process": {"year": 2027, "code": code, "title": "IKU", "started_by": "p-001"},
        "official_number": {
            "number": f"{seq}/SJ/OT.04.00/III/2027",
            "seq": seq,
            "year": 2027,
            "classification": "OT.04.00",
            "given_at": f"2027-03-{n:02}T03:00:00+00:00",
        },
    }


def test_a_register_entry_that_disagrees_with_the_archive_is_reported_not_overwritten(
    reporting_settings: Settings, monkeypatch, capsys
):
    """The reporting database restored from an older dump whose register disagrees with
    the archives: the Biro's register says IKU "beda" got 6 where its bag says 7, and holds
    8 for a process whose bag is not here where "direbut"'s bag says 8. Both are reported,
    neither row is touched; "baru", missing from it, is restored; the sequence still moves
    past the highest number found, and the command exits 1 for a person to look."""
    from tests.test_cli_errors import name, write_bag

    settings = reporting_settings
    started = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)  # tests/test_cli_errors.py's bags
    for n, (code, seq) in enumerate((("beda", 7), ("direbut", 8), ("baru", 9)), start=1):
        write_bag(settings.archive_dir / name(n, code), code, status=numbered(n, code, seq))
    older = [
        (process_key("iku-2027-beda", started), 6),
        (process_key("iku-2027-lain", started), 8),
    ]
    db = ReportingDatabase(settings)
    with db.session() as s:
        for key, seq in older:
            s.add(
                GivenNumber(
                    process_key=key,
                    workflow_id=key.split("@")[0],
                    year=2027,
                    classification="OT.04.00",
                    seq=seq,
                    number=f"{seq}/SJ/OT.04.00/II/2027",
                    given_at=datetime(2027, 2, seq, 3, 0, tzinfo=UTC),
                )
            )
    db.dispose()

    iku_on(settings, monkeypatch)
    try:
        assert iku.main(["reporting", "backfill", "--archives-only"]) == 1
        said = capsys.readouterr().err
        assert iku.main(["reporting", "backfill", "--archives-only"]) == 1  # still there
        said_again = capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    beda, lain = (key for key, _ in older)
    direbut = process_key("iku-2027-direbut", started)
    conflicts = [
        f"conflict {beda}: bag {name(1, 'beda')} says 7/SJ/OT.04.00/III/2027, the register "
        "holds 6/SJ/OT.04.00/II/2027 for it; left as it is",
        f"conflict {direbut}: bag {name(2, 'direbut')} says 8/SJ/OT.04.00/III/2027, the "
        f"register holds that number for {lain}; left as it is",
    ]
    for line in conflicts:
        assert line in said and line in said_again
    assert "archives: register: 1 entry restored, 0 already held, 2 conflicts" in said
    assert "archives: register: 0 entries restored, 1 already held, 2 conflicts" in said_again
    assert "2027 OT.04.00 to 9 (was 0, the next is 10)" in said  # re-seeded all the same
    assert "skipped" not in said

    # The register as it was, with "baru" added; the next signature gets 10.
    assert register_of(settings, 2027, "OT.04.00") == [
        (beda, "6/SJ/OT.04.00/II/2027"),
        (lain, "8/SJ/OT.04.00/II/2027"),
        (process_key("iku-2027-baru", started), "9/SJ/OT.04.00/III/2027"),
    ]
    db = ReportingDatabase(settings)
    signed = signed_in_april(code="berikut")
    assert give_number(db, settings, signed).seq == 10
    db.dispose()


def test_a_number_a_bag_says_only_in_part_is_counted_but_not_put_in_the_register(
    reporting_settings: Settings,
):
    """A bag whose status.json lost the number's moment, bag-info.txt still writing the
    number: the sequence moves past it, the register is not guessed at, and the bag is
    named for it."""
    from tests.test_cli_errors import name, write_bag

    settings = reporting_settings
    status = numbered(1, "sebagian", 4)
    del status["official_number"]["given_at"]  # type: ignore[attr-defined]
    bag = write_bag(settings.archive_dir / name(1, "sebagian"), "sebagian", status=status)
    info = bag / "bag-info.txt"
    info.write_text(info.read_text() + "Nomor-Naskah-Dinas: 4/SJ/OT.04.00/III/2027\n")
    db = ReportingDatabase(settings)
    report = backfill_archives(db, settings)
    db.dispose()
    assert (report.processes, report.numbers) == (1, {(2027, "OT.04.00"): 4})
    assert report.register == Restored()
    assert report.skipped == [
        f"{name(1, 'sebagian')}: its official number (2027 OT.04.00 no. 4) is counted in the "
        "numbering but not restored in the register: data/status.json does not say it"
    ]
    assert register_of(settings, 2027, "OT.04.00") == []


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
    # Both numbers back in the register: the running process's from its status, the
    # cancelled one's from the closed pass; the running process's record says it too.
    assert report.register == Restored(restored=2, held=0)
    assert register_of(settings, first.year, first.classification) == [
        (key_of(s), n.number) for s, n in zip(signed, numbers, strict=True) if n
    ]
    db = ReportingDatabase(settings)
    with db.session() as s:
        recorded = s.scalars(select(Process.official_number)).all()
    assert recorded == [first.number]
    # The running process asking again gets its own number.
    assert give_number(db, settings, asked_again(signed[0])) == first
    db.dispose()
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
