"""The bureau's browser and the API's client, in tests: sign in, read pages, post forms.

    async with signed_in(web, "bureau") as biro:            # a session of its own
        wid = await biro.start(year=2027, code="kemnaker", title="IKU 2027")
        page = await biro.page(f"/proses/{wid}")
        result = await biro.post(f"/proses/{wid}/kirim-ulang", {"task_id": "s01-001"}, page)

    async with api(web, "ops") as client:                    # bearer token from settings
        status = (await client.get(f"/api/processes/{wid}")).json()

``web`` is the conftest fixture: the app served by uvicorn against the dev server, with the
mail box the officials' links come from.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx
from temporalio.client import Client

from common import search_attributes as sa
from common.models import StatusView
from common.settings import Settings
from tests import support
from tests.scenario import STARTED
from tests.web import Page, Web

T = TypeVar("T")

Kind = Literal["ops", "bureau"]
# What a browser sends with a form from our own page (see api.core.security.check_same_origin).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def started(settings: Settings, workflow_id: str) -> None:
    """Left running at the end of the test, the worker fixture terminates it."""
    STARTED.setdefault(settings.task_queue, []).append(workflow_id)


async def started_on_queue(client: Client, settings: Settings) -> None:
    """Everything still running on the test's task queue (started by requests the test did
    not name, such as schemathesis's) is terminated with the test's worker."""
    async for execution in client.list_workflows(
        f"TaskQueue = {sa.quote(settings.task_queue)} AND ExecutionStatus = 'Running'"
    ):
        started(settings, execution.id)


def credentials(settings: Settings, kind: Kind) -> tuple[str, str]:
    if kind == "ops":
        return settings.ops_identities[0], settings.ops_password_value()
    return settings.bureau_identities[0], settings.bureau_password_value()


def token(settings: Settings, kind: Kind) -> str:
    return settings.ops_api_token_value() if kind == "ops" else settings.bureau_api_token_value()


def unique_code(prefix: str = "b") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def hidden(page: Page, name: str, form_id: str | None = None) -> str:
    """A hidden field's value; with ``form_id``, the one inside that form."""
    if form_id is not None:
        html = page.response.text
        start = html.index(f'id="{form_id}"')
        found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html[start:])
        assert found is not None, (form_id, name)
        return found.group(1)
    return next(f.value for f in page.fields if f.name == name)


@dataclass
class Bureau:
    """One signed-in browser (its own cookie jar)."""

    http: httpx.AsyncClient
    settings: Settings
    who: str = ""
    location: str = ""  # where the last start redirected to

    async def sign_in(
        self, kind: Kind, *, password: str | None = None, next_path: str = "/proses"
    ) -> httpx.Response:
        form = Page.of(await self.http.get("/masuk", params={"next": next_path}))
        user, secret = credentials(self.settings, kind)
        self.who = user
        return await self.http.post(
            "/masuk",
            data={
                "user": user,
                "password": secret if password is None else password,
                "token": hidden(form, "token"),
                "next": next_path,
            },
            headers=SAME_ORIGIN,
        )

    async def page(self, path: str, **params: str) -> Page:
        """The page as a browser shows it: an address by id alone is sent on to the run."""
        return Page.of(await self.http.get(path, params=params or None, follow_redirects=True))

    async def post(
        self,
        path: str,
        data: Mapping[str, str],
        page: Page | None = None,
        *,
        csrf: str | None = None,
        form_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        """Post a form as the page would: with its CSRF token unless one is given."""
        fields = dict(data)
        if csrf is None:
            page = page or await self.page("/proses")
            csrf = hidden(page, "csrf")
        fields["csrf"] = csrf
        if form_id is not None and page is not None:
            fields.setdefault("form_id", hidden(page, "form_id", form_id))
        sent = {**SAME_ORIGIN, **(headers or {})}
        return Page.of(await self.http.post(path, data=fields, headers=sent))

    async def start(
        self,
        *,
        year: int,
        code: str,
        title: str = "IKU Kemnaker",
        revision: int = 0,
        sop_number: str | None = None,
    ) -> str:
        form = await self.page("/proses/baru")
        data = {"year": str(year), "code": code, "title": title, "revision": str(revision)}
        if sop_number is not None:
            data["sop_number"] = sop_number
        else:
            data["sop_number"] = next(f.value for f in form.fields if f.name == "sop_number")
        # Asked once to confirm the id it takes for good, then started.
        asked = await self.post("/proses/baru", data, form)
        assert asked.status == 200, asked.text
        confirm = {"confirm": "ya", "confirm_id": hidden(asked, "confirm_id")}
        result = await self.post("/proses/baru", {**data, **confirm}, asked)
        assert result.status == 303, (result.status, result.text)
        location = self.location = result.response.headers["location"]
        # /proses/<id>/<run>?ok=started: the process by its id and run.
        workflow_id = location.split("/proses/", 1)[1].split("?", 1)[0].split("/", 1)[0]
        started(self.settings, workflow_id)
        return workflow_id


@asynccontextmanager
async def signed_in(web: Web, kind: Kind, **headers: str) -> AsyncIterator[Bureau]:
    async with httpx.AsyncClient(
        base_url=web.settings.public_base_url, timeout=60, headers=headers
    ) as http:
        bureau = Bureau(http, web.settings)
        response = await bureau.sign_in(kind)
        assert response.status_code == 303, (response.status_code, response.text)
        yield bureau


@asynccontextmanager
async def anonymous(web: Web) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.settings.public_base_url, timeout=60) as http:
        yield http


@asynccontextmanager
async def api(web: Web, kind: Kind) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=web.settings.public_base_url,
        timeout=60,
        headers={"Authorization": f"Bearer {token(web.settings, kind)}"},
    ) as http:
        yield http


async def eventually(check: Callable[[], T | Awaitable[T]], within: float = 20) -> T:
    """Retry a check (visibility is eventually consistent) until it passes; what it
    returned. Pages are asked five times a second, not twenty."""
    return await support.eventually(check, within, interval=0.2)


def status_of(response: httpx.Response) -> StatusView:
    assert response.status_code == 200, (response.status_code, response.text)
    return StatusView.model_validate_json(response.text)
