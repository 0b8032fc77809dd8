"""Heartbeats while an activity waits on something slow, so a worker that dies mid-way is
noticed within the activity's heartbeat timeout instead of its whole start-to-close timeout."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from temporalio import activity

# Well inside the shortest heartbeat timeout we set; the SDK throttles what it sends anyway.
HEARTBEAT_SECONDS = 5.0


@asynccontextmanager
async def heartbeating(
    details: Callable[[], Sequence[object]], every: float = HEARTBEAT_SECONDS
) -> AsyncIterator[None]:
    """Heartbeat ``details()`` now and every ``every`` seconds until the block ends; the
    details are read at each beat, so a retry resumes from what was last reported."""

    async def beat() -> None:
        while True:
            activity.heartbeat(*details())
            await asyncio.sleep(every)

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
