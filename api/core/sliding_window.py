"""What a key did in the last few minutes or hours, in this process's memory: the counts the
throttles and the upload budget keep.

Bounded: past ``max_keys`` keys, the key that was added to longest ago is forgotten first
(a flood of fresh keys pushes out old ones, never the memory limit).

A window can be shared with the same window of other web replicas (``share``,
``api.core.shared_counts``): its keys are then kept as a keyed digest (what it sends holds no
address or user name), each change it makes is written in a journal for the others, and
theirs are merged in by ``merge``. Moments travel as wall-clock time; each process keeps
them on its own clock.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

MAX_KEYS = 10_000

V = TypeVar("V")

# One change to a shared window, as the replicas send it: ("add", digest, wall time, value)
# or ("forget", digest, wall time, None) (every entry of that key up to then).
Change = tuple[str, str, float, object]


def _same(key: Hashable) -> Hashable:
    return key


@dataclass
class SlidingWindow(Generic[V]):
    """Per key, its entries (a moment and a value) of the last ``window`` seconds."""

    window: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = MAX_KEYS
    # Ordered by last addition, so the first key is the one to forget.
    _entries: dict[Hashable, deque[tuple[float, V]]] = field(default_factory=dict)
    # Shared (see ``share``): the key as it is kept, and the changes not yet sent.
    _kept_as: Callable[[Hashable], Hashable] = field(init=False, default_factory=lambda: _same)
    _journal: deque[Change] | None = field(init=False, default=None)  # the newest kept
    _forgotten: dict[Hashable, float] = field(init=False, default_factory=dict)  # up to when
    _wall_clock: Callable[[], float] = field(init=False, default_factory=lambda: time.time)

    def recent(self, key: Hashable) -> Sequence[tuple[float, V]]:
        """The key's entries still in the window, oldest first."""
        kept = self._kept_as(key)
        entries = self._entries.get(kept)
        if entries is None:
            return ()
        cutoff = self.clock() - self.window
        while entries and entries[0][0] <= cutoff:
            entries.popleft()
        if not entries:
            del self._entries[kept]
        return entries

    def add(self, key: Hashable, value: V) -> None:
        kept, now = self._kept_as(key), self.clock()
        self._put(kept, now, value)
        if self._journal is not None:
            self._journal.append(("add", str(kept), self._wall(now), value))

    def _put(self, kept: Hashable, moment: float, value: V) -> None:
        entries = self._entries.pop(kept, None)
        if entries is None:
            entries = deque()
            if len(self._entries) >= self.max_keys:
                del self._entries[next(iter(self._entries))]
        at = len(entries)
        while at and entries[at - 1][0] > moment:  # another replica's, sent a little late
            at -= 1
        entries.insert(at, (moment, value))
        self._entries[kept] = entries

    def forget(self, key: Hashable) -> None:
        kept, now = self._kept_as(key), self.clock()
        self._entries.pop(kept, None)
        if self._journal is not None:
            self._forgotten[kept] = now  # what another replica counted before is cleared too
            self._journal.append(("forget", str(kept), self._wall(now), None))

    def until_below(self, key: Hashable, limit: int) -> float:
        """Seconds until the key has fewer than ``limit`` entries in the window (0 if now)."""
        entries = self.recent(key)
        if len(entries) < limit:
            return 0.0
        return entries[len(entries) - limit][0] + self.window - self.clock()

    # --- shared with other replicas ----------------------------------------------------------

    def share(
        self, kept_as: Callable[[Hashable], str], wall: Callable[[], float] = time.time
    ) -> None:
        """From now on keep keys as ``kept_as`` gives them, and journal every change with
        its moment on the ``wall`` clock (the one all replicas agree on)."""
        self._kept_as = kept_as
        self._wall_clock = wall
        self._journal = deque(maxlen=self.max_keys)

    def journalled(self) -> list[Change]:
        """The changes made here since the last call, to be sent (and no longer kept)."""
        if self._journal is None:
            return []
        taken = list(self._journal)
        self._journal.clear()
        return taken

    def merge(self, changes: Iterable[Change]) -> None:
        """Another replica's changes, in the order it made them."""
        cutoff = self.clock() - self.window
        for what, kept, wall, value in changes:
            moment = self._moment(wall)
            if what == "forget":
                entries = self._entries.get(kept)
                while entries and entries[0][0] <= moment:
                    entries.popleft()
                self._forgotten[kept] = max(moment, self._forgotten.get(kept, moment))
            elif what == "add" and cutoff < moment and moment > self._forgotten.get(kept, cutoff):
                self._put(kept, moment, value)  # type: ignore[arg-type]
        for kept in [k for k, until in self._forgotten.items() if until <= cutoff]:
            del self._forgotten[kept]

    def _wall(self, moment: float) -> float:
        return moment + self._wall_clock() - self.clock()

    def _moment(self, wall: float) -> float:
        return wall - self._wall_clock() + self.clock()


@dataclass
class KeyLimit:
    """At most ``limit`` counted events per key in a sliding window of ``window`` seconds."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _counted: SlidingWindow[None] = field(init=False)

    def __post_init__(self) -> None:
        self._counted = SlidingWindow(self.window, self.clock)

    @property
    def counts(self) -> SlidingWindow[None]:
        """What it counts (shared with other replicas by ``api.core.shared_counts``)."""
        return self._counted

    def retry_after(self, key: Hashable) -> int:
        """Whole seconds until the key may act again; 0 when it may now."""
        wait = self._counted.until_below(key, self.limit)
        return math.ceil(wait) if wait > 0 else 0

    def count(self, key: Hashable) -> None:
        self._counted.add(key, None)

    def clear(self, key: Hashable) -> None:
        self._counted.forget(key)
