"""The one error the supervisor reports as a sentence instead of a traceback."""

from __future__ import annotations


class StartupError(Exception):
    """Something the operator can fix: a busy port, a missing binary, a server that won't start."""

    def __init__(self, message: str, tail: list[str] | None = None) -> None:
        super().__init__(message)
        self.tail = tail or []
