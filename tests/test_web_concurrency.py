"""Many people pressing the same button at once: one decision applies, the others are told."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from common.models import HistoryEvent
from tests.scenario import FUNGSIONAL_UMUM, KABAG, Scenario
from tests.web import Web, form_parts, task_of

pytestmark = pytest.mark.devserver


async def test_ten_tabs_approve_the_kabag_review_at_once_and_one_decision_applies(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(2)
    link = await web.link(p.id, KABAG)
    task_id = task_of(link, web.settings)
    # Ten tabs (or ten people on one shared screen): ten pages, ten nonces.
    pages = [await web.open(link) for _ in range(10)]
    assert len({page.nonce for page in pages}) == 10
    results = await asyncio.gather(
        *(
            web.post(link, form_parts(page, "approve", note=f"Setuju ({i})."))
            for i, page in enumerate(pages)
        )
    )
    statuses = Counter(r.status for r in results)
    assert statuses == {200: 1, 409: 9}, statuses
    winner = next(r for r in results if r.status == 200)
    assert "Disetujui" in winner.text and "Langkah 3 dari 16" in winner.text
    for loser in (r for r in results if r.status == 409):
        assert "Sudah diputuskan" in loser.text
        assert "Diputuskan oleh Ahmad Fauzi" in loser.text
    status = await p.status()
    decided = [
        h for h in status.history if h.event is HistoryEvent.DECIDED and h.task_id == task_id
    ]
    assert len(decided) == 1
    assert status.step == 3


async def test_both_fungsional_umum_archive_in_twenty_tabs_at_once_and_one_archive_is_made(
    dev_env, web: Web
):
    # Twenty: past the server's limit of ten updates in flight per process. The SDK retries
    # "too many in flight" for a while; if it gives up, the page reads the status instead.
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(16)
    links = [await web.link(p.id, person) for person in FUNGSIONAL_UMUM]
    pages = [await web.open(links[i % 2]) for i in range(20)]
    results = await asyncio.gather(
        *(web.post(links[i % 2], form_parts(page, "archive")) for i, page in enumerate(pages))
    )
    assert Counter(r.status for r in results) == {200: 1, 409: 19}
    assert all("Sudah diputuskan" in r.text for r in results if r.status == 409)
    status = await p.status()
    assert [h.step for h in status.history if h.event is HistoryEvent.DECIDED].count(16) == 1
    assert status.archive is not None and status.archive.valid
