"""Failed password checks (the bureau's sign-in, the outbox): slowed always, then held back.

Three counts, in this process's memory, in a sliding window:

- per (client address, user name) and per client address alone: past a few failures that
  address waits until the oldest leaves the window. The address is the TCP peer, or the
  client a proxy named in ``IKU_TRUSTED_PROXIES`` reports (``api`` rewrites it before any
  route runs): a client's own ``X-Forwarded-For`` is never believed, so it cannot start
  each guess from a fresh address.
- per account (the user name, from any address): past ``FREE_PER_ACCOUNT`` failures, each
  further try must wait an exponentially growing delay after the last failure (2 s, 4 s,
  8 s, … at most ``MAX_ACCOUNT_DELAY``). That slows guessing from many addresses to a few
  tries a quarter hour, yet a stranger cannot keep the real user out: the delay is capped,
  the count is forgotten a window after the last failure, a success clears it, and a
  browser that signed in as that user before (a signed "known browser" cookie,
  ``api.sessions``) is not held by it at all.

A success clears its (address, user) count and the account's.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 15 * 60
MAX_PER_USER = 5  # failures of one user name from one address in the window
MAX_PER_ADDRESS = 20  # failures from one address, whatever the user name
FREE_PER_ACCOUNT = 10  # failures of one user name, from anywhere, before it is slowed
ACCOUNT_BASE_DELAY = 2.0  # seconds: the first delay, doubled for every further failure
MAX_ACCOUNT_DELAY = 15 * 60.0
FAILURE_DELAY_SECONDS = 0.5  # every failure waits this long before it is answered
_MAX_KEYS = 10_000  # memory bound: oldest keys are forgotten first

_ANY_USER = ""
_ANY_ADDRESS = "\x00account"  # never an address: the key of an account's own count


@dataclass
class SignInThrottle:
    window: float = WINDOW_SECONDS
    max_per_user: int = MAX_PER_USER
    max_per_address: int = MAX_PER_ADDRESS
    free_per_account: int = FREE_PER_ACCOUNT
    base_delay: float = ACCOUNT_BASE_DELAY
    max_delay: float = MAX_ACCOUNT_DELAY
    clock: Callable[[], float] = time.monotonic
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

    def account_delay(self, failures: int) -> float:
        """How long an account with this many recent failures waits after the last one."""
        over = failures - self.free_per_account
        if over < 0:
            return 0.0
        return min(self.base_delay * 2 ** min(over, 40), self.max_delay)

    def retry_after(self, address: str, user: str, *, known_browser: bool = False) -> int:
        """Whole seconds until this address may try this user again; 0 when it may now.
        ``known_browser``: the browser signed in as this user before (not held by the
        account's delay)."""
        now = self.clock()
        user = user.lower()
        waits = []
        for key, limit in (
            ((address, user), self.max_per_user),
            ((address, _ANY_USER), self.max_per_address),
        ):
            stamps = self._recent(key, now)
            if len(stamps) >= limit:
                waits.append(stamps[len(stamps) - limit] + self.window - now)
        if not known_browser:
            stamps = self._recent((_ANY_ADDRESS, user), now)
            if stamps:
                waits.append(stamps[-1] + self.account_delay(len(stamps)) - now)
        wait = max(waits, default=0.0)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, address: str, user: str) -> None:
        now = self.clock()
        user = user.lower()
        keys = ((address, user), (address, _ANY_USER), (_ANY_ADDRESS, user))
        for key in keys:
            if key not in self._failures and len(self._failures) >= _MAX_KEYS:
                oldest = min(self._failures, key=lambda k: self._failures[k][-1])
                del self._failures[oldest]
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, user: str) -> None:
        user = user.lower()
        self._failures.pop((address, user), None)
        self._failures.pop((_ANY_ADDRESS, user), None)


@dataclass
class RequestRate:
    """At most ``limit`` requests per client address in a sliding window (this process's
    memory): a public page anyone may open, kept from being scraped or used to load the
    signature checks."""

    window: float = 60.0
    limit: int = 30
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def admit(self, address: str) -> bool:
        now = self.clock()
        stamps = self._seen.setdefault(address, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return False
        stamps.append(now)
        if len(self._seen) > _MAX_KEYS:
            self._seen.pop(next(iter(self._seen)))
        return True
