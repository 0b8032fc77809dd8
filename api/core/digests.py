"""One comparison for a MAC or token checked against every key still accepted (the one
that signs, and those replaced in a planned change of a secret)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable


def equals_any(given: str | bytes, expected: Iterable[str | bytes]) -> bool:
    """Each compared in constant time, and all of them (no early exit)."""
    found = False
    for value in expected:
        found |= hmac.compare_digest(_bytes(given), _bytes(value))
    return found


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value
