"""The reporting database down (a PostgreSQL server of the test's own, stopped and started
again on its data): the bureau's Kinerja SOP page, its exports, the Arsip list and the
API's figures say so (503, try again) where they said "something went wrong" or dropped
the download; the process list, which asks Temporal, goes on; once the server is back,
every one of them answers again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from pytest_postgresql.executors.proc import PostgreSQLExecutor

from common.settings import Settings
from tests.bureau import api, signed_in, unique_code
from tests.postgres import fresh_database, stoppable_postgresql_server
from tests.scenario import Scenario
from tests.web import Web

pytestmark = [pytest.mark.devserver]

PAGES = (
    "/kinerja",
    "/kinerja/angka.csv",
    "/kinerja/angka.xlsx",
    "/kinerja/peristiwa.csv",
    "/kinerja/peristiwa.xes",
    "/arsip",
)
API = ("/api/figures", "/api/events.xes")


@pytest.fixture(scope="module")
def postgresql() -> Iterator[tuple[PostgreSQLExecutor, str]]:
    with stoppable_postgresql_server() as server:
        yield server


@pytest.fixture
def on_postgresql(
    settings: Settings, postgresql: tuple[PostgreSQLExecutor, str]
) -> Iterator[PostgreSQLExecutor]:
    """The test's settings (the worker's and the web layer's) on a database of its own."""
    server, base = postgresql
    with fresh_database(base) as url:
        settings.reporting_database_url = SecretStr(url)
        yield server


async def test_the_reporting_database_down_is_said_on_every_page_that_reads_it_and_passes(
    dev_env, on_postgresql: PostgreSQLExecutor, web: Web
) -> None:
    await Scenario(dev_env.client, web.settings, code=unique_code("lapor")).start()
    async with signed_in(web, "bureau") as bureau, api(web, "bureau") as client:
        for path in PAGES:
            assert (await bureau.http.get(path)).status_code == 200, path

        on_postgresql.stop()
        try:
            for path in PAGES:
                page = await bureau.page(path)
                assert page.status == 503, (path, page.text)
                assert "basis data pelaporan, yang tidak menjawab" in page.text, path
                assert "Proses IKU tidak terpengaruh" in page.text, path
                assert page.response.headers["retry-after"] == "30"
            english = await bureau.page("/kinerja", lang="en")
            assert "the reporting database, which does not answer" in english.text
            for path in API:
                answer = await client.get(path)
                assert answer.status_code == 503, (path, answer.text)
                assert answer.json()["code"] == "reporting_unavailable"
            # The process list asks Temporal, not the reporting database.
            assert (await bureau.page("/proses")).status == 200
        finally:
            on_postgresql.start()

        for path in PAGES:
            assert (await bureau.http.get(path)).status_code == 200, path
        for path in API:
            assert (await client.get(path)).status_code == 200, path
