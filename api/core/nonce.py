"""The per-page nonce: proof that a POST comes from a task page we served for that link.

``<random>.<mac>``, the MAC an HMAC-SHA256 under a key derived from the link secret over
the token and the random part. A page from another link, another site or another secret
does not verify. The random part also names the Temporal update, so the same form sent
twice is one update and gets one answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

from api.core.digests import equals_any

_PURPOSE = b"iku-page-nonce-v1"
_RANDOM = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, base64url


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class PageNonces:
    def __init__(self, link_secret: str, previous: Sequence[str] = ()) -> None:
        # Keys of their own, so a nonce can never double as a link signature or vice versa;
        # the current secret's first, then those of the replaced secrets still accepted.
        self._keys = [
            hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
            for secret in (link_secret, *previous)
        ]

    @staticmethod
    def _mac(key: bytes, token: str, random_part: str) -> str:
        message = f"{token}\n{random_part}".encode()
        return _b64(hmac.new(key, message, hashlib.sha256).digest())

    def make(self, token: str) -> str:
        random_part = _b64(secrets.token_bytes(16))
        return f"{random_part}.{self._mac(self._keys[0], token, random_part)}"

    def verify(self, token: str, nonce: str | None) -> str | None:
        """The nonce's random part when it was made for this token, else None."""
        if not nonce:
            return None
        random_part, _, mac = nonce.partition(".")
        if not _RANDOM.fullmatch(random_part):
            return None
        if equals_any(mac, (self._mac(key, token, random_part) for key in self._keys)):
            return random_part
        return None


def update_id(task_id: str, random_part: str) -> str:
    """The Temporal update id of the decision sent with this nonce (readable in the UI)."""
    return f"web-{task_id}-{random_part}"
