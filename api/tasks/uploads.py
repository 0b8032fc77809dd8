"""The task form, read as a stream: fields in memory, files spooled into the document store.

Starlette's ``request.form()`` would spool every file whole before we could count a byte,
so the body is fed to python-multipart's push parser chunk by chunk instead. Each file goes
into a ``Spool`` (a temporary file inside the store) that counts and hashes as it writes:
past ``max_upload_bytes`` the file is refused (413). When a file ends, its type is judged
by its bytes (``detect_media_type``). A file refused (empty, too large, of a kind we do not
take) does not stop the reading: the rest of the form is read so that every refused file is
named and the form can be shown again, filled in (``FormRefused``). Nothing becomes a
document until the whole form has been read and every file passed: then the files are
*staged* (``stage``: the workflow's check and readers find them) and committed into the
store only once the workflow accepted the decision, or removed when it refused it; any
earlier refusal discards every spool.
Every file byte also counts against the link's upload budget (``api.core.upload_budget``):
past it the form is refused with 429.

File inputs are named ``doc.<kind>`` after the SOP's document kinds; the client's file name
is kept only as a display name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from api.core.i18n import Lang, size, text
from api.core.problems import PageError
from api.core.upload_budget import LinkBudget
from common.documents import (
    DocumentStore,
    DocumentTooLarge,
    Spool,
    StagedDocument,
    display_name,
)
from common.filetypes import UnsupportedDocument
from common.models import Attachment
from workflows import sop

FILE_PREFIX = "doc."
MAX_FILES = 10  # a decision attaches one to three documents; "bahan" may bring a few more
MAX_FIELDS = 200  # checklist items, remarks, team members and the rest
MAX_FIELD_BYTES = 64 * 1024  # a note is at most 4,000 characters
FIELDS_BYTES = 1024 * 1024  # everything that is not a file, together


@dataclass(frozen=True)
class Limits:
    file_bytes: int

    @property
    def request_bytes(self) -> int:
        # Four files at the limit: what a real decision needs, with room for the fields.
        return 4 * self.file_bytes + FIELDS_BYTES


@dataclass
class UploadedFile:
    kind: str
    name: str  # display name only, never a path
    spool: Spool
    media_type: str


@dataclass
class SubmittedForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    nonce: str = ""  # the random part of the page nonce, verified as it arrived

    def first(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0] if values else ""

    def all(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    async def stage(self) -> StagedFiles:
        """Every spooled file staged in the store (content-addressed), not yet stored."""
        staged = StagedFiles()
        try:
            for upload in self.files:
                document = await asyncio.to_thread(
                    upload.spool.stage, upload.name, upload.media_type
                )
                staged.documents.append((upload.kind, document))
        except BaseException:
            await staged.discard()
            raise
        return staged

    def discard(self) -> None:
        for upload in self.files:
            upload.spool.discard()


class FormRefused(PageError):
    """A refusal the person can put right on the same form (a wrong passphrase, a file of
    the wrong kind): the task page shows the form again, filled in, with these lines on
    top. ``form``: the form as read, where it was read before the refusal;
    ``files_chosen``: files came with it, and must be chosen again; ``field``: the form's
    field (or group: "checklist", "team", "uploads") the refusal is about, where there is
    one, so the page marks it and puts the cursor there."""

    form: SubmittedForm | None = None
    files_chosen: bool = False

    def __init__(self, status: int, title: str, lines: list[str], *, field: str = "") -> None:
        super().__init__(status, title, lines)
        self.field = field


@dataclass
class StagedFiles:
    """A decision's files: readable by the workflow's check, the store's only on commit."""

    documents: list[tuple[str, StagedDocument]] = field(default_factory=list)

    @property
    def attachments(self) -> list[Attachment]:
        return [Attachment(kind=kind, ref=document.ref) for kind, document in self.documents]

    async def commit(self) -> None:
        for _, document in self.documents:
            await asyncio.to_thread(document.commit)

    async def discard(self) -> None:
        for _, document in self.documents:
            await asyncio.to_thread(document.discard)


@dataclass
class _Part:
    name: str
    filename: str | None  # None for a plain field
    data: bytearray = field(default_factory=bytearray)
    pending: list[bytes] = field(default_factory=list)
    spool: Spool | None = None
    ended: bool = False
    refused: bool = False  # its bytes are read and dropped


class _Refused(Exception):
    def __init__(self, error: PageError) -> None:
        super().__init__(error.title)
        self.error = error


class FormReader:
    def __init__(
        self,
        store: DocumentStore,
        limits: Limits,
        lang: Lang,
        verify_nonce: Callable[[str], str | None],
        budget: LinkBudget | None = None,
    ) -> None:
        """``verify_nonce``: the nonce's random part when it was made for this page;
        ``budget``: what the link may still upload."""
        self.budget = budget
        self.store = store
        self.limits = limits
        self.lang = lang
        self.verify_nonce = verify_nonce
        self.form = SubmittedForm()
        self.parts: list[_Part] = []
        self.spools: list[Spool] = []
        self.fields_bytes = 0
        self.field_count = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._current: _Part | None = None
        self.refused_files: list[tuple[int, str, str]] = []  # status, title, line

    # --- entry ------------------------------------------------------------------------

    async def read(self, request: Request) -> SubmittedForm:
        content_type, options = parse_options_header(request.headers.get("content-type"))
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limits.request_bytes:
            # Refused before a byte is read (the client may see the connection close).
            raise self._too_large_request()
        try:
            # The page's form always declares multipart, with or without files in it.
            if content_type != b"multipart/form-data" or not options.get(b"boundary"):
                raise _Refused(self._bad_form())
            await self._read_multipart(request, options[b"boundary"])
            if not self.form.nonce:
                raise _Refused(self._bad_nonce())
            if self.refused_files:
                raise _Refused(self._files_refused())
        except _Refused as refused:
            self._discard()
            raise refused.error from None
        except BaseException:
            self._discard()
            raise
        return self.form

    def _discard(self) -> None:
        for spool in self.spools:
            spool.discard()

    # --- multipart --------------------------------------------------------------------

    async def _read_multipart(self, request: Request, boundary: bytes) -> None:
        refusal: _Refused | None = None
        try:
            parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._on_part_begin,
                    "on_part_data": self._on_part_data,
                    "on_part_end": self._on_part_end,
                    "on_header_field": self._on_header_field,
                    "on_header_value": self._on_header_value,
                    "on_header_end": self._on_header_end,
                    "on_headers_finished": self._on_headers_finished,
                },
            )
        except FormParserError:  # a boundary no browser sends (longer than the parser takes)
            refusal = _Refused(self._bad_form())
        received = 0
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > self.limits.request_bytes:
                    raise refusal or _Refused(self._too_large_request())
                if refusal is not None:
                    # Read (and drop) the rest, so the browser gets our page, not a reset.
                    continue
                try:
                    parser.write(chunk)
                    await self._drain_events()
                except _Refused as refused:
                    refusal = refused
                    self._discard()
                except FormParserError:
                    refusal = _Refused(self._bad_form())
                    self._discard()
            if refusal is not None:
                raise refusal
            parser.finalize()
            await self._drain_events()
        except ClientDisconnect:
            raise _Refused(self._bad_form()) from None
        except FormParserError:
            raise _Refused(self._bad_form()) from None
        if self._current is not None and not self._current.ended:
            raise _Refused(self._bad_form())  # the body stopped inside a part

    def _on_part_begin(self) -> None:
        self._disposition = b""

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        filename = None if raw_filename is None else raw_filename.decode("utf-8", "replace")
        part = _Part(name=name, filename=filename)
        if filename is not None:
            kind = name.removeprefix(FILE_PREFIX)
            if not name.startswith(FILE_PREFIX) or kind not in sop.DOC_KINDS:
                raise _Refused(
                    PageError(
                        422, text(self.lang, "bad_form_title"), [text(self.lang, "unknown_kind")]
                    )
                )
        else:
            self.field_count += 1
            if self.field_count > MAX_FIELDS:
                raise _Refused(self._bad_form())
        self.parts.append(part)
        self._current = part

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current
        assert part is not None
        chunk = data[start:end]
        if part.filename is None:
            self.fields_bytes += len(chunk)
            if len(part.data) + len(chunk) > MAX_FIELD_BYTES or self.fields_bytes > FIELDS_BYTES:
                raise _Refused(self._bad_form())
            part.data += chunk
        else:
            part.pending.append(chunk)  # written to disk off the event loop, below

    def _on_part_end(self) -> None:
        assert self._current is not None
        self._current.ended = True

    async def _drain_events(self) -> None:
        """Write what the parser handed over, then finish the parts that ended."""
        for part in list(self.parts):
            if part.filename is not None and part.pending:
                await self._write(part)
            if part.ended:
                self.parts.remove(part)
                await self._finish(part)

    async def _write(self, part: _Part) -> None:
        if part.refused:
            if self.budget is not None:
                self.budget.spend(sum(map(len, part.pending)))
            part.pending = []
            return
        if part.spool is None:
            if len(self.spools) >= MAX_FILES:
                raise _Refused(self._too_large_request())
            part.spool = self.store.spool(self.limits.file_bytes)
            self.spools.append(part.spool)
        chunks, part.pending = part.pending, []
        if self.budget is not None and not self.budget.spend(sum(map(len, chunks))):
            raise _Refused(self._budget_spent(self.budget.retry_after()))
        try:
            await asyncio.to_thread(_write_all, part.spool, chunks)
        except DocumentTooLarge:
            part.refused = True
            part.spool.discard()
            reason = text(self.lang, "file_too_large", size=size(self.limits.file_bytes))
            self._refuse_file(413, "too_large_title", part, reason)

    async def _finish(self, part: _Part) -> None:
        if part.filename is None:
            value = part.data.decode("utf-8", "replace").replace("\r\n", "\n")
            self.form.fields.setdefault(part.name, []).append(value)
            if part.name == "nonce":
                # Checked as soon as it arrives (the page puts it first), before any file.
                verified = self.verify_nonce(value)
                if verified is None:
                    raise _Refused(self._bad_nonce())
                self.form.nonce = verified
            return
        if part.refused:
            return
        name = display_name(part.filename)
        if part.spool is None:
            if part.filename == "":
                return  # a file input left empty: browsers send a nameless, empty part
            self.refused_files.append(
                (422, "empty_file_title", text(self.lang, "empty_file", name=name))
            )
            return
        try:
            media_type = await asyncio.to_thread(part.spool.media_type)
        except UnsupportedDocument as err:
            part.spool.discard()
            reason = err.message if self.lang == "en" else err.message_id
            self._refuse_file(415, "bad_type_title", part, reason)
            return
        self.form.files.append(
            UploadedFile(
                kind=part.name.removeprefix(FILE_PREFIX),
                name=name,
                spool=part.spool,
                media_type=media_type,
            )
        )

    # --- refusals ---------------------------------------------------------------------

    def _refuse_file(self, status: int, title: str, part: _Part, reason: str) -> None:
        name = display_name(part.filename or "")
        self.refused_files.append(
            (status, title, text(self.lang, "bad_type", name=name, reason=reason))
        )

    def _files_refused(self) -> FormRefused:
        """Every refused file named, under the first one's title; the form comes again."""
        status, title, _ = self.refused_files[0]
        if any(t != title for _, t, _ in self.refused_files):
            title = "files_refused_title"
        lines = [line for _, _, line in self.refused_files]
        if any(s == 415 for s, _, _ in self.refused_files):
            lines.append(text(self.lang, "uploads_hint", size=size(self.limits.file_bytes)))
        refused = FormRefused(
            status, text(self.lang, title), [*lines, text(self.lang, "nothing_applied")]
        )
        refused.form = self.form
        refused.files_chosen = True
        return refused

    def _too_large_request(self) -> PageError:
        return PageError(
            413,
            text(self.lang, "too_large_title"),
            [
                text(
                    self.lang,
                    "request_too_large",
                    count=MAX_FILES,
                    size=size(self.limits.request_bytes),
                ),
                text(self.lang, "nothing_applied"),
            ],
        )

    def _budget_spent(self, retry_after: int) -> PageError:
        assert self.budget is not None
        return PageError(
            429,
            text(self.lang, "upload_budget_title"),
            [
                text(
                    self.lang,
                    "upload_budget_spent",
                    size=size(self.budget.budget.limit()),
                    hours=max(1, -(-retry_after // 3600)),
                ),
                text(self.lang, "nothing_applied"),
            ],
            headers={"Retry-After": str(max(retry_after, 1))},
        )

    def _bad_form(self) -> PageError:
        return PageError(422, text(self.lang, "bad_form_title"), [text(self.lang, "bad_form")])

    def _bad_nonce(self) -> PageError:
        return PageError(
            403,
            text(self.lang, "cross_site_title"),
            [text(self.lang, "form_stale"), text(self.lang, "nothing_applied")],
        )


def _write_all(spool: Spool, chunks: list[bytes]) -> None:
    for chunk in chunks:
        spool.write(chunk)
    spool.flush()
