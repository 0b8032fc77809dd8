"""FastAPI dependencies: settings, language, Temporal, the link signer, the store, people.

They are ``async def`` although they await nothing: FastAPI runs a plain ``def`` dependency
in a worker thread, and those hops cost each decision about a millisecond
(bench/decision_latency.py). None of them blocks: the directory is re-read only when its
file changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from api.i18n import Lang, negotiate, text
from api.nonce import PageNonces
from api.people import People
from api.problems import PageError
from api.temporal_client import TemporalUnavailable
from common.documents import DocumentStore
from common.links import LinkSigner
from common.settings import Settings
from workflows.sop import WIB


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_lang(request: Request) -> Lang:
    lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    request.state.lang = lang  # for the error handler, which has no dependencies
    return lang


SettingsDep = Annotated[Settings, Depends(get_settings)]
LangDep = Annotated[Lang, Depends(get_lang)]


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
            self._signer = LinkSigner(self._settings.link_secret_value())
        return self._signer

    @property
    def nonces(self) -> PageNonces:
        if self._nonces is None:
            self._nonces = PageNonces(self._settings.link_secret_value())
        return self._nonces


async def get_keys(request: Request) -> Keys:
    return request.app.state.keys  # type: ignore[no-any-return]


async def get_store(settings: SettingsDep) -> DocumentStore:
    return DocumentStore(settings.documents_dir)


async def get_people(settings: SettingsDep) -> People:
    # load_directory re-reads the file only when it changed.
    return People.load(settings.directory_file)


async def get_client(request: Request, lang: LangDep) -> Client:
    """The shared client, or the 503 page. Routes call it once the link has been read, so a
    forged link gets its 404 even while Temporal is away."""
    try:
        return await request.app.state.temporal.client()  # type: ignore[no-any-return]
    except TemporalUnavailable:
        raise PageError(503, text(lang, "unavailable_title"), [text(lang, "unavailable")],
                        headers={"Retry-After": "5"}) from None


KeysDep = Annotated[Keys, Depends(get_keys)]
StoreDep = Annotated[DocumentStore, Depends(get_store)]
PeopleDep = Annotated[People, Depends(get_people)]


def today() -> datetime:
    """Now, in WIB: the day that decides who is acting for whom, as the workflow reads it."""
    return datetime.now(WIB)
