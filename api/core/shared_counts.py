"""The throttles' counts, shared with the web replicas on other hosts through the bucket.

Each replica counts failed sign-ins, wrong signing passphrases and the public verification
pages' requests in its own memory (``api.core.throttle``, ``api.core.sliding_window``).
Behind a proxy that spreads requests over several replicas, each would allow its own
share. With documents on S3, every replica puts what it counted in the bucket, under
``<IKU_S3_PREFIX>/web/counts/``, and merges the others' every ``EVERY`` seconds, in the
background (as ``api.core.signouts`` shares sign-outs): a guesser spread over the replicas
is held within seconds as if there were one, and no request waits on S3. While the bucket
is away each replica counts alone, and sends what it counted once it is back.

Keys travel as a digest keyed by the session secret (which every replica shares): no
address or user name is written to the bucket. The upload budget stays per replica: it
guards the replica's own disk, where uploads are spooled.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Hashable, Mapping
from functools import cached_property, partial
from typing import Any

from api.core import rounds
from api.core.sliding_window import Change, SlidingWindow
from common.s3 import BucketArea
from common.settings import Settings

log = logging.getLogger("api.throttle")

EVERY = 2.0  # seconds between two exchanges
KEPT_SECONDS = 20 * 60  # an object outlives the longest window it counts in (15 minutes)
MAX_UNSENT = 10_000  # changes per window kept while the bucket is away (the newest)


def _changes(payload: object, windows: Mapping[str, object]) -> dict[str, list[Change]]:
    """What one object says, per window we know; anything else in it is passed over."""
    found: dict[str, list[Change]] = {}
    if not isinstance(payload, dict):
        return found
    for name, changes in payload.items():
        if name not in windows or not isinstance(changes, list):
            continue
        found[name] = [
            (what, kept, float(wall), value)
            for what, kept, wall, value in (c for c in changes if _is_change(c))
        ]
    return found


def _is_change(change: object) -> bool:
    return (
        isinstance(change, list)
        and len(change) == 4
        and change[0] in ("add", "forget")
        and isinstance(change[1], str)
        and isinstance(change[2], int | float)
    )


class SharedCounts:
    """Named windows shared with the same windows of the other replicas."""

    def __init__(self, settings: Settings, windows: Mapping[str, SlidingWindow[Any]]) -> None:
        self._bucket = BucketArea(settings, "web/counts")
        self._windows = dict(windows)
        self._replica = secrets.token_hex(8)
        self._unsent: dict[str, list[Change]] = {name: [] for name in windows}
        self._seen: set[str] = set()
        self._settings = settings
        for name, window in self._windows.items():
            window.share(partial(self._digest, name))

    @cached_property
    def _secret(self) -> bytes:
        # Read on first use, as the sessions read it: making the app touches no disk.
        return self._settings.session_secret_value().encode()

    def _digest(self, window: str, key: Hashable) -> str:
        named = json.dumps([window, key], ensure_ascii=False).encode()
        return hmac.new(self._secret, named, hashlib.sha256).hexdigest()[:32]

    async def exchange(self) -> None:
        """One round: ours put in the bucket, theirs merged here, the old removed there."""
        for name, window in self._windows.items():
            unsent = self._unsent[name]
            unsent.extend(window.journalled())
            del unsent[:-MAX_UNSENT]
        outgoing = {name: list(changes) for name, changes in self._unsent.items() if changes}
        if outgoing:
            await asyncio.to_thread(self._put, outgoing)
            for name, changes in outgoing.items():
                del self._unsent[name][: len(changes)]
        for payload in await asyncio.to_thread(self._fetch):
            for name, changes in _changes(payload, self._windows).items():
                self._windows[name].merge(changes)

    def _put(self, outgoing: dict[str, list[Change]]) -> None:
        # Named so that one replica's objects sort in the order it made them.
        self._bucket.put(f"{self._replica}-{time.time_ns():020d}", json.dumps(outgoing).encode())

    def _fetch(self) -> list[object]:
        """The other replicas' objects not merged yet, in the order they were made."""
        oldest = time.time() - KEPT_SECONDS
        listed = sorted(self._bucket.listing())
        received: list[object] = []
        for name, written in listed:
            if written.timestamp() < oldest:
                with contextlib.suppress(FileNotFoundError):  # another replica was first
                    self._bucket.delete(name)
            elif name not in self._seen and not name.startswith(self._replica):
                with contextlib.suppress(FileNotFoundError, ValueError):
                    received.append(json.loads(self._bucket.get(name)))
            self._seen.add(name)
        self._seen &= {name for name, _ in listed}
        return received

    async def keep_exchanging(self) -> None:
        """``exchange`` every ``EVERY`` seconds until cancelled (``api.core.rounds``)."""
        await rounds.every(EVERY, self.exchange, log, "throttle counts")
