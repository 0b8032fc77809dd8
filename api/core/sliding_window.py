"""What a key did in the last few minutes or hours, in this process's memory: the counts the
throttles and the upload budget keep.

Bounded: past ``max_keys`` keys, the key that was added to longest ago is forgotten first
(a flood of fresh keys pushes out old ones, never the memory limit).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

MAX_KEYS = 10_000

V = TypeVar("V")


@dataclass
class SlidingWindow(Generic[V]):
    """Per key, its entries (a moment and a value) of the last ``window`` seconds."""

    window: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = MAX_KEYS
    # Ordered by last addition, so the first key is the one to forget.
    _entries: dict[Hashable, deque[tuple[float, V]]] = field(default_factory=dict)

    def recent(self, key: Hashable) -> Sequence[tuple[float, V]]:
        """The key's entries still in the window, oldest first."""
        entries = self._entries.get(key)
        if entries is None:
            return ()
        cutoff = self.clock() - self.window
        while entries and entries[0][0] <= cutoff:
            entries.popleft()
        if not entries:
            del self._entries[key]
        return entries

    def add(self, key: Hashable, value: V) -> None:
        entries = self._entries.pop(key, None)
        if entries is None:
            entries = deque()
            if len(self._entries) >= self.max_keys:
                del self._entries[next(iter(self._entries))]
        entries.append((self.clock(), value))
        self._entries[key] = entries

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def until_below(self, key: Hashable, limit: int) -> float:
        """Seconds until the key has fewer than ``limit`` entries in the window (0 if now)."""
        entries = self.recent(key)
        if len(entries) < limit:
            return 0.0
        return entries[len(entries) - limit][0] + self.window - self.clock()


@dataclass
class KeyLimit:
    """At most ``limit`` counted events per key in a sliding window of ``window`` seconds."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _counted: SlidingWindow[None] = field(init=False)

    def __post_init__(self) -> None:
        self._counted = SlidingWindow(self.window, self.clock)

    def retry_after(self, key: Hashable) -> int:
        """Whole seconds until the key may act again; 0 when it may now."""
        wait = self._counted.until_below(key, self.limit)
        return math.ceil(wait) if wait > 0 else 0

    def count(self, key: Hashable) -> None:
        self._counted.add(key, None)

    def clear(self, key: Hashable) -> None:
        self._counted.forget(key)
