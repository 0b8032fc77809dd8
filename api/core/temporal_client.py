"""The web layer's Temporal client: connected on first use, so the app starts without it."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from common.settings import Settings
from common.temporal import connect


class TemporalUnavailable(RuntimeError):
    pass


class TemporalConnection:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    try:
                        self._client = await asyncio.wait_for(connect(self._settings), 5)
                    except Exception as err:  # any failure to reach Temporal means the same
                        raise TemporalUnavailable(str(err)) from err
        return self._client

    def use(self, client: Client) -> None:
        """Share an existing client (tests, or a process that already has one)."""
        self._client = client

    async def close(self) -> None:
        self._client = None
