"""The bureau pages' session: a signed cookie, and the CSRF token bound to it.

The cookie holds ``{sid, who, kind, pw}`` signed with itsdangerous under a key of its own
(``session_secret``) and a timestamp: nothing in it is secret, nothing in it can be forged,
and it expires after ``session_hours``. ``pw`` is a short MAC of the identity's password,
so changing a password signs its sessions out. Signing out revokes that session only (an
identity is shared by a whole unit: the others stay signed in), by a marker file named
after the session id in ``data_dir/signed-out/``: it outlives a restart and holds for every
web process sharing the data folder, and with documents on S3 for every replica on any host
within seconds (``api.core.signouts``). A marker goes once its cookie would have expired.

The CSRF token of a form is an HMAC of the session id: bound to one session, never stored,
checked in constant time on every POST.

A planned change of the secret signs no one out: the replaced one, listed in
``session_secret_previous``, still reads the cookies and form tokens it made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.responses import Response

from api.core.digests import equals_any
from api.core.signouts import SID as _SID
from api.core.signouts import SharedSignOuts
from common.settings import Settings

Kind = Literal["ops", "bureau"]
COOKIE = "iku_session"
# With https the __Host- prefix makes browsers refuse the cookie unless it is Secure,
# host-only and for the whole site: no sibling host can plant or widen it.
SECURE_COOKIE = "__Host-iku_session"
_SALT = "iku-bureau-session-v1"
REVOKED_DIR = "signed-out"
# A browser that signed in as a user before is not held by that account's sign-in delay
# (api.core.throttle): a stranger failing on purpose cannot keep the real user out of it.
KNOWN_COOKIE = "iku_known"
SECURE_KNOWN_COOKIE = "__Host-iku_known"
_KNOWN_SALT = "iku-known-browser-v1"
KNOWN_DAYS = 90


@dataclass(frozen=True)
class Session:
    sid: str
    who: str  # the identity: an ops or bureau identity from settings
    kind: Kind


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Sessions:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.max_age = int(settings.session_hours * 3600)
        self._revoked_dir = Path(settings.data_dir) / REVOKED_DIR
        # With documents on S3, shared with the replicas on other hosts (see signouts).
        self.shared = (
            SharedSignOuts(settings, self._revoked_dir, self.max_age)
            if settings.document_store == "s3"
            else None
        )

    @property
    def secure(self) -> bool:
        return self.settings.public_base_url.lower().startswith("https://")

    @property
    def cookie(self) -> str:
        return SECURE_COOKIE if self.secure else COOKIE

    # The secrets are read (or generated into data_dir) on first use, so importing the app
    # touches no disk. The first signs; the others, replaced in a planned change, are still
    # accepted (itsdangerous takes its keys newest last).
    @cached_property
    def _secrets(self) -> list[str]:
        return self.settings.session_secrets()

    @cached_property
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secrets[::-1], salt=_SALT)

    @cached_property
    def _csrf_keys(self) -> list[bytes]:
        return [
            hmac.new(secret.encode(), b"iku-csrf-v1", hashlib.sha256).digest()
            for secret in self._secrets
        ]

    # --- the cookie -------------------------------------------------------------------

    @cached_property
    def _password_marks(self) -> dict[str, list[str]]:
        """Each kind's password's mark under each key, the signing key's first. Read once:
        a changed password takes effect (and signs its sessions out) when the web layer
        restarts, as any other setting does."""
        return {
            kind: [
                _b64(hmac.new(key, password.encode(), hashlib.sha256).digest()[:12])
                for key in self._csrf_keys
            ]
            for kind, password in (
                ("ops", self.settings.ops_password_value()),
                ("bureau", self.settings.bureau_password_value()),
            )
        }

    @cached_property
    def _known_serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secrets[::-1], salt=_KNOWN_SALT)

    @property
    def known_cookie(self) -> str:
        return SECURE_KNOWN_COOKIE if self.secure else KNOWN_COOKIE

    def remember_browser(self, response: Response, user: str) -> None:
        """After a successful sign-in: this browser is known to ``user`` for a while."""
        response.set_cookie(
            self.known_cookie,
            self._known_serializer.dumps(user.lower()),
            max_age=KNOWN_DAYS * 86400,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def knows_browser(self, value: str | None, user: str) -> bool:
        """Whether the browser's known-browser cookie was issued for ``user``."""
        if not value or len(value) > 512 or not user:
            return False
        try:
            known = self._known_serializer.loads(value, max_age=KNOWN_DAYS * 86400)
        except (BadSignature, SignatureExpired):
            return False
        return isinstance(known, str) and known == user.lower()

    def issue(self, response: Response, who: str, kind: Kind) -> Session:
        session = Session(sid=secrets.token_urlsafe(18), who=who, kind=kind)
        value = self._serializer.dumps(
            {"sid": session.sid, "who": who, "kind": kind, "pw": self._password_marks[kind][0]}
        )
        response.set_cookie(
            self.cookie,
            value,
            max_age=self.max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        return session

    def read(self, value: str | None) -> Session | None:
        if not value or len(value) > 4096:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, dict):
            return None
        sid, who, kind = data.get("sid"), data.get("who"), data.get("kind")
        if not (isinstance(sid, str) and isinstance(who, str) and kind in ("ops", "bureau")):
            return None
        if not _SID.fullmatch(sid) or self._revoked(sid):
            return None
        # Still an identity of that kind, with the same password, as settings say now.
        identities = (
            self.settings.ops_identities if kind == "ops" else self.settings.bureau_identities
        )
        if not identities or who != identities[0]:
            return None
        if not equals_any(str(data.get("pw", "")), self._password_marks[kind]):
            return None
        return Session(sid=sid, who=who, kind=kind)

    def end(self, response: Response, session: Session | None) -> None:
        if session is not None and _SID.fullmatch(session.sid):
            self._revoked_dir.mkdir(parents=True, exist_ok=True)
            (self._revoked_dir / session.sid).touch()
            if self.shared is not None:
                self.shared.signed_out(session.sid)
        self._forget_expired()
        response.delete_cookie(
            self.cookie, path="/", secure=self.secure, httponly=True, samesite="lax"
        )

    def _revoked(self, sid: str) -> bool:
        # One stat per signed-in request: cheap enough to do on the event loop.
        return (self._revoked_dir / sid).exists()

    def _forget_expired(self) -> None:
        """Markers of cookies that have expired anyway (a sign-out is rare: done then)."""
        oldest = time.time() - self.max_age
        try:
            markers = list(self._revoked_dir.iterdir())
        except FileNotFoundError:
            return
        for marker in markers:
            try:
                if marker.stat().st_mtime < oldest:
                    marker.unlink()
            except FileNotFoundError:
                pass  # another web process forgot it first

    # --- CSRF -------------------------------------------------------------------------

    @staticmethod
    def _form_token(key: bytes, bound_to: str) -> str:
        return _b64(hmac.new(key, bound_to.encode(), hashlib.sha256).digest())

    def _form_token_ok(self, token: str, bound_to: str) -> bool:
        """Made under any key: a form served before a planned change of the secret is still
        accepted after it."""
        return equals_any(token, [self._form_token(key, bound_to) for key in self._csrf_keys])

    def csrf_token(self, session: Session) -> str:
        return self._form_token(self._csrf_keys[0], f"csrf\n{session.sid}")

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        if not token:
            return False
        return self._form_token_ok(token, f"csrf\n{session.sid}")

    # --- the sign-in form (no session yet) -------------------------------------------

    def signin_token(self, nonce: str) -> str:
        """The sign-in form's token, bound to a random nonce kept in a short cookie: a form
        posted from another site cannot know it (login CSRF)."""
        return self._form_token(self._csrf_keys[0], f"signin\n{nonce}")

    def signin_ok(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token or len(nonce) > 64:
            return False
        return self._form_token_ok(token, f"signin\n{nonce}")
