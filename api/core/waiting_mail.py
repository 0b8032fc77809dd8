"""The mails of a process the relay has not taken yet, as the bureau's process page lists
them: kind by name, for which step, waiting since when, and for the one being tried, how
many tries and when the next one is. From the workflow's query ``mail_waiting`` (its
outbox) and Temporal's description of the pending send (attempts need no worker's word).
Nothing personal: neither recipients nor the relay's reply (it may echo an address)."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError

from api.core.i18n import Lang, text
from api.core.i18n_bureau import short_when
from common import workflow_calls as calls
from common.catalogue import NOTICE_KINDS, label
from common.models import WaitingMail

RPC_TIMEOUT = timedelta(seconds=10)
SEND_ACTIVITY = "send_notification"


async def waiting_mail(client: Client, workflow_id: str) -> tuple[list[WaitingMail], Any]:
    """The outbox, oldest first, and Temporal's pending send (None when none is pending)."""
    handle = client.get_workflow_handle(workflow_id)
    mails = await calls.MAIL_WAITING.ask(handle, rpc_timeout=RPC_TIMEOUT)
    if not mails:
        return [], None
    described = await handle.describe(rpc_timeout=RPC_TIMEOUT)
    sending = next(
        (
            a
            for a in described.raw_description.pending_activities
            if a.activity_type.name == SEND_ACTIVITY
        ),
        None,
    )
    return mails, sending


async def rows(client: Client, workflow_id: str, lang: Lang, timezone: str) -> list[dict[str, str]]:
    """What the page lists; empty when nothing waits (or the worker cannot say: the page's
    own status read tells that already)."""
    try:
        mails, sending = await waiting_mail(client, workflow_id)
    except (RPCError, WorkflowQueryFailedError):
        return []
    found: list[dict[str, str]] = []
    for index, mail in enumerate(mails):
        row = {
            "kind": label(NOTICE_KINDS, mail.kind.value, lang),
            "step": str(mail.step or ""),
            "since": short_when(mail.queued_at, lang, timezone) if mail.queued_at else "—",
            "tries": "",
        }
        if index == 0 and sending is not None and sending.attempt > 1:
            # Tried before and refused or unreachable: how often, and when again.
            nxt = sending.next_attempt_schedule_time
            row["tries"] = text(
                lang,
                "mail_retrying",
                n=sending.attempt - 1,
                at=short_when(nxt.ToDatetime(tzinfo=UTC), lang, timezone) if nxt.seconds else "—",
            )
        found.append(row)
    return found
