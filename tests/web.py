"""The web layer as officials meet it: a real uvicorn server, links from real mails, forms
posted the way a browser posts them.

    async with serve(settings, dev_env.client) as base:      # settings.public_base_url = base
        web = Web(http, settings, mail)
        link = await web.link(p.id, KABAG)                    # from the Kabag's newest task mail
        page = await web.open(link)                           # GET, form parsed
        result = await web.submit(link, page, "approve", note="Setuju.")
"""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import uvicorn
from temporalio.client import Client

from api.app import create_app
from common.directory import load_directory
from common.links import LinkSigner
from common.settings import Settings
from tests.support import eventually

if TYPE_CHECKING:
    from tests.conftest import MailBox

LINK = re.compile(r"https?://[^\s\"'<>]+/t/[A-Za-z0-9_.\-]+")
# What a browser sends with a form posted from one of our own pages (our pages send
# ``Referrer-Policy: no-referrer``, so the Origin is "null"; see api.core.security).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}


class _QuietServer(uvicorn.Server):
    # The test process owns its signals; uvicorn must not take Ctrl-C from pytest.
    def capture_signals(self):  # type: ignore[no-untyped-def]
        return nullcontext()


@asynccontextmanager
async def serve(settings: Settings, client: Client | None) -> AsyncIterator[str]:
    """The app on a real uvicorn server on a free loopback port; links in mails point here.
    It shares ``client``; given None, it connects to ``settings.temporal_address`` itself,
    as in the run command.

    Access logs off, as in the run command: task links carry their token in the path.
    """
    app = create_app(settings)
    if client is not None:
        app.state.temporal.use(client)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        access_log=False,
        log_config=None,
        log_level=None,
        lifespan="on",
        # As the run command: forwarded headers are believed by api.core.edge, from
        # IKU_TRUSTED_PROXIES only, never by uvicorn itself.
        proxy_headers=False,
        # The run command's HTTP parser (its event loop is the test's own).
        http="httptools",
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    base = f"http://127.0.0.1:{port}"
    settings.public_base_url = base
    try:
        while not server.started:
            if task.done():
                task.result()  # raises what stopped it
            await asyncio.sleep(0.01)
        yield base
    finally:
        server.should_exit = True
        await task
        sock.close()


# --- pages ------------------------------------------------------------------------------


@dataclass
class Field:
    tag: str
    name: str
    type: str
    value: str
    attrs: dict[str, str]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[Field] = []
        self.buttons: list[tuple[str, str]] = []  # (value, label)
        self.links: list[str] = []
        self.text_parts: list[str] = []
        self.style = ""
        self._in: str | None = None
        self._button: str | None = None
        self._label: list[str] = []
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("style", "title"):
            self._in = tag
        elif tag == "input":
            self.fields.append(
                Field("input", a.get("name", ""), a.get("type", "text"), a.get("value", ""), a)
            )
        elif tag == "textarea":
            self._textarea = Field("textarea", a.get("name", ""), "textarea", "", a)
            self.fields.append(self._textarea)
        elif tag == "button":
            self._button = a.get("value", "")
            self._label = []
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._in = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button" and self._button is not None:
            self.buttons.append((self._button, " ".join("".join(self._label).split())))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.style += data
            return
        if self._in == "title":
            return
        if self._textarea is not None:
            self._textarea.value += data
        if self._button is not None:
            self._label.append(data)
        self.text_parts.append(data)


@dataclass
class Page:
    response: httpx.Response
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""
    style: str = ""

    @classmethod
    def of(cls, response: httpx.Response) -> Page:
        parser = _PageParser()
        if response.headers.get("content-type", "").startswith("text/html"):
            parser.feed(response.text)
        return cls(
            response,
            parser.fields,
            parser.buttons,
            parser.links,
            " ".join("".join(parser.text_parts).split()),
            parser.style,
        )

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def nonce(self) -> str:
        return next(f.value for f in self.fields if f.name == "nonce")

    @property
    def actions(self) -> list[str]:
        return [value for value, _ in self.buttons]

    def named(self, prefix: str) -> list[Field]:
        return [f for f in self.fields if f.name.startswith(prefix)]

    @property
    def checklist(self) -> list[str]:
        return list(dict.fromkeys(f.name.removeprefix("cl.") for f in self.named("cl.")))

    @property
    def file_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.type == "file"]

    def document_links(self) -> list[str]:
        return [link for link in self.links if "/dokumen/" in link]


# --- posting like a browser -------------------------------------------------------------

Upload = tuple[str, bytes, str]  # file name, bytes, the browser's content type


def encode_multipart(parts: Sequence[tuple[str, str | Upload]]) -> tuple[bytes, str]:
    """multipart/form-data in the given order, as browsers write it (RFC 7578)."""
    boundary = f"----IkuTestBoundary{uuid.uuid4().hex}"
    body = bytearray()
    for name, value in parts:
        body += f"--{boundary}\r\n".encode()
        quoted = name.replace('"', "%22")
        if isinstance(value, tuple):
            filename, data, content_type = value
            body += (
                f'Content-Disposition: form-data; name="{quoted}"; '
                f'filename="{filename.replace(chr(34), "%22")}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            body += data
        else:
            body += f'Content-Disposition: form-data; name="{quoted}"\r\n\r\n'.encode()
            body += value.encode()
        body += b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def form_parts(
    page: Page,
    action: str,
    *,
    note: str = "",
    checklist: Mapping[str, bool] | None = None,
    remarks: Mapping[str, str] | None = None,
    files: Mapping[str, Iterable[Upload]] | None = None,
    team: Sequence[str] = (),
    leader: str = "",
    nonce: str | None = None,
    passphrase: str = "",
) -> list[tuple[str, str | Upload]]:
    """What a browser sends for this page: the nonce first, every checklist item (all
    'sesuai' unless said), team, file inputs (an empty part for each one left empty), the
    note, and the button pressed."""
    parts: list[tuple[str, str | Upload]] = [("nonce", nonce if nonce is not None else page.nonce)]
    answers = {code: True for code in page.checklist}
    answers.update(checklist or {})
    for code, ok in answers.items():
        parts.append((f"cl.{code}", "ok" if ok else "not_ok"))
        parts.append((f"clr.{code}", (remarks or {}).get(code, "")))
    parts += [("team_member", person) for person in team]
    if leader:
        parts.append(("team_leader", leader))
    chosen = dict(files or {})
    for name in page.file_fields:
        uploads = list(chosen.pop(name.removeprefix("doc."), []))
        for upload in uploads or [("", b"", "application/octet-stream")]:
            parts.append((name, upload))
    for kind, uploads in chosen.items():  # inputs the page does not offer: sent anyway
        parts += [(f"doc.{kind}", upload) for upload in uploads]
    parts.append(("note", note))
    if passphrase:
        parts.append(("passphrase", passphrase))
    parts.append(("action", action))
    return parts


class Web:
    """An official's browser, in the test: reads mails, opens links, posts forms."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings, mail: MailBox) -> None:
        self.http = http
        self.settings = settings
        self.mail = mail
        self.acted: set[str] = set()  # task ids already decided through this helper

    def email_of(self, person: str) -> str:
        found = load_directory(Path(self.settings.directory_file)).person(person)
        assert found is not None and found.email, person
        return found.email

    def task_mails(self, workflow_id: str, person: str) -> list[EmailMessage]:
        email = self.email_of(person).lower()
        return [
            m
            for m in self.mail.for_process(workflow_id, "task")
            if email in str(m["X-Envelope-To"]).lower()
        ]

    async def link(
        self, workflow_id: str, person: str, task_id: str | None = None, within: float = 20
    ) -> str:
        """The link in the person's mail for ``task_id``, or else in their newest task mail
        for a task not yet acted on through this helper (when every decision goes through
        it; after deciding through the SDK, name the task)."""

        def mailed() -> str:
            for message in reversed(self.task_mails(workflow_id, person)):
                if (
                    message["X-IKU-Task-Id"] == task_id
                    if task_id
                    else message["X-IKU-Task-Id"] not in self.acted
                ):
                    return link_in(message)
            raise AssertionError(f"no new task mail for {person} in {workflow_id}")

        return await eventually(mailed, within)

    async def open(self, link: str, **headers: str) -> Page:
        return Page.of(await self.http.get(link, headers=headers))

    async def post(
        self,
        link: str,
        parts: Sequence[tuple[str, str | Upload]],
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        body, content_type = encode_multipart(parts)
        sent = {"Content-Type": content_type, **SAME_ORIGIN, **(headers or {})}
        return Page.of(await self.http.post(link, content=body, headers=sent))

    async def submit(
        self,
        link: str,
        page: Page,
        action: str,
        headers: Mapping[str, str] | None = None,
        **form: object,
    ) -> Page:
        result = await self.post(
            link,
            form_parts(page, action, **form),  # type: ignore[arg-type]
            headers,
        )
        if result.status == 200:
            self.acted.add(task_of(link, self.settings))
        return result

    async def search_team(self, link: str, page: Page, words: str, **form: object) -> Page:
        """Press the team picker's "Cari" with ``words`` typed, the rest of the form as given."""
        parts = form_parts(page, "", **form)  # type: ignore[arg-type]
        parts = [part for part in parts if part[0] not in ("action", "cari")]
        return await self.post(link, [*parts, ("cari", words), ("cari_tim", "1")])

    async def act(self, workflow_id: str, person: str, action: str, **form: object) -> Page:
        """Open the person's newest task link and decide; the result page must say yes."""
        link = await self.link(workflow_id, person)
        page = await self.open(link)
        assert page.status == 200, (page.status, page.text)
        result = await self.submit(link, page, action, **form)
        assert result.status == 200, (result.status, result.text)
        return result


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None, "the mail carries no task link"
    return found.group(0)


def task_of(link: str, settings: Settings) -> str:
    return LinkSigner(settings.link_secret_value()).read(token_of(link)).task_id


def token_of(link: str) -> str:
    return link.rsplit("/t/", 1)[1].split("/", 1)[0].split("?", 1)[0]
