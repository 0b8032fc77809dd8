"""The mail folder of the local run: one ``.eml`` file per message, and reading it back.

Each message is named by the moment it was received (``20261124T101530.123456Z-1a2b3c4d.eml``),
so sorting names sorts by arrival; files are written to a temporary name and renamed, so a
reader never sees half a message. The local SMTP sink (devstack) writes it; the outbox page
reads it.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

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


# --- reading ---------------------------------------------------------------------------


def list_messages(mail_dir: Path, limit: int | None = None) -> list[StoredMessage]:
    """Stored messages, newest first."""
    try:
        names = sorted(
            (p.name for p in Path(mail_dir).iterdir() if _NAME.fullmatch(p.name)), reverse=True
        )
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
