"""Who is asking: a signed-in person on the bureau pages, or a bearer token on the JSON API.

Two identities come from settings: ops (``ops_identities[0]``) and the planning bureau
(``bureau_identities[0]``), each with a password for the pages and a bearer token for the
API. Secrets are compared in constant time, all of them every time, so timing says nothing
about which one nearly matched. What an identity may do is the workflow's rule; the web
layer only refuses early what the workflow would refuse anyway (assign, cancel, decide
by the bureau), so a refused request never reaches Temporal.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.core.json_errors import ApiProblem
from api.core.sessions import Kind, Session, Sessions
from common.settings import Settings


@dataclass(frozen=True)
class Identity:
    who: str  # what the workflow records as ``by``
    kind: Kind

    @property
    def is_ops(self) -> bool:
        return self.kind == "ops"


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class Credentials:
    """The identities' passwords and tokens, read from settings (or data_dir) on first use
    and kept: a request never waits on the disk for them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def entries(self) -> list[tuple[str, Kind, str, str]]:
        """(user name, kind, password, api token) of each identity that has a user name."""
        settings = self.settings
        found: list[tuple[str, Kind, str, str]] = []
        if settings.ops_identities:
            found.append(
                (
                    settings.ops_identities[0],
                    "ops",
                    settings.ops_password_value(),
                    settings.ops_api_token_value(),
                )
            )
        if settings.bureau_identities:
            found.append(
                (
                    settings.bureau_identities[0],
                    "bureau",
                    settings.bureau_password_value(),
                    settings.bureau_api_token_value(),
                )
            )
        return found

    def password(self, user: str, password: str) -> Identity | None:
        match: Identity | None = None
        for name, kind, secret, _ in self.entries:
            # Both compared for every identity (no short cut), whatever matched before.
            ok = _same(user, name) & _same(password, secret)
            if ok and match is None:
                match = Identity(name, kind)
        return match

    def user_name(self, user: str) -> str | None:
        """The identity's name when ``user`` is one of ours (a log may name it), else None:
        what someone typed there may be anything, a password among them."""
        for name, _, _, _ in self.entries:
            if _same(user, name):
                return name
        return None

    def token(self, token: str) -> Identity | None:
        match: Identity | None = None
        for name, kind, _, secret in self.entries:
            if _same(token, secret) and match is None:
                match = Identity(name, kind)
        return match


def get_credentials(request: Request) -> Credentials:
    return request.app.state.credentials  # type: ignore[no-any-return]


# --- the pages -------------------------------------------------------------------------


class SignInRequired(Exception):
    """Handled by a redirect to the sign-in page, which comes back here afterwards."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def safe_next(value: str | None) -> str:
    """A local path to return to after signing in; anything else goes to the list."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 for c in value)
        or len(value) > 2000
    ):
        return "/proses"
    return value


def sign_in_url(back_to: str) -> str:
    return f"/masuk?next={quote(safe_next(back_to), safe='/')}"


async def sign_in_redirect(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return RedirectResponse(sign_in_url(error.back_to), status_code=302)


@dataclass(frozen=True)
class SignedIn:
    identity: Identity
    session: Session
    csrf: str


def get_sessions(request: Request) -> Sessions:
    return request.app.state.sessions  # type: ignore[no-any-return]


async def signed_in(request: Request) -> SignedIn:
    sessions = get_sessions(request)
    session = sessions.read(request.cookies.get(sessions.cookie))
    if session is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # A form posted without a session goes back to the page, not to the POST.
        raise SignInRequired(back if request.method == "GET" else request.url.path)
    signed = SignedIn(Identity(session.who, session.kind), session, sessions.csrf_token(session))
    request.state.signed = signed  # for the error pages' frame, which have no dependencies
    return signed


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


# --- the JSON API ----------------------------------------------------------------------

_bearer = HTTPBearer(
    auto_error=False,
    description="The ops or bureau API token from "
    "settings (IKU_OPS_API_TOKEN / IKU_BUREAU_API_TOKEN, or the files "
    "ops-api-token / bureau-api-token in the data folder).",
)


async def api_identity(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Identity:
    identity = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        identity = get_credentials(request).token(credentials.credentials)
    if identity is None:
        raise ApiProblem(401, "unauthenticated", headers={"WWW-Authenticate": 'Bearer realm="iku"'})
    return identity


ApiIdentityDep = Annotated[Identity, Depends(api_identity)]
