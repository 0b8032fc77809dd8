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

A success clears its (address, user) count and the account's. With documents on S3 the
counts are shared with the other web replicas (``api.core.shared_counts``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from api.core.sliding_window import SlidingWindow

WINDOW_SECONDS = 15 * 60
MAX_PER_USER = 5  # failures of one user name from one address in the window
MAX_PER_ADDRESS = 20  # failures from one address, whatever the user name
FREE_PER_ACCOUNT = 10  # failures of one user name, from anywhere, before it is slowed
ACCOUNT_BASE_DELAY = 2.0  # seconds: the first delay, doubled for every further failure
MAX_ACCOUNT_DELAY = 15 * 60.0
FAILURE_DELAY_SECONDS = 0.5  # every failure waits this long before it is answered

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
    _failures: SlidingWindow[None] = field(init=False)

    def __post_init__(self) -> None:
        self._failures = SlidingWindow(self.window, self.clock)

    @property
    def counts(self) -> SlidingWindow[None]:
        """The failures it counts (shared with other replicas by ``api.core.shared_counts``)."""
        return self._failures

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
        user = user.lower()
        waits = [
            self._failures.until_below((address, user), self.max_per_user),
            self._failures.until_below((address, _ANY_USER), self.max_per_address),
        ]
        if not known_browser:
            account = self._failures.recent((_ANY_ADDRESS, user))
            if account:
                last = account[-1][0]
                waits.append(last + self.account_delay(len(account)) - self.clock())
        wait = max(waits)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, address: str, user: str) -> None:
        user = user.lower()
        for key in ((address, user), (address, _ANY_USER), (_ANY_ADDRESS, user)):
            self._failures.add(key, None)

    def succeeded(self, address: str, user: str) -> None:
        user = user.lower()
        self._failures.forget((address, user))
        self._failures.forget((_ANY_ADDRESS, user))
