"""The shared console: every line says which process it came from."""

from __future__ import annotations

import sys

NAME_WIDTH = 8


def line(name: str, text: str) -> None:
    _write(f"{name:>{NAME_WIDTH}} | {text}\n")


def say(text: str) -> None:
    line("devstack", text)


def plain(text: str = "") -> None:
    _write(f"{text}\n")


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError):
        # Nobody is reading the console any more (a closed pipe, or EIO from a terminal that
        # was closed); the log files still are.
        pass
