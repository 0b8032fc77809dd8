"""The bureau's list says when each process started, and puts the newest first, however
often a process continued as new on the way (every ~100 history events: many times over
the months a process runs). The process page has it right from the workflow's record; the
list reads Temporal's visibility, where each run has its own start.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from api.core.visibility import EndedRun, chain_start
from tests.bureau import api, eventually, signed_in
from tests.scenario import Scenario
from tests.test_bureau_list import quiet_year
from tests.web import Page, Web

# A row of the list: the process (by id and run) and its start, machine-readable.
ROW = re.compile(
    r'<a class="pid" href="/proses/([^"/]+)/[^"]+">.*?<time datetime="([^"]+)">', re.DOTALL
)


def rows(page: Page) -> list[tuple[str, datetime]]:
    assert page.status == 200, page.text
    return [(wid, datetime.fromisoformat(at)) for wid, at in ROW.findall(page.response.text)]


@pytest.mark.devserver
async def test_a_process_that_continued_as_new_is_listed_by_when_it_first_started(
    dev_env, web: Web
):
    client = dev_env.client
    year = await quiet_year(client)
    # The Kemnaker process starts first; another unit's a moment later.
    older = await Scenario(client, web.settings, year=year, history_event_limit=60).start()
    newer = await Scenario(client, web.settings, year=year).start()
    # The first goes up the chain and hands over to new runs on the way.
    await older.walk_to(6)

    async def starts(workflow_id: str) -> dict[str, datetime]:
        """Every run of a process and its start, as visibility has them."""
        return {
            e.run_id: e.start_time
            async for e in client.list_workflows(f"WorkflowId = '{workflow_id}'")
        }

    async def continued() -> tuple[str, dict[str, datetime]]:
        """Its current run, once it has handed over (after its last step's mail went out)
        and visibility lists that run."""
        current = (await older.handle.describe()).run_id
        assert current is not None and current != older.first_run_id
        runs = await starts(older.id)
        assert current in runs, runs
        return current, runs

    current, older_runs = await eventually(continued)
    assert older.first_run_id is not None
    began = older_runs[older.first_run_id]
    [newer_began] = (await starts(newer.id)).values()
    # Its current run started after the other process: by it, the list had it as the newer.
    assert began < newer_began < older_runs[current]

    async with signed_in(web, "bureau") as biro:

        async def listed_by_first_start() -> None:
            page = await biro.page("/proses", year=str(year))
            assert rows(page) == [(newer.id, newer_began), (older.id, began)]

        await eventually(listed_by_first_start)
        # Found by the search box, the same.
        found = await biro.page("/proses", cari=older.process.code)
        assert rows(found) == [(older.id, began)]

    async with api(web, "bureau") as http:
        items = (await http.get("/api/processes", params={"year": year})).json()["items"]
        assert [(r["workflow_id"], datetime.fromisoformat(r["started_at"])) for r in items] == [
            (newer.id, newer_began),
            (older.id, began),
        ]
        # Each row carries the run its start answered, not the run current now.
        assert [r["run_id"] for r in items] == [newer.first_run_id, older.first_run_id]


def test_a_process_started_again_under_its_id_starts_after_the_one_that_was_terminated():
    """Ops may start a process again under the id of one Temporal ended (terminated,
    failed): the earlier one's runs are not the new one's."""
    at = [datetime(2027, 1, d, tzinfo=UTC) for d in range(1, 10)]
    ended = [
        EndedRun(at[0], at[1], continued=True),  # the first process: continued once,
        EndedRun(at[1], at[2], continued=False),  # then terminated from the Temporal UI
        EndedRun(at[3], at[4], continued=True),  # the second, started again: continued,
        EndedRun(at[4], at[5], continued=True),  # twice
        EndedRun(at[8], at[8], continued=False),  # a start refused after the second ended
    ]
    assert chain_start(at[6], ended) == at[3]  # its current run started on the 7th
    assert chain_start(at[1], ended) == at[0]  # the terminated one, continued once
    assert chain_start(at[3], ended) == at[3]  # a first run is its own start
    assert chain_start(at[6], []) == at[6]  # nothing left in visibility: its own
