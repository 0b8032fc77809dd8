"""Official numbering: when the Minister signs, the IKU gets its nomor naskah dinas from a
sequence per year and classification that never gives a number twice or leaves a gap."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from common.models import OfficialNumberRequest, ProcessInput
from common.numbering import ROMAN_MONTHS
from common.settings import Settings, classification_from_sop_number
from reporting.database import ReportingDatabase
from reporting.numbering import give_number, given_numbers
from reporting.schema import Process
from tests.conftest import serving
from tests.scenario import Scenario
from workflows.sop import WIB

SIGNED = datetime(2027, 4, 12, 3, 0, tzinfo=UTC)  # 10.00 WIB, April


def _request(n: int) -> OfficialNumberRequest:
    return OfficialNumberRequest(
        workflow_id=f"iku-2027-unit{n:02d}",
        started_at=datetime(2027, 1, 4, 1, n, tzinfo=UTC),
        process=ProcessInput(year=2027, code=f"unit{n:02d}", title="IKU", started_by="p-001"),
        signed_at=SIGNED,
    )


def _at_once(calls: list, db: ReportingDatabase, settings: Settings) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = give_number(db, settings, calls[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_processes_signed_at_once_get_twenty_consecutive_numbers(
    reporting_settings: Settings,
):
    settings = reporting_settings
    db = ReportingDatabase(settings)
    numbers = _at_once([_request(n) for n in range(20)], db, settings)
    assert sorted(n.seq for n in numbers) == list(range(1, 21))
    assert {n.number for n in numbers} == {f"{i}/SJ/OT.04.00/IV/2027" for i in range(1, 21)}
    # A retried activity, and five attempts for one process at once: the same number.
    again = give_number(db, settings, _request(7))
    assert again == numbers[7]
    assert {n.number for n in _at_once([_request(3)] * 5, db, settings)} == {numbers[3].number}
    # Nothing given twice, no gap: the next process gets 21.
    assert give_number(db, settings, _request(20)).seq == 21
    assert [g.seq for g in given_numbers(db, 2027, "OT.04.00")] == list(range(1, 22))
    # Another classification or year starts its own sequence.
    other = _request(30).model_copy(
        update={
            "process": _request(30).process.model_copy(
                update={"sop_number": "2/SJ/KP.01.00/I/2027"}
            )
        }
    )
    assert give_number(db, settings, other).number == "1/SJ/KP.01.00/IV/2027"
    db.dispose()


def test_the_template_and_the_classification_come_from_settings(tmp_path: Path):
    assert classification_from_sop_number("1/.../OT.04.00/./...", "XX") == "OT.04.00"
    assert classification_from_sop_number("tanpa nomor", "OT.04.00") == "OT.04.00"
    settings = Settings(
        data_dir=tmp_path,
        official_number_template="B-{seq}/{unit}/{classification}/{month}/{year}",
        official_number_unit="Ro.PMK",
        classification_code="OT.02.01",
    )
    db = ReportingDatabase(settings)
    assert give_number(db, settings, _request(1)).number == "B-1/Ro.PMK/OT.02.01/4/2027"
    db.dispose()
    with pytest.raises(ValueError, match="official_number_template"):
        Settings(data_dir=tmp_path, official_number_template="{seq}/{nomor}")


async def test_the_signed_iku_carries_its_number_in_the_record_the_mails_and_the_archive(
    ts_env: WorkflowEnvironment, settings: Settings, mail
):
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to(12)
        status = await p.status()
        assert status.signature is not None and status.official_number is not None
        signed = status.signature.at.astimezone(WIB)
        expected = f"1/SJ/OT.04.00/{ROMAN_MONTHS[signed.month - 1]}/{signed.year}"
        assert status.official_number.number == expected
        await p.walk_to_end()
        await p.result()
        status = await p.status()
    # The mails after the signature say it; those before could not.
    task_mails = mail.for_process(p.id, "task")
    with_number = {
        m["X-IKU-Task-Id"][:3]: None
        for m in task_mails
        if expected in m.get_body(("plain",)).get_content()
    }
    assert list(with_number) == ["s12", "s13", "s14", "s15", "s16"]
    assert expected in mail.for_process(p.id, "archived")[0].get_body(("html",)).get_content()
    archived = json.loads(
        (Path(status.archive.path) / "data" / "status.json").read_text(encoding="utf-8")
    )
    assert archived["official_number"]["number"] == expected
    db = ReportingDatabase(settings)
    with db.session() as s:
        assert s.query(Process).filter_by(workflow_id=p.id).one().official_number == expected
    db.dispose()
