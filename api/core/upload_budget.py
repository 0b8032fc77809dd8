"""How many bytes one task link may still upload: a live link cannot fill the disk.

Every byte of every file a link's forms send counts, whether the decision is then accepted
or refused (a refused one's files are removed, but they were received and spooled), in a
sliding window of a day (``IKU_LINK_UPLOAD_BUDGET_BYTES``). A real decision sends one to
four files; the default budget takes many attempts at the largest file size. In this
process's memory, keyed by the link's process, task and person.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from api.core.sliding_window import SlidingWindow

WINDOW_SECONDS = 24 * 3600


@dataclass
class UploadBudget:
    limit: Callable[[], int]  # read on every use: the setting may change while running
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _spent: SlidingWindow[int] = field(init=False)

    def __post_init__(self) -> None:
        self._spent = SlidingWindow(self.window, self.clock)

    def spent(self, key: str) -> int:
        return sum(n for _, n in self._spent.recent(key))

    def remaining(self, key: str) -> int:
        return max(0, self.limit() - self.spent(key))

    def retry_after(self, key: str) -> int:
        """Whole seconds until some of the budget is back (0 when some is left)."""
        spent = self._spent.recent(key)
        if not spent or sum(n for _, n in spent) < self.limit():
            return 0
        return max(1, math.ceil(spent[0][0] + self.window - self.clock()))

    def spend(self, key: str, size: int) -> None:
        if size > 0:
            self._spent.add(key, size)


@dataclass(frozen=True)
class LinkBudget:
    """One link's share of the budget, as the form reader spends it."""

    budget: UploadBudget
    key: str

    def spend(self, size: int) -> bool:
        """Count ``size`` bytes; False once the link has received more than its budget."""
        self.budget.spend(self.key, size)
        return self.budget.spent(self.key) <= self.budget.limit()

    def retry_after(self) -> int:
        return self.budget.retry_after(self.key)
