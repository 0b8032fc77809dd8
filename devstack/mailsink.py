"""The local mail sink: an SMTP server that keeps every message as a file, and its reader.

Each message is one ``.eml`` file in the mail folder, named by the moment it was received
(``20261124T101530.123456Z-1a2b3c4d.eml``), so sorting names sorts by arrival. Files are
written to a temporary name and renamed, so the outbox page never reads half a message.
The sink accepts any sender and recipient and asks for no authentication: it only ever
listens on the loopback interface.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from aiosmtpd.smtp import SMTP, Envelope, Session

_NAME = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z)-[0-9a-f]{8}\.eml$")
_STAMP = "%Y%m%dT%H%M%S.%fZ"
# The envelope is recorded as headers (as aiosmtpd's own Message handler does), so the
# outbox shows who the message really went to, Bcc included.
ENVELOPE_FROM = "X-MailFrom"
ENVELOPE_TO = "X-RcptTo"


class InvalidMessageName(ValueError):
    """The name is not one the sink writes: refused before touching the file system."""


@dataclass(frozen=True)
class StoredMessage:
    name: str
    received: datetime
    message_id: str
    sender: str
    to: str
    subject: str
    envelope_to: list[str]
    iku_headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


# --- writing ---------------------------------------------------------------------------


def message_name(received: datetime) -> str:
    stamp = received.astimezone(UTC).strftime(_STAMP)
    return f"{stamp}-{secrets.token_hex(4)}.eml"


def store_message(
    mail_dir: Path, name: str, content: bytes, mail_from: str, rcpt_tos: list[str]
) -> Path:
    """Write one message atomically; return its path."""
    if not _NAME.fullmatch(name):
        raise InvalidMessageName(name)
    mail_dir.mkdir(parents=True, exist_ok=True)
    newline = b"\r\n" if b"\r\n" in content[:4096] else b"\n"
    envelope = (
        f"{ENVELOPE_FROM}: {_one_line(mail_from)}".encode()
        + newline
        + f"{ENVELOPE_TO}: {', '.join(_one_line(r) for r in rcpt_tos)}".encode()
        + newline
    )
    fd, tmp = tempfile.mkstemp(dir=mail_dir, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(envelope + content)
            out.flush()
            os.fsync(out.fileno())
        target = mail_dir / name
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _one_line(value: str) -> str:
    # Addresses come from the SMTP client; never let one smuggle in another header.
    return value.replace("\r", " ").replace("\n", " ")


class SinkHandler:
    """aiosmtpd handler: every message that reaches DATA is kept."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self._last = datetime.min.replace(tzinfo=UTC)

    def _next_received(self) -> datetime:
        # Strictly increasing, so two messages in one microsecond still sort in order.
        now = datetime.now(UTC)
        self._last = max(now, self._last + timedelta(microseconds=1))
        return self._last

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        name = message_name(self._next_received())
        await asyncio.to_thread(
            store_message,
            self.mail_dir,
            name,
            content,
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
        )
        return "250 Message accepted for delivery"


class MailSink:
    """The SMTP server, on the running event loop. ``port=0`` picks a free port."""

    def __init__(self, mail_dir: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.mail_dir = Path(mail_dir)
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        handler = SinkHandler(self.mail_dir)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            # A fixed hostname: the default asks DNS for our FQDN, which can stall offline.
            lambda: SMTP(handler, hostname="localhost", ident="IKU mail sink",
                         enable_SMTPUTF8=True),
            host=self.host,
            port=self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> MailSink:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


# --- reading ---------------------------------------------------------------------------


def list_messages(mail_dir: Path, limit: int | None = None) -> list[StoredMessage]:
    """Stored messages, newest first."""
    try:
        names = sorted((p.name for p in Path(mail_dir).iterdir() if _NAME.fullmatch(p.name)),
                       reverse=True)
    except FileNotFoundError:
        return []
    messages = []
    for name in names[:limit]:
        try:
            messages.append(read_message(mail_dir, name))
        except FileNotFoundError:
            continue  # removed while we were listing
    return messages


def read_message(mail_dir: Path, name: str) -> StoredMessage:
    return _parse(name, read_raw(mail_dir, name))


def read_raw(mail_dir: Path, name: str) -> bytes:
    """The message exactly as stored (for a download link)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidMessageName(name)
    return (Path(mail_dir) / name).read_bytes()


def _parse(name: str, raw: bytes) -> StoredMessage:
    match = _NAME.fullmatch(name)
    assert match is not None  # checked by the caller
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    envelope_to = _header(message, ENVELOPE_TO)
    return StoredMessage(
        name=name,
        received=datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC),
        message_id=_header(message, "Message-ID"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        subject=_header(message, "Subject"),
        envelope_to=[a.strip() for a in envelope_to.split(",") if a.strip()],
        iku_headers={
            key: _header(message, key)
            for key in dict.fromkeys(message.keys())
            if key.lower().startswith("x-iku-")
        },
        body=_text_body(message),
    )


def _header(message: EmailMessage, key: str) -> str:
    try:
        value = message.get(key)
    except (ValueError, IndexError, TypeError):
        # A malformed header must not hide the rest of the outbox: fall back to raw text.
        value = next((v for k, v in message.raw_items() if k.lower() == key.lower()), None)
    return "" if value is None else str(value)


def _text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    # SMTP carries CRLF; the outbox page shows text, so show plain newlines.
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""
