"""The web layer's /metrics after a real scenario on the dev server: requests by method,
route template and status with their latency, and the gauges from visibility (a task
overdue at the Kasubbag, then decided). Only the metrics token is answered."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from api.core.observability import SigningDates
from common.settings import EXAMPLE_DIRECTORY, Settings
from signing.ca import CertificateAuthority
from tests import samples
from tests.metrics import Sample, names, scrape, value
from tests.scenario import KASUBAG, Scenario
from tests.support import always_open, eventually
from tests.web import Web, token_of

pytestmark = pytest.mark.devserver


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """An office that never closes, a step 1 due 3.6 seconds after it starts, and gauges
    counted at every scrape."""
    return always_open(settings, tmp_path, standard_times={1: "0.001h"}, metrics_gauge_seconds=0)


async def test_a_task_overdue_at_the_kasubag_shows_in_the_gauges_until_she_submits(
    dev_env, web: Web, settings: Settings
):
    url = f"{settings.public_base_url}/metrics"
    bearer = {"Authorization": f"Bearer {settings.metrics_token_value()}"}
    # Without the token, or with another one, nothing is told.
    for headers in ({}, {"Authorization": f"Bearer {settings.ops_api_token_value()}"}):
        refused = await web.http.get(url, headers=headers)
        assert refused.status_code == 401 and "metrics token" in refused.text
        assert "iku_" not in refused.text
    before = await scrape(url, bearer)

    p = await Scenario(dev_env.client, settings).start()
    await p.until(lambda s: s.task is not None and s.task.overdue)

    async def counted(overdue: float, at_step_2: float) -> list[Sample]:
        samples = await scrape(url, bearer)
        assert value(samples, "iku_visibility_gauges_up") == 1
        grew = value(samples, "iku_tasks_overdue", role="kasubag") - value(
            before, "iku_tasks_overdue", role="kasubag"
        )
        assert grew == overdue, grew
        moved = value(samples, "iku_processes_running", step="2") - value(
            before, "iku_processes_running", step="2"
        )
        assert moved == at_step_2, moved
        return samples

    await eventually(lambda: counted(1, 0), within=15, interval=0.5)

    link = await web.link(p.id, KASUBAG)
    result = await web.act(
        p.id,
        KASUBAG,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), "application/pdf")],
            "tor": [("TOR.pdf", samples.pdf("TOR"), "application/pdf")],
        },
    )
    assert "Langkah 2 dari 16" in result.text
    lost = await web.http.get(f"{settings.public_base_url}/tidak/ada/rahasia-123")
    assert lost.status_code == 404
    after = await eventually(lambda: counted(0, 1), within=15, interval=0.5)

    route = "/t/{token}"
    assert value(after, "iku_http_requests_total", method="GET", route=route, status="200") == 1
    assert value(after, "iku_http_requests_total", method="POST", route=route, status="200") == 1
    assert value(after, "iku_http_request_duration_seconds_count", method="POST", route=route) == 1
    assert value(after, "iku_http_requests_total", route="<unmatched>", status="404") == 1
    assert value(after, "iku_http_requests_total", route="/metrics", status="401") == 2
    assert value(after, "iku_http_requests_in_flight") == 1  # this scrape
    # No label holds a path as sent: no token, nothing a client made up.
    token = token_of(link)
    for _, labels, _ in after:
        assert all(token not in v and "rahasia" not in v for v in labels.values()), labels


async def test_a_request_through_the_trusted_proxy_is_counted_by_its_route(web: Web):
    # The proxy's forwarded headers are believed (api.core.edge): the request is still
    # counted under its route, not as <unmatched> (it once was: the scope was copied).
    web.settings.trusted_proxies = ["127.0.0.1"]
    url = f"{web.settings.public_base_url}/metrics"
    bearer = {"Authorization": f"Bearer {web.settings.metrics_token_value()}"}
    proxied = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
    before = await scrape(url, bearer)
    answer = await web.http.get(f"{web.settings.public_base_url}/masuk", headers=proxied)
    assert answer.status_code == 200
    after = await scrape(url, bearer)
    counted = {"method": "GET", "route": "/masuk", "status": "200"}
    grew = value(after, "iku_http_requests_total", **counted) - value(
        before, "iku_http_requests_total", **counted
    )
    assert grew == 1


async def test_when_the_crl_runs_out_and_the_first_certificate_ends_are_served_for_the_alerts(
    web: Web, settings: Settings
):
    url = f"{settings.public_base_url}/metrics"
    bearer = {"Authorization": f"Bearer {settings.metrics_token_value()}"}
    ca = CertificateAuthority(settings.signing_dir)

    def in_force_ends() -> list[float]:
        return sorted(i.not_after.timestamp() for i in ca.issued() if i.revoked_at is None)

    samples = await scrape(url, bearer)
    crl_ends = value(samples, "iku_signing_crl_next_update_timestamp_seconds")
    assert crl_ends == ca.crl().next_update_utc.timestamp()
    first = in_force_ends()[0]
    assert value(samples, "iku_signing_certificate_next_end_timestamp_seconds") == first

    # The holder of the first revoked: the next one counts, and the new CRL runs out later.
    holder = next(i.person for i in ca.issued() if i.not_after.timestamp() == first)
    ca.revoke(holder)
    samples = await scrape(url, bearer)
    assert value(samples, "iku_signing_crl_next_update_timestamp_seconds") >= crl_ends
    assert (
        value(samples, "iku_signing_certificate_next_end_timestamp_seconds") == (in_force_ends()[0])
    )

    # No CA (not set up yet): neither is served, so neither alert can fire on a zero.
    shutil.rmtree(settings.signing_dir / "ca")
    samples = await scrape(url, bearer)
    assert not {n for n in names(samples) if n.startswith("iku_signing_")}


def test_the_signing_dates_are_read_again_only_as_often_as_the_gauges_are_counted(
    settings: Settings,
):
    """A scrape every few seconds does not read the signing folder (three GETs with S3)
    each time: the dates move by the day."""
    dates = SigningDates()
    hourly = settings.model_copy(update={"metrics_gauge_seconds": 3600})
    dates.read(hourly)
    read = dates.crl_next_update
    assert read == CertificateAuthority(settings.signing_dir).crl().next_update_utc.timestamp()

    shutil.rmtree(settings.signing_dir / "ca")
    dates.read(hourly)
    assert dates.crl_next_update == read  # within the hour: the last reading stands
    dates.read(settings)  # counted at every scrape: read again, and no CA is no date
    assert dates.crl_next_update is None


async def test_the_last_year_whose_cuti_bersama_are_known_is_served_and_ops_can_vouch_for_more(
    web: Web, settings: Settings, tmp_path: Path
):
    """The holidays package lists a year's cuti bersama once the joint decree is out and a
    release carries it; past that year they would count as working days. The gauge says
    how far the calendar knows, and the overrides file's ``years_checked`` extends it once
    ops have entered a decree the package does not have yet."""
    url = f"{settings.public_base_url}/metrics"
    bearer = {"Authorization": f"Bearer {settings.metrics_token_value()}"}
    known = value(await scrape(url, bearer), "iku_calendar_days_off_known_until_year")
    this_year = datetime.now(ZoneInfo(settings.timezone)).year
    assert known >= this_year - 1
    assert holidays.country_holidays("ID", years=int(known), categories=("government",))
    assert not holidays.country_holidays("ID", years=int(known) + 1, categories=("government",))

    overrides = tmp_path / "calendar.yaml"
    overrides.write_text(f"years_checked: [{int(known) + 1}]\n")
    settings.calendar_overrides_file = overrides
    assert value(await scrape(url, bearer), "iku_calendar_days_off_known_until_year") == known + 1
    overrides.write_text("years_checked: [tidak]\n")  # a broken file has its own alert
    assert "iku_calendar_days_off_known_until_year" not in names(await scrape(url, bearer))


async def test_a_directory_file_edited_into_an_invalid_state_is_served_for_the_alert(
    web: Web, settings: Settings, tmp_path: Path
):
    url = f"{settings.public_base_url}/metrics"
    bearer = {"Authorization": f"Bearer {settings.metrics_token_value()}"}
    directory = tmp_path / "direktori.yaml"
    shutil.copyfile(settings.directory_file, directory)
    settings.directory_file = directory
    assert value(await scrape(url, bearer), "iku_directory_file_valid") == 1
    directory.write_text(directory.read_text() + "  - {id: p-001, name: Lagi}\n")
    assert value(await scrape(url, bearer), "iku_directory_file_valid") == 0
    shutil.copyfile(EXAMPLE_DIRECTORY, directory)
    assert value(await scrape(url, bearer), "iku_directory_file_valid") == 1
