"""The background rounds that share sign-outs and throttle counts between web replicas:
a failing round is logged once and the sharing goes on."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from api.core import rounds
from common.documents import StoreUnavailable


async def test_a_round_that_fails_is_logged_once_and_the_next_rounds_go_on(
    caplog: pytest.LogCaptureFixture,
):
    outcomes: list[Exception | None] = [
        RuntimeError("a detail that may hold anything"),  # logged by its kind alone
        StoreUnavailable("S3 at http://s3:8333 does not answer"),  # the same streak
        None,
        StoreUnavailable("S3 at http://s3:8333 does not answer"),
        None,
    ]
    done = asyncio.Event()

    async def one_round() -> None:
        outcome = outcomes.pop(0) if outcomes else None
        if not outcomes:
            done.set()
        if outcome is not None:
            raise outcome

    log = logging.getLogger("test.rounds")
    with caplog.at_level(logging.INFO, logger="test.rounds"):
        task = asyncio.create_task(rounds.every(0.01, one_round, log, "counts"))
        await asyncio.wait_for(done.wait(), 5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "counts not shared with the other replicas: RuntimeError",
        "counts shared with the other replicas again",
        "counts not shared with the other replicas: S3 at http://s3:8333 does not answer",
        "counts shared with the other replicas again",
    ]
