"""Signed task links: ``/t/<token>`` names one person, one task of one process, and expires.

Tokens are made inside the notification activity and checked by the web layer, so none
ever enters workflow history or the Temporal UI. Signing uses ``itsdangerous``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "iku-task-link-v1"


class LinkInvalid(Exception):
    """Forged, damaged or not one of ours."""


class LinkExpired(Exception):
    def __init__(self, claims: LinkClaims) -> None:
        super().__init__("the link has expired")
        self.claims = claims


@dataclass(frozen=True)
class LinkClaims:
    workflow_id: str
    task_id: str
    person: str
    expires_at: datetime


class LinkSigner:
    def __init__(self, secret: str, previous: Sequence[str] = ()) -> None:
        """Signs with ``secret``; reads what it or a ``previous`` secret signed (a planned
        change of the secret leaves the links already mailed working)."""
        self._serializer = URLSafeSerializer([*previous, secret], salt=_SALT)  # newest last

    def make(self, workflow_id: str, task_id: str, person: str, expires_at: datetime) -> str:
        payload = {"w": workflow_id, "t": task_id, "p": person, "e": int(expires_at.timestamp())}
        return self._serializer.dumps(payload)

    def read(self, token: str, now: datetime | None = None) -> LinkClaims:
        """The claims of a valid token; LinkExpired (with its claims) past its time."""
        try:
            payload = self._serializer.loads(token)
            claims = LinkClaims(
                workflow_id=str(payload["w"]),
                task_id=str(payload["t"]),
                person=str(payload["p"]),
                expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
            )
        # OverflowError/OSError: an expiry beyond what the platform's clock can represent.
        except (BadSignature, KeyError, TypeError, ValueError, OverflowError, OSError) as err:
            raise LinkInvalid("the link is not valid") from err
        if (now or datetime.now(UTC)) >= claims.expires_at:
            raise LinkExpired(claims)
        return claims
