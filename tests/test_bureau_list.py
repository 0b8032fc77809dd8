"""The list of processes is Temporal's visibility: each filter of the page finds exactly what
a visibility query made directly with the SDK finds; the counts per step and per role are
right; paging goes through every process once.

The processes of one test live in a year no other test uses, so the numbers are known. Step
1's standard time is a few seconds of round-the-clock office hours here, so a process left
at step 1 falls overdue while the test runs.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from temporalio.client import Client

from common.models import CancelRequest
from common.settings import Settings
from tests.bureau import api, eventually, signed_in
from tests.scenario import KARO, Scenario
from tests.support import always_open
from tests.web import Page, Web
from workflows.iku import IkuWorkflow

pytestmark = pytest.mark.devserver


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """As conftest's, with an office that never closes and a step 1 that is due 3.6
    seconds after it starts."""
    return always_open(settings, tmp_path, standard_times={1: "0.001h"})


async def quiet_year(client: Client) -> int:
    """A year nobody else's processes are in."""
    for year in range(2031, 2100):
        if (await client.count_workflows(f"IkuYear = {year}")).count == 0:
            return year
    raise AssertionError("no free year")


async def sdk_ids(client: Client, query: str) -> set[str]:
    return {
        w.id
        async for w in client.list_workflows(query)
        if w.status is None or w.status.name != "CONTINUED_AS_NEW"
    }


def listed(page: Page) -> set[str]:
    assert page.status == 200, page.text
    # /proses/<id>/<run>: the process by its id and run.
    return set(re.findall(r'<a class="pid" href="/proses/([^"/]+)/[^"]+"', page.response.text))


def chip(page: Page, kind: str, key: str) -> int:
    found = re.search(rf'data-{kind}="{key}">(\d+)<', page.response.text)
    assert found is not None, (kind, key)
    return int(found.group(1))


async def test_the_list_filters_find_what_temporal_visibility_finds_and_counts_are_right(
    dev_env, web: Web
):
    client = dev_env.client
    year = await quiet_year(client)

    async def started(step: int | None = None) -> Scenario:
        p = await Scenario(client, web.settings, year=year).start()
        if step is not None:
            await p.walk_to(step)
        return p

    at_1, at_2, at_3, at_9 = (await started(), await started(2), await started(3), await started(9))
    archived = await started()
    await archived.walk_to_end()
    cancelled = await started(2)
    await cancelled.handle.execute_update(
        IkuWorkflow.cancel, CancelRequest(by="ops", reason="Diganti revisi 1")
    )
    await at_1.until(lambda s: s.task is not None and s.task.overdue)
    everyone = {p.id for p in (at_1, at_2, at_3, at_9, archived, cancelled)}

    base = f"IkuYear = {year} AND ExecutionStatus != 'ContinuedAsNew'"
    cases = [  # (page filters, the same question asked of the SDK, what it must find)
        ({}, base, everyone),
        ({"step": "3"}, f"{base} AND IkuStep = 3", {at_3.id}),
        ({"role": "karo"}, f"{base} AND IkuRole = 'karo'", {at_3.id, at_9.id}),
        ({"assignee": KARO}, f"{base} AND IkuAssignee = '{KARO}'", {at_3.id, at_9.id}),
        (
            {"assignee": "p-002", "state": "running"},
            f"{base} AND IkuAssignee = 'p-002' AND ExecutionStatus = 'Running'",
            {at_2.id},
        ),
        ({"overdue": "true"}, f"{base} AND IkuOverdue = true", {at_1.id}),
        (
            {"overdue": "false", "state": "running"},
            f"{base} AND IkuOverdue = false AND ExecutionStatus = 'Running'",
            {at_2.id, at_3.id, at_9.id},
        ),
        ({"state": "archived"}, f"{base} AND IkuState = 'archived'", {archived.id}),
        ({"state": "cancelled"}, f"{base} AND IkuState = 'cancelled'", {cancelled.id}),
        (
            {"step": "2", "role": "kabag"},
            f"{base} AND IkuStep = 2 AND IkuRole = 'kabag'",
            {at_2.id, cancelled.id},
        ),
    ]
    async with signed_in(web, "bureau") as biro:
        for filters, query, expected in cases:

            async def same(
                filters: dict[str, str] = filters, query: str = query, expected: set[str] = expected
            ) -> None:
                page = await biro.page("/proses", year=str(year), **filters)
                direct = await sdk_ids(client, query)
                assert direct == expected, (filters, direct)
                assert listed(page) == direct, filters

            await eventually(same)

        # Counts: running processes, per step and per role, as one count query each.
        page = await biro.page("/proses", year=str(year))
        steps = {1: 1, 2: 1, 3: 1, 9: 1}
        for n in range(1, 17):
            direct = (
                await client.count_workflows(
                    f"IkuYear = {year} AND IkuStep = {n} AND IkuState = 'running' "
                    "AND ExecutionStatus = 'Running'"
                )
            ).count
            assert chip(page, "step", str(n)) == direct == steps.get(n, 0), n
        roles = {"kasubag": 1, "kabag": 1, "karo": 2}
        for role in ("kasubag", "kabag", "karo", "sekjen", "menteri", "tim", "fungsional_umum"):
            assert chip(page, "role", role) == roles.get(role, 0), role
        assert 'class="stat-n">4<' in page.response.text  # running
        assert 'class="stat-n">1<' in page.response.text  # overdue
        # Facets: with a role chosen, the step counts keep to that role.
        karo_only = await biro.page("/proses", year=str(year), role="karo")
        assert chip(karo_only, "step", "3") == 1 and chip(karo_only, "step", "2") == 0
        assert chip(karo_only, "role", "kabag") == 1  # a facet's own count ignores it

        # A bad filter value is named and dropped; the rest still applies.
        odd = await biro.page("/proses", year=str(year), step="99", role="karo")
        assert "Langkah harus 1–16" in odd.text and listed(odd) == {at_3.id, at_9.id}

    async with api(web, "bureau") as http:
        counts = (await http.get("/api/processes/counts", params={"year": year})).json()
        assert counts["by_step"]["9"] == 1 and counts["by_role"]["karo"] == 2
        assert counts["running"] == 4 and counts["overdue"] == 1
        found = (await http.get("/api/processes", params={"year": year, "role": "karo"})).json()
        assert {r["workflow_id"] for r in found["items"]} == {at_3.id, at_9.id}
        row = next(r for r in found["items"] if r["workflow_id"] == at_9.id)
        assert row["step"] == 9 and row["assignees"] == [KARO] and row["state"] == "running"


async def test_paging_goes_through_every_process_once(dev_env, web: Web):
    client = dev_env.client
    year = await quiet_year(client)
    ids = {(await Scenario(client, web.settings, year=year).start()).id for _ in range(5)}

    async def all_visible() -> None:
        assert await sdk_ids(client, f"IkuYear = {year}") == ids

    await eventually(all_visible)
    async with signed_in(web, "ops") as ops:
        seen: list[str] = []
        page = await ops.page("/proses", year=str(year), per="2")
        pages = 0
        while True:
            pages += 1
            seen += sorted(listed(page))
            more = re.search(r'href="([^"]+)" rel="next"', page.response.text)
            if more is None:
                break
            page = await ops.page(more.group(1).replace("&amp;", "&"))
        assert sorted(seen) == sorted(ids) and pages == 3
        forged = await ops.page("/proses", year=str(year), per="2", halaman="AAAA.BBBB")
        assert forged.status == 422 and "Penanda halaman tidak valid" in forged.text
    async with api(web, "ops") as http:
        seen, token, calls = [], None, 0
        while True:
            params: dict[str, object] = {"year": year, "page_size": 2}
            if token:
                params["page_token"] = token
            body = (await http.get("/api/processes", params=params)).json()
            seen += [r["workflow_id"] for r in body["items"]]
            calls += 1
            token = body["next_page_token"]
            if not token:
                break
        assert sorted(seen) == sorted(ids) and calls == 3
        # A token is good only for the query it was made for.
        first = (await http.get("/api/processes", params={"year": year, "page_size": 2})).json()
        other = await http.get(
            "/api/processes",
            params={
                "year": year,
                "page_size": 2,
                "role": "kasubag",
                "page_token": first["next_page_token"],
            },
        )
        assert other.status_code == 422 and other.json()["code"] == "invalid_page_token"


async def test_the_list_says_since_when_and_until_when_each_process_waits(dev_env, web: Web):
    client = dev_env.client
    year = await quiet_year(client)
    p = await Scenario(client, web.settings, year=year).start()
    await p.do_step()  # now at the Kabag's review
    task = await p.task()
    async with api(web, "bureau") as http:

        async def shows_the_kabags_review() -> None:
            rows = (await http.get("/api/processes", params={"year": year})).json()["items"]
            assert [(r["step"], r["title"]) for r in rows] == [(2, p.process.title)]
            assert rows[0]["since"] is not None and rows[0]["deadline"] is not None
            assert datetime.fromisoformat(rows[0]["since"]) == task.entered_at
            assert datetime.fromisoformat(rows[0]["deadline"]) == task.deadline

        await eventually(shows_the_kabags_review)


async def test_the_search_box_finds_a_process_by_its_code_or_a_word_of_its_title(dev_env, web: Web):
    word, tag = f"uji{uuid.uuid4().hex[:8]}", f"Pusat{uuid.uuid4().hex[:6]}"
    year = await quiet_year(dev_env.client)
    async with api(web, "bureau") as http:
        wanted = await http.post(
            "/api/processes",
            json={"year": year, "code": f"cari-{word}", "title": f"IKU Badan {tag}"},
        )
        other = await http.post(
            "/api/processes",
            json={"year": year, "code": f"lain-{word}", "title": "IKU Badan Lain"},
        )
    assert wanted.status_code == 201 and other.status_code == 201, (wanted.text, other.text)
    found, left = wanted.json()["workflow_id"], other.json()["workflow_id"]
    async with signed_in(web, "bureau") as biro:

        async def search(words: str) -> Page:
            page = await biro.page("/proses", cari=words)
            assert page.status == 200, page.text
            return page

        async def by_title() -> None:
            page = await search(f"{tag.lower()} badan")  # any case, words in any order
            assert found in page.response.text and left not in page.response.text
            assert "1 proses cocok" in page.text

        await eventually(by_title)
        page = await search(f"cari-{word}")  # by code
        assert found in page.response.text and left not in page.response.text
        both = await search(word)
        assert found in both.response.text and left in both.response.text
        none = await search("tidak-ada-yang-cocok-" + word)
        assert found not in none.response.text and "0 proses cocok" in none.text
        assert 'value="tidak-ada-yang-cocok-' in none.response.text  # the box keeps it
        # Nothing found says what to do, right there: clear the filters, or start a process.
        empty = none.response.text.split('class="empty">', 1)[1].split("</section>", 1)[0]
        assert '<a href="/proses" class="btn secondary">Hapus saringan</a>' in empty
        assert '<a href="/proses/baru" class="btn">Mulai proses</a>' in empty
