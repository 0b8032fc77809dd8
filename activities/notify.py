"""The notification activity: people resolved, links signed and mail sent over SMTP.

The workflow names people only by opaque id and role code. Names, addresses, languages,
acting officials and link tokens are looked up or made here, at sending time, so none of
them enters workflow history, and a corrected directory takes effect on the next mail.

Delivery is at least once. Every message has a Message-ID derived from the notification
alone (workflow, run, task, kind, seq, recipient index), so a retried activity sends the
same Message-IDs and a receiver can drop duplicates; after each message the activity
heartbeats the indexes already sent (and keeps heartbeating while it waits on the relay, so a
worker that dies mid-send is noticed within the heartbeat timeout), and a retry skips them.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from socket import getfqdn
from typing import Any
from zoneinfo import ZoneInfo

import aiosmtplib
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import telemetry
from activities.heartbeat import heartbeating
from common.catalogue import (
    MAIL_TEXT,
    NOTICE_KINDS,
    RECORD,
    TEXTS,
    Pair,
    acting_label,
    pick,
    role_label,
    text,
    todo,
)
from common.dates import DEFAULT_LANG, LANGUAGES, format_when
from common.deadline import deadline_line
from common.directory import Directory, DirectoryError, Person, load_directory
from common.links import LinkSigner
from common.models import Approval, NoticeKind, Notification, NotificationResult
from common.settings import Settings
from common.sop_identity import header_line
from common.workcalendar import WorkCalendar
from workflows.sop import ROLES, SOP_HEADER, STEP_BY_NUMBER, STEPS, item_text

TEMPLATES_DIR = Path(__file__).with_name("mail_templates")
# The key (in `skipped`, in heartbeats) and the index slot of the ops mailbox, which has
# no directory entry.
OPS_KEY = "ops"
OPS_NAME = {lang: text(lang, "ops_name") for lang in LANGUAGES}
# The planning bureau's mailbox, likewise without a directory entry.
BUREAU_KEY = "biro"
BUREAU_NAME = {"id": "Biro Perencanaan", "en": "Planning Bureau"}
# Who may open the bureau pages (the process and its archive): the bureau and ops.
PAGE_READERS = frozenset({OPS_KEY, BUREAU_KEY})

# The template of each kind. A task and its reminder say the same thing; the reminder only
# leads with the deadline.
_TEMPLATE_OF: dict[str, str] = {
    "task": "task",
    "reminder": "task",
    "escalation": "escalation",
    "unassigned": "unassigned",
    "cancelled": "cancelled",
    "archived": "archived",
}
# Only these carry the personal action link (when the notification asks for one): an
# escalation or an alert to ops must never let its reader act.
LINK_KINDS = frozenset({"task", "reminder"})

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,  # a misspelt variable fails a test instead of a mail
    trim_blocks=True,
    lstrip_blocks=True,
)

# --- Message-ID ------------------------------------------------------------------------

_ATOM_SAFE = re.compile(r"[A-Za-z0-9_-]")


def _atom(part: str) -> str:
    # Anything outside [A-Za-z0-9_-] becomes =XX per UTF-8 byte ('=' is itself an atext
    # character): the result is a valid dot-atom part, and distinct inputs stay distinct.
    out = "".join(
        ch if _ATOM_SAFE.fullmatch(ch) else "".join(f"={b:02X}" for b in ch.encode()) for ch in part
    )
    return out or "-"


def message_id(
    workflow_id: str,
    run_id: str | None,
    task_id: str | None,
    kind: str,
    seq: int,
    index: int,
    domain: str,
) -> str:
    """``<{workflow}.{run}.{task or -}.{kind}.{seq}.{index}@{domain}>``, each part sanitised."""
    left = ".".join(
        _atom(p) for p in (workflow_id, run_id or "-", task_id or "-", kind, str(seq), str(index))
    )
    right = ".".join(filter(None, re.sub(r"[^A-Za-z0-9.-]", "-", domain).split("."))) or "localhost"
    return f"<{left}@{right}>"


# --- recipients ------------------------------------------------------------------------


@dataclass(frozen=True)
class ActingNote:
    kind: str  # "Plh" or "Plt"
    position: str  # the post of the person stood in for
    for_name: str


@dataclass(frozen=True)
class Recipient:
    key: str  # person id of whoever actually receives the mail, or OPS_KEY
    email: str | None  # None: skipped, and reported
    name: str
    lang: str
    acting: ActingNote | None = None


def _post_of(person: Person) -> str:
    if person.position:
        return person.position
    role = next((ROLES[r] for r in person.roles if r in ROLES), None)
    return role.name_id if role else person.name


def _person_recipient(directory: Directory, person_id: str, today: date) -> Recipient:
    person = directory.person(person_id)
    # The acting official comes first: a Plt usually fills a post whose holder is
    # inactive (left, retired), and the mail must still reach whoever holds the post today.
    acting = directory.acting_for(person_id, today)
    deputy = directory.person(acting.person) if acting else None
    if acting and deputy is not None and deputy.active and person is not None:
        note = ActingNote(acting_label(acting.kind), _post_of(person), person.name)
        return Recipient(deputy.id, deputy.email, deputy.name, deputy.lang, note)
    if person is None or not person.active:
        # Unknown or inactive: nobody to write to; reported in `skipped`.
        return Recipient(person_id, None, person_id, DEFAULT_LANG)
    return Recipient(person.id, person.email, person.name, person.lang)


def resolve_recipients(
    notification: Notification,
    directory: Directory,
    today: date,
    ops_email: str,
    bureau_email: str = "",
) -> list[Recipient]:
    """Who gets this notification, in a stable order: named people, role holders, ops.

    Deduplicated by the person who actually receives it and by address. The order (and so
    each recipient's index) depends only on the notification and the directory, so a retry
    addresses the same index to the same person.
    """
    wanted = list(notification.recipients)
    role_without_holder = False
    for role in notification.recipient_roles:
        holders = directory.holders(role)
        role_without_holder |= not holders
        wanted.extend(p.id for p in holders)

    resolved: list[Recipient] = []
    keys: set[str] = set()
    emails: set[str] = set()

    def add(r: Recipient) -> None:
        if r.key in keys or (r.email and r.email.lower() in emails):
            return
        keys.add(r.key)
        if r.email:
            emails.add(r.email.lower())
        resolved.append(r)

    for person_id in wanted:
        add(_person_recipient(directory, person_id, today))
    # An escalation to a role nobody holds would reach no one; ops hears of it instead.
    if notification.to_ops or role_without_holder:
        add(Recipient(OPS_KEY, ops_email or None, OPS_NAME[DEFAULT_LANG], DEFAULT_LANG))
    if notification.to_bureau and bureau_email:
        add(Recipient(BUREAU_KEY, bureau_email, BUREAU_NAME[DEFAULT_LANG], DEFAULT_LANG))
    return resolved


def _already_sent(details: Sequence[Any], keys: list[str]) -> set[int]:
    """Indexes a previous attempt heartbeated as sent, still addressed to the same people.

    Heartbeat details are ``(indexes, keys)``. An index is trusted only while the person at
    that index is unchanged: if the directory changed between attempts, the new person
    gets the mail. A bare list of indexes (``[0, 2]`` or ``[[0, 2]]``) is accepted too.
    """
    if not details:
        return set()
    if all(isinstance(d, int) for d in details):
        indexes, previous = list(details), None
    else:
        indexes = details[0] if isinstance(details[0], list) else []
        previous = details[1] if len(details) > 1 and isinstance(details[1], list) else None
    return {
        i
        for i in indexes
        if isinstance(i, int)
        and 0 <= i < len(keys)
        and (previous is None or (i < len(previous) and previous[i] == keys[i]))
    }


# --- texts -----------------------------------------------------------------------------


def _step_context(number: int | None, lang: str) -> dict[str, Any]:
    step = STEP_BY_NUMBER.get(number) if number is not None else None
    if step is None:
        return {
            "number": "?",
            "total": len(STEPS),
            "short": "",
            "full": "",
            "kind": "",
            "approval": "",
            "role": "",
            "role_code": "",
            "todo": "",
        }
    role = ROLES[step.role]
    full = step.activity(lang)
    return {
        "number": step.number,
        "total": len(STEPS),
        "short": step.short(lang),
        "full": full,
        "kind": step.kind.value,
        "approval": step.approval.value,
        # A label, as the SOP table heads its columns: "(Kabag)", in the reader's words.
        "role": role_label(role.code, lang),
        "role_code": role.code,
        "todo": todo(step.kind.value, step.approval.value, lang),
    }


def _one_line(text: str) -> str:
    # Headers cannot carry line breaks, and a title may.
    return " ".join(text.split())


# The catalogue's entries a mail shares with the pages and the printed record, so that it
# names a thing as they do; what only a mail says is ``MAIL_TEXT``.
MAIL_SHARED: dict[str, Pair] = {
    key: TEXTS[key]
    for key in (
        "sop",
        "process",
        "acting_as",
        "step_of",
        "at_step",
        "deadline",
        "note",
        "note_of",
        "disposisi_of",
        "arrival_new_version",
        "arrival_reinitial",
        "items_not_met",
        "link_personal",
        "unassigned_short",
        "assign_title",
        "reason",
    )
} | {
    "official_number": RECORD["official_number"],
    "unassigned": NOTICE_KINDS["unassigned"],
}
if MAIL_SHARED.keys() & MAIL_TEXT.keys():
    raise RuntimeError(f"mail words named twice: {sorted(MAIL_SHARED.keys() & MAIL_TEXT.keys())}")
MAIL_WORDS: dict[str, Pair] = {**MAIL_TEXT, **MAIL_SHARED}


class Words:
    """Every sentence of a mail, from the catalogue in the reader's language; the templates
    hold only layout. ``{{ words.key }}`` is an entry as it stands, ``{{ words("key",
    role=…) }}`` one with its blanks filled: in an HTML part the entry and every value are
    escaped, except a value that is markup already (``value|strong``), so both parts say the
    same words and only the HTML part sets some in bold."""

    __slots__ = ("_lang",)

    def __init__(self, lang: str) -> None:
        self._lang = lang

    def __getitem__(self, key: str) -> str:
        return pick(MAIL_WORDS[key], self._lang)

    @pass_eval_context
    def __call__(self, eval_ctx: EvalContext, key: str, /, **values: Any) -> str:
        entry = self[key]
        if eval_ctx.autoescape:
            return escape(entry).format(**values)
        return entry.format(**values)


def _strong(value: Any) -> Markup:
    """A value set in bold in an HTML part (escaped, unless it is markup already)."""
    return Markup("<strong>{}</strong>").format(value)


_env.filters["strong"] = _strong


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: NoticeKind, lang: str, context: dict[str, Any]) -> Rendered:
    """Subject and bodies of one mail. The ``headline`` block of the text template is both
    the subject (after ``[IKU <year> · <code>]``) and the first line of either body."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    name = _TEMPLATE_OF[kind.value]
    text_template = _env.get_template(f"{name}.txt")
    ctx = {**context, "lang": lang, "kind": kind.value, "words": Words(lang)}
    headline = _one_line("".join(text_template.blocks["headline"](text_template.new_context(ctx))))
    ctx["headline"] = headline
    text = re.sub(r"\n{3,}", "\n\n", text_template.render(ctx)).strip() + "\n"
    html = _env.get_template(f"{name}.html").render(ctx)
    # The process's code as well as its year: the mails of units drafting the same year's
    # IKU told apart at a glance (a code and a year, no personal data).
    process = context["process"]
    subject = f"[IKU {process['year']} · {process['code']}] {headline}"
    return Rendered(subject=subject, text=text, html=html)


# --- the activity ----------------------------------------------------------------------


class _HeaderClasses(HeaderRegistry):
    """One class per header name. Python's registry makes a new class every time it builds a
    header (about forty a mail, with its parts'), each a cycle only the garbage collector
    frees: a worker sending thousands of reminders spent its collections on them
    (bench/README.md)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


_HEADERS = _HeaderClasses()
# Python's default policy (as EmailMessage() takes it), with the registry above.
_COMPOSE = EmailPolicy(header_factory=_HEADERS)


class _WirePolicy(EmailPolicy):
    """SMTP line endings, with two of Python's folding quirks worked around.

    A folded Message-ID keeps its folding whitespace when Python parses it back, so
    duplicates would no longer compare equal: it is never folded. A non-ASCII Subject
    (the em dash) gets a doubled space where the folder splits before an encoded word: it
    is encoded whole, as adjacent encoded words, which decode without any gap.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        text = str(value)
        if name.lower() == "message-id" and text.isascii():
            return f"{name}: {text}{self.linesep}".encode("ascii")
        if name.lower() == "subject" and not text.isascii():
            encoded = Header(text, "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


# 7-bit throughout (RFC 2047 headers, quoted-printable bodies): any relay takes it.
_WIRE = _WirePolicy(linesep="\r\n", cte_type="7bit", header_factory=_HEADERS)

# This machine's name in the relay's EHLO, looked up once per process: aiosmtplib asks the
# resolver (getfqdn, in a thread) on every connection, one per mail, and a slow resolver
# would hold every mail.
_helo_name: str | None = None


async def _local_hostname() -> str:
    global _helo_name
    if _helo_name is None:
        _helo_name = await asyncio.to_thread(getfqdn)
    return _helo_name


_ADDRESS = re.compile(r"\S+@\S+")
_ENHANCED_STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}\b")


def retry_delay(settings: Settings, attempt: int) -> timedelta:
    """When to try a mail the relay did not take again: the settings' back-off, doubling
    per attempt (the workflow's retry policy still caps the number of attempts)."""
    first, most = settings.mail_retry_first_seconds, settings.mail_retry_max_seconds
    return timedelta(seconds=min(most, first * 2 ** min(max(attempt - 1, 0), 30)))


def _smtp_failure(
    err: BaseException, sent: int, total: int, delay: timedelta | None = None
) -> ApplicationError:
    """A retryable error that names the SMTP reply by its codes only: a server's words
    often echo the recipient's address or name, and failures are logged and kept in
    workflow history. Errors of our own side (no connection, a timeout) keep their text."""
    code = getattr(err, "code", None)
    if isinstance(err, aiosmtplib.SMTPRecipientsRefused) and err.recipients:
        code = err.recipients[0].code
        reply = err.recipients[0].message
    else:
        reply = getattr(err, "message", "") or str(err)
    if code:
        # The enhanced status code ("4.2.2": mailbox full) says what happened, in no one's name.
        enhanced = _ENHANCED_STATUS.match(reply.strip())
        reply = enhanced.group(0) if enhanced else ""
    reply = _ADDRESS.sub("<address>", reply)[:200]
    return ApplicationError(
        f"SMTP delivery stopped after {sent} of {total} messages: {type(err).__name__}"
        + (f" {code}" if code else "")
        + (f": {reply}" if reply else ""),
        type="SMTPError",
        next_retry_delay=delay,
    )


MAILS_SENT = ("iku_mails_sent", "Mails handed to the SMTP relay, by kind")
MAIL_ATTEMPT_FAILURES = (
    "iku_mail_attempt_failures",
    "Attempts to send a notification that failed (retried), by kind and error",
)


class NotifyActivities:
    def __init__(
        self, settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._settings = settings
        self._clock = clock  # tests pin "today" for acting officials
        self._envelope_from = parseaddr(settings.mail_from)[1]

    @activity.defn(name="send_notification")
    async def send_notification(self, notification: Notification) -> NotificationResult:
        kind = notification.kind.value
        async with telemetry.failed_attempts(*MAIL_ATTEMPT_FAILURES, kind=kind):
            return await self._send(notification)

    async def _send(self, notification: Notification) -> NotificationResult:
        s = self._settings
        info = activity.info()
        now = self._clock()
        today = now.astimezone(ZoneInfo(s.timezone)).date()
        try:
            directory = await asyncio.to_thread(load_directory, s.directory_file)
        except DirectoryError:
            if not notification.to_ops:
                # The validation message can quote names and addresses: keep it out of
                # history.
                raise ApplicationError(
                    "the directory file cannot be read or is not valid", type="DirectoryError"
                ) from None
            # Ops must hear of this one even so (it may be about the directory itself): it
            # goes to them, and the people it names are reported as skipped.
            activity.logger.warning(
                "directory unreadable: %s mail to ops only", notification.kind.value
            )
            directory = Directory(people=())

        recipients = resolve_recipients(notification, directory, today, s.ops_email, s.bureau_email)
        keys = [r.key for r in recipients]
        ids = [
            message_id(
                notification.process.workflow_id,
                info.workflow_run_id,
                notification.task_id,
                notification.kind.value,
                notification.seq,
                i,
                s.mail_domain,
            )
            for i in range(len(recipients))
        ]
        done = _already_sent(info.heartbeat_details, keys)
        previously = len(done)
        skipped: list[str] = []
        outgoing: list[tuple[int, Recipient, EmailMessage]] = []
        signer = (
            LinkSigner(s.link_secret_value())
            if (notification.kind.value in LINK_KINDS and notification.with_link)
            else None
        )
        for index, recipient in enumerate(recipients):
            if recipient.email is None:
                skipped.append(recipient.key)
                continue
            if index in done:
                continue
            try:
                message = self._message(
                    notification, directory, recipient, ids[index], signer, now, today
                )
            except (ValueError, IndexError):
                # An address the mail library cannot write (the directory's check is loose).
                skipped.append(recipient.key)
                continue
            outgoing.append((index, recipient, message))

        # Heartbeating while connecting and sending: a worker killed mid-send is noticed in
        # seconds, and the retry skips what this attempt reported as sent.
        async with heartbeating(lambda: (sorted(done), keys)):
            refused = await self._deliver(outgoing, done, keys)
        skipped.extend(refused)
        telemetry.count(*MAILS_SENT, len(done) - previously, kind=notification.kind.value)
        activity.logger.info(
            "notification %s seq %d: %d recipients, %d sent (%d before this attempt), "
            "%d skipped; Message-IDs %s",
            notification.kind.value,
            notification.seq,
            len(recipients),
            len(done),
            previously,
            len(skipped),
            " ".join(ids[i] for i in sorted(done)),
        )
        return NotificationResult(
            sent=len(done), message_ids=[ids[i] for i in sorted(done)], skipped=skipped
        )

    async def _deliver(
        self, outgoing: list[tuple[int, Recipient, EmailMessage]], done: set[int], keys: list[str]
    ) -> list[str]:
        """Send over one connection; returns the keys of permanently refused recipients."""
        if not outgoing:
            return []  # nothing left to send (all skipped, or a retry after the last one)
        s = self._settings
        refused: list[str] = []
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
            local_hostname=await _local_hostname(),
            username=s.smtp_username,
            password=(
                s.smtp_password.get_secret_value()
                if s.smtp_password
                else ""
                if s.smtp_username
                else None
            ),
        )
        sent_now = 0
        try:
            async with smtp:
                for index, recipient, message in outgoing:
                    try:
                        await smtp.sendmail(
                            self._envelope_from,
                            [recipient.email or ""],
                            message.as_bytes(policy=_WIRE),
                        )
                    except aiosmtplib.SMTPRecipientsRefused as err:
                        # 5xx for this one address will not change on a retry; anything
                        # else (4xx: mailbox busy, greylisting) is worth retrying.
                        if all(e.code >= 500 for e in err.recipients):
                            codes = ",".join(str(e.code) for e in err.recipients)
                            activity.logger.warning(
                                "recipient %d refused permanently (%s) for %s",
                                index,
                                codes,
                                message["Message-ID"],
                            )
                            refused.append(recipient.key)
                            continue
                        raise
                    done.add(index)
                    sent_now += 1
                    activity.logger.debug("sent %s", message["Message-ID"])
                    activity.heartbeat(sorted(done), keys)
        except (aiosmtplib.SMTPException, OSError) as err:
            # `from None`: the original exception's text may carry an address.
            delay = retry_delay(s, activity.info().attempt)
            raise _smtp_failure(err, sent_now, len(outgoing), delay) from None
        return refused

    def _message(
        self,
        n: Notification,
        directory: Directory,
        recipient: Recipient,
        mid: str,
        signer: LinkSigner | None,
        now: datetime,
        today: date,
    ) -> EmailMessage:
        s = self._settings
        if not (recipient.email or "").isascii():
            # Would need SMTPUTF8, which few government relays offer: reported as skipped.
            raise ValueError("address not deliverable without SMTPUTF8")
        lang = recipient.lang if recipient.lang in LANGUAGES else DEFAULT_LANG
        link = link_expires = None
        if signer is not None and n.task_id:
            # The workflow sends the last moment the task can still be chased (its last
            # escalation); the grace period is a setting, so it is added here.
            expires = (n.link_expires_at or n.deadline or now) + timedelta(days=s.link_grace_days)
            token = signer.make(n.process.workflow_id, n.task_id, recipient.key, expires_at=expires)
            link = f"{s.public_base_url.rstrip('/')}/t/{token}"
            link_expires = format_when(expires, lang, s.timezone)
        names = {OPS_KEY: OPS_NAME, BUREAU_KEY: BUREAU_NAME}
        context: dict[str, Any] = {
            "recipient_name": names[recipient.key][lang]
            if recipient.key in names
            else recipient.name,
            "acting": recipient.acting,
            "sop_name": SOP_HEADER["nama_sop"] if lang == "id" else SOP_HEADER["name_en"],
            "sop_line": header_line(
                n.process.sop_number, s.sop_approved_on, s.sop_revised_on, lang
            ),
            "process": n.process.model_dump(),
            "step": _step_context(n.step, lang),
            "deadline": format_when(n.deadline, lang, s.timezone) if n.deadline else None,
            # "… — sisa 2 hari kerja" as of sending, counted as every page counts it.
            "deadline_line": str(
                deadline_line(n.deadline, now, WorkCalendar.from_settings(s), lang)
            )
            if n.deadline
            else None,
            "link": link,
            "link_expires": link_expires,
            "note": n.note.strip(),
            "escalation_number": n.escalation_number,
            "waiting_on": [_waiting(directory, p, today, lang) for p in n.waiting_on],
            "cli_command": self._assign_command(n),
            # Ops are told the file is the fault, not an empty role (an unassigned task):
            # a directory that could not be read is the empty one put in its place.
            "directory_unreadable": not directory.people,
            "arrival": _arrival(n, lang),
            # The process's page (its archive, once archived), for those who may open it.
            "page_link": self._page_link(n) if recipient.key in PAGE_READERS else None,
        }
        rendered = render(n.kind, lang, context)

        message = EmailMessage(policy=_COMPOSE)
        message["From"] = s.mail_from
        message["To"] = Address(
            display_name="" if recipient.key in PAGE_READERS else recipient.name,
            addr_spec=recipient.email or "",
        )
        message["Subject"] = rendered.subject
        message["Date"] = format_datetime(now.astimezone(ZoneInfo(s.timezone)))
        message["Message-ID"] = mid
        # RFC 3834: machine-sent; Exchange honours the second and sends no out-of-office.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        message["X-IKU-Workflow-Id"] = n.process.workflow_id
        if n.task_id:
            message["X-IKU-Task-Id"] = n.task_id
        if n.step is not None:
            message["X-IKU-Step"] = str(n.step)
        message["X-IKU-Kind"] = n.kind.value
        # Quoted-printable keeps long link lines intact through 7-bit relays.
        message.set_content(rendered.text, subtype="plain", cte="quoted-printable")
        message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
        # After the content: set_content() drops every Content-* header already there.
        message["Content-Language"] = lang
        return message

    def _page_link(self, n: Notification) -> str:
        """The process page (the archive page once archived), by id and run: the run
        sending the mail is the process's, so the link stays on it whatever starts later
        under the same id."""
        base = f"{self._settings.public_base_url.rstrip('/')}/proses/{n.process.workflow_id}"
        if activity.in_activity():
            base = f"{base}/{activity.info().workflow_run_id}"
        return f"{base}/arsip" if n.kind is NoticeKind.ARCHIVED else base

    def _assign_command(self, n: Notification) -> str:
        """The Temporal CLI line that gives the waiting task to someone (for ops)."""
        s = self._settings
        payload = json.dumps(
            {"task_id": n.task_id or "…", "person": "p-…", "by": "ops", "reason": "…"},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        argv = ["temporal", "workflow", "update", "execute"]
        # The CLI's own defaults need not be spelt out.
        if s.temporal_address not in ("127.0.0.1:7233", "localhost:7233"):
            argv += ["--address", s.temporal_address]
        if s.temporal_namespace != "default":
            argv += ["--namespace", s.temporal_namespace]
        argv += ["--workflow-id", n.process.workflow_id, "--name", "assign", "--input", payload]
        return shlex.join(argv)


def _arrival(n: Notification, lang: str) -> dict[str, Any] | None:
    """Why the work is at this task: who sent it here from which step, and their note."""
    arrival = n.arrival
    if arrival is None:
        return None
    step = STEP_BY_NUMBER[arrival.from_step]
    return {
        "kind": arrival.kind.value,
        "from_step": arrival.from_step,
        "role": role_label(step.role, lang),
        # The note of an approval at a disposisi step is the disposisi itself.
        "disposisi": step.approval is Approval.DISPOSISI,
        "note": arrival.note.strip(),
        "version": arrival.version.version if arrival.version else None,
        # What a return found not met, in the reader's words: what to put right.
        "unmet": [
            {"text": item_text(answer.item, lang), "remark": answer.remark.strip()}
            for answer in arrival.unmet
        ],
    }


def _waiting(directory: Directory, person_id: str, today: date, lang: str) -> dict[str, str]:
    """A person a task waits on, for an escalation: name, post, and a stand-in if any."""
    person = directory.person(person_id)
    if person is None:
        return {"name": person_id, "position": "", "acting": ""}
    acting = directory.acting_for(person_id, today)
    deputy = directory.person(acting.person) if acting else None
    stand_in = ""
    if acting and deputy:
        # "Plh."/"Plt.", as the page, the signed PDF and the greeting write it.
        label = acting_label(acting.kind)
        stand_in = f"{label}: {deputy.name}" if lang == "id" else f"acting ({label}): {deputy.name}"
    return {"name": person.name, "position": person.position, "acting": stand_in}
