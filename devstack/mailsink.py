"""The local mail sink: an SMTP server that keeps every message in the mail folder.

The folder's format and its reader are in ``common.mailstore``. The sink accepts any sender
and recipient and asks for no authentication: it only ever listens on the loopback
interface.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from aiosmtpd.smtp import SMTP, Envelope, Session

from common.mailstore import message_name, store_message


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
            lambda: SMTP(
                handler, hostname="localhost", ident="IKU mail sink", enable_SMTPUTF8=True
            ),
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
