"""Official numbering under real load: twenty IKU processes on the dev server, each walked
to the Minister's step, all signed at the same moment, get twenty consecutive numbers, none
twice and none skipped, on SQLite and on PostgreSQL. (A retried activity getting the same
number: tests/test_official_number.py.)"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.testing import WorkflowEnvironment

from common.numbering import ROMAN_MONTHS
from common.settings import Settings
from reporting.database import ReportingDatabase
from reporting.numbering import given_numbers
from tests.conftest import serving
from tests.scenario import MENTERI, Scenario
from workflows.sop import WIB

pytestmark = pytest.mark.devserver

PROCESSES = 20


@pytest.mark.timeout(600)
# On PostgreSQL only, where writers truly run side by side: a few minutes each, and the
# in-process tests of the same guarantees run on SQLite too.
@pytest.mark.parametrize("reporting_settings", ["postgresql"], indirect=True)
async def test_twenty_ikus_the_minister_signs_at_the_same_moment_get_twenty_consecutive_numbers(
    dev_env: WorkflowEnvironment, reporting_settings: Settings
) -> None:
    settings = reporting_settings
    async with serving(dev_env, settings, listed=True):
        ps = [await Scenario(dev_env.client, settings).start() for _ in range(PROCESSES)]
        await asyncio.gather(*(p.walk_to(11) for p in ps))
        assert [(await p.status()).official_number for p in ps] == [None] * PROCESSES
        # All twenty signatures at once: the numbering activities run side by side.
        await asyncio.gather(*(p.approve(MENTERI, "Ditandatangani.") for p in ps))
        statuses = await asyncio.gather(
            *(p.until(lambda s: s.official_number is not None, within=120) for p in ps)
        )
    numbers = {p.id: s.official_number for p, s in zip(ps, statuses, strict=True)}
    assert sorted(n.seq for n in numbers.values() if n) == list(range(1, PROCESSES + 1))
    for s in statuses:
        assert s.signature is not None and s.official_number is not None
        signed = s.signature.at.astimezone(WIB)
        month = ROMAN_MONTHS[signed.month - 1]
        assert (
            s.official_number.number == f"{s.official_number.seq}/SJ/OT.04.00/{month}/{signed.year}"
        )
    # The sequence as the database holds it: 1 to 20, each given to one of these processes,
    # the same number the process carries.
    first = next(iter(numbers.values()))
    assert first is not None
    db = ReportingDatabase(settings)
    given = given_numbers(db, first.year, first.classification)
    db.dispose()
    assert [g.seq for g in given] == list(range(1, PROCESSES + 1))
    assert {g.workflow_id: g.number for g in given} == {
        wid: n.number for wid, n in numbers.items() if n
    }
