"""Failed sign-ins: slowed always, refused for a while after too many.

Counted per (client address, user name) and per client address alone, in a sliding window,
in this process's memory: enough to turn password guessing into years of work without a
store of its own. A user name alone is not a key, so nobody can lock ops out from afar by
failing on purpose; a success clears its (address, user) count.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

WINDOW_SECONDS = 15 * 60
MAX_PER_USER = 5  # failures of one user name from one address in the window
MAX_PER_ADDRESS = 20  # failures from one address, whatever the user name
FAILURE_DELAY_SECONDS = 0.5  # every failure waits this long before it is answered
_MAX_KEYS = 10_000  # memory bound: oldest keys are forgotten first


@dataclass
class SignInThrottle:
    window: float = WINDOW_SECONDS
    max_per_user: int = MAX_PER_USER
    max_per_address: int = MAX_PER_ADDRESS
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def retry_after(self, address: str, user: str) -> int:
        """Seconds until this address may try this user again; 0 when it may now."""
        now = time.monotonic()
        waits = []
        for key, limit in (
            ((address, user.lower()), self.max_per_user),
            ((address, ""), self.max_per_address),
        ):
            stamps = self._recent(key, now)
            if len(stamps) >= limit:
                waits.append(stamps[len(stamps) - limit] + self.window - now)
        return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, address: str, user: str) -> None:
        now = time.monotonic()
        if len(self._failures) >= _MAX_KEYS:
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]
        for key in ((address, user.lower()), (address, "")):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, user: str) -> None:
        self._failures.pop((address, user.lower()), None)
