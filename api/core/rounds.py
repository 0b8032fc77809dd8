"""A round of sharing with the other web replicas, run every few seconds in the background
(``api.core.signouts``, ``api.core.shared_counts``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from common.documents import StoreUnavailable


async def every(
    seconds: float, one_round: Callable[[], Awaitable[None]], log: logging.Logger, what: str
) -> None:
    """``one_round()`` every ``seconds`` until cancelled. A round that fails (the bucket
    away, or anything unforeseen) is logged once, with no more than its kind, and the next
    round tries again: sharing never stops."""
    away = False
    while True:
        try:
            await one_round()
        except Exception as err:
            if not away:
                why = err if isinstance(err, StoreUnavailable) else type(err).__name__
                log.warning("%s not shared with the other replicas: %s", what, why)
            away = True
        else:
            if away:
                log.info("%s shared with the other replicas again", what)
            away = False
        await asyncio.sleep(seconds)
