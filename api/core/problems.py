"""A page that says why not: the one exception the routes raise for any refusal or failure.

Its texts are already in the reader's language; the handler in ``api.app`` renders it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class PageError(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        lines: Sequence[str],
        *,
        details: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        calm: bool = False,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.lines = list(lines)  # what happened and what to do
        self.details = list(details)  # what is current, where the reader may know it
        self.headers = dict(headers or {})
        # Nothing went wrong, there is just nothing left to do here (a task already decided).
        self.calm = calm
