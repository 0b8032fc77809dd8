"""FastAPI dependencies: settings, language, Temporal, the link signer, the store, people,
calendar, and the shared state of the app. Routers take what they need from here, never from
``app.state``.

They are ``async def`` although they await nothing: FastAPI runs a plain ``def`` dependency
in a worker thread, and those hops cost each decision about a millisecond
(bench/decision_latency.py). None of them blocks: the directory and the calendar's
overrides are re-read only when their file changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from api.core.gateway import client_of
from api.core.i18n import Lang, negotiate
from api.core.nonce import PageNonces
from api.core.people import People
from api.core.sliding_window import KeyLimit
from api.core.temporal_client import TemporalConnection
from api.core.throttle import SignInThrottle
from api.core.upload_budget import UploadBudget
from api.core.visibility import CountsCache, PageTokens
from common.documents import DocumentStore, open_document_store
from common.links import LinkSigner
from common.settings import Settings
from common.workcalendar import WorkCalendar
from workflows.sop import WIB


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_lang(request: Request) -> Lang:
    lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    request.state.lang = lang  # for the error handler, which has no dependencies
    return lang


SettingsDep = Annotated[Settings, Depends(get_settings)]
LangDep = Annotated[Lang, Depends(get_lang)]


async def get_temporal(request: Request) -> TemporalConnection:
    return request.app.state.temporal  # type: ignore[no-any-return]


TemporalDep = Annotated[TemporalConnection, Depends(get_temporal)]


async def get_client(temporal: TemporalDep) -> Client:
    """The shared Temporal client, connected on first use; out of reach, a ``ProcessError``
    (503) that ``api.core.answers`` words for the audience of the path."""
    return await client_of(temporal)


ClientDep = Annotated[Client, Depends(get_client)]


async def get_page_tokens(request: Request) -> PageTokens:
    return request.app.state.page_tokens  # type: ignore[no-any-return]


async def get_counts(request: Request) -> CountsCache:
    return request.app.state.counts  # type: ignore[no-any-return]


async def get_signin_throttle(request: Request) -> SignInThrottle:
    return request.app.state.signin_throttle  # type: ignore[no-any-return]


async def get_passphrase_throttle(request: Request) -> KeyLimit:
    return request.app.state.passphrase_throttle  # type: ignore[no-any-return]


async def get_verify_rate(request: Request) -> KeyLimit:
    return request.app.state.verify_rate  # type: ignore[no-any-return]


PageTokensDep = Annotated[PageTokens, Depends(get_page_tokens)]
CountsDep = Annotated[CountsCache, Depends(get_counts)]
SignInThrottleDep = Annotated[SignInThrottle, Depends(get_signin_throttle)]
PassphraseThrottleDep = Annotated[KeyLimit, Depends(get_passphrase_throttle)]
VerifyRateDep = Annotated[KeyLimit, Depends(get_verify_rate)]


async def get_upload_budget(request: Request) -> UploadBudget:
    return request.app.state.upload_budget  # type: ignore[no-any-return]


UploadBudgetDep = Annotated[UploadBudget, Depends(get_upload_budget)]


class Keys:
    """The link signer and the page nonces, made on first use.

    The secret is read (or generated into data_dir) only when a link is first handled, so
    importing the app touches no disk.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._signer: LinkSigner | None = None
        self._nonces: PageNonces | None = None

    @property
    def signer(self) -> LinkSigner:
        if self._signer is None:
            self._signer = LinkSigner(
                self._settings.link_secret_value(), self._settings.link_secrets_previous()
            )
        return self._signer

    @property
    def nonces(self) -> PageNonces:
        if self._nonces is None:
            self._nonces = PageNonces(
                self._settings.link_secret_value(), self._settings.link_secrets_previous()
            )
        return self._nonces


async def get_keys(request: Request) -> Keys:
    return request.app.state.keys  # type: ignore[no-any-return]


async def get_store(settings: SettingsDep) -> DocumentStore:
    return open_document_store(settings)


async def get_people(settings: SettingsDep) -> People:
    return People.load(settings)


async def get_calendar(settings: SettingsDep) -> WorkCalendar:
    """For showing working days left: a broken overrides file is logged and left out rather
    than turning every page into an error (the workflow's deadlines come from activities)."""
    return WorkCalendar.for_display(settings)


KeysDep = Annotated[Keys, Depends(get_keys)]
StoreDep = Annotated[DocumentStore, Depends(get_store)]
PeopleDep = Annotated[People, Depends(get_people)]
CalendarDep = Annotated[WorkCalendar, Depends(get_calendar)]


def today() -> datetime:
    """Now, in WIB: the day that decides who is acting for whom, as the workflow reads it."""
    return datetime.now(WIB)
