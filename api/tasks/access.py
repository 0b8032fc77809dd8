"""What a task link lets its holder see: checked signature, current task, assigned person.

Every refusal is a ``PageError`` with the status the issue names: 404 forged or unknown
process, 410 expired or no longer current (saying what is current: the token is genuine,
so its holder took part in this process), 403 not, or no longer, assigned. Temporal is
asked through ``api.core.gateway``; its failures are worded by ``api.core.answers``.

The dependencies run in this order: the link is read (a forged one is refused without
asking Temporal), a POST must come from our origin, and only then is the client taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from api.core import gateway
from api.core.answers import for_task_page, unknown_link
from api.core.deps import KeysDep, LangDep, PeopleDep, SettingsDep, TemporalDep, today
from api.core.gateway import ProcessError
from api.core.i18n import Lang, action_done, role_label, text, when
from api.core.people import People, Standing, standing
from api.core.problems import PageError
from api.core.security import check_same_origin
from api.core.temporal_client import TemporalConnection
from common.links import LinkClaims, LinkExpired, LinkInvalid, LinkSigner
from common.models import HistoryEntry, HistoryEvent, ProcessState, StatusView, TaskView
from common.settings import Settings
from workflows import sop


@dataclass(frozen=True)
class TaskAccess:
    token: str
    claims: LinkClaims
    status: StatusView
    task: TaskView
    standing: Standing


async def task_status(client: Client, workflow_id: str, lang: Lang) -> StatusView:
    try:
        return await gateway.status(client, workflow_id)
    except ProcessError as err:
        raise for_task_page(err, lang) from None


async def read_link(
    token: str,
    signer: LinkSigner,
    temporal: TemporalConnection,
    settings: Settings,
    people: People,
    lang: Lang,
) -> LinkClaims:
    """Claims of a valid, unexpired link, or the 404 / 410 page. A forged link never
    reaches Temporal; an expired one is genuine, so its page may say what is current."""
    try:
        return signer.read(token)
    except LinkInvalid:
        raise unknown_link(lang) from None
    except LinkExpired as expired:
        claims = expired.claims
        lines = [
            text(lang, "link_expired", when=when(claims.expires_at, lang, settings.timezone)),
            text(lang, "link_ask_new"),
        ]
        details: list[str] = []
        try:
            client = await gateway.client_of(temporal)
            status = await task_status(client, claims.workflow_id, lang)
            details = explain(status, claims.task_id, people, settings, lang)
        except (ProcessError, PageError):
            pass  # the expiry is the answer; what is current is a courtesy
        raise PageError(410, text(lang, "link_expired_title"), lines, details=details) from None


async def link_claims(
    token: str,
    keys: KeysDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    people: PeopleDep,
    lang: LangDep,
) -> LinkClaims:
    return await read_link(token, keys.signer, temporal, settings, people, lang)


ClaimsDep = Annotated[LinkClaims, Depends(link_claims)]


async def checked_link(
    request: Request, claims: ClaimsDep, settings: SettingsDep, people: PeopleDep, lang: LangDep
) -> LinkClaims:
    """The link's claims, of someone the directory still lists as active; a form posted to
    it must come from our own pages."""
    if request.method == "POST":
        check_same_origin(request, settings.public_base_url, lang)
    if people.directory is not None and not _active(people, claims.person):
        # Someone who left keeps the links mailed to them: the directory, not the link,
        # says whether they still work here. Asked before Temporal, as a decision is sent
        # without reading the process; an unreadable directory stops no decision.
        raise PageError(403, text(lang, "not_assignee_title"), [text(lang, "not_in_directory")])
    return claims


def _active(people: People, person_id: str) -> bool:
    found = people.person(person_id)
    return found is not None and found.active


CheckedLinkDep = Annotated[LinkClaims, Depends(checked_link)]


async def task_client(_: CheckedLinkDep, temporal: TemporalDep) -> Client:
    """The shared client, taken once the link has been read: a forged link gets its 404
    even while Temporal is away (which is a 503 page, worded by ``api.core.answers``)."""
    return await gateway.client_of(temporal)


TaskClientDep = Annotated[Client, Depends(task_client)]


async def open_task(
    token: str, claims: LinkClaims, client: Client, settings: Settings, people: People, lang: Lang
) -> TaskAccess:
    """The current task of a valid link whose person may act on it, or why not."""
    status = await task_status(client, claims.workflow_id, lang)
    return check_task(token, claims, status, settings, people, lang)


def check_task(
    token: str,
    claims: LinkClaims,
    status: StatusView,
    settings: Settings,
    people: People,
    lang: Lang,
) -> TaskAccess:
    task = status.task
    if task is None or task.id != claims.task_id or status.state is not ProcessState.RUNNING:
        if not any(h.task_id == claims.task_id for h in status.history):
            # Signed by us, yet the process never had this task: treat as unknown.
            raise unknown_link(lang)
        raise _past_task(claims, status, people, settings, lang)
    found = standing(task, claims.person, today().date())
    if not found.allowed:
        raise PageError(
            403,
            text(lang, "not_assignee_title"),
            [text(lang, "not_assignee_now")],
            details=explain(status, None, people, settings, lang),
        )
    return TaskAccess(token, claims, status, task, found)


def _past_task(
    claims: LinkClaims, status: StatusView, people: People, settings: Settings, lang: Lang
) -> PageError:
    """The page of a link whose task is past. Decided (by its holder, the Back button after
    their own decision, or by a colleague of the same pool): nothing went wrong, there is
    just nothing left to do here. Otherwise (handed to someone else, the process ended) the
    link has lapsed. Either way the reader learns when a newer task waits for them."""
    waiting = _task_waiting_for(claims.person, status, lang)
    entry = decided_entry(status, claims.task_id)
    if entry is None:
        lines = [text(lang, "link_stale"), *waiting]
        details = [] if waiting else explain(status, claims.task_id, people, settings, lang)
        return PageError(410, text(lang, "link_stale_title"), lines, details=details)
    at = when(entry.at, lang, settings.timezone)
    action = action_done(lang, entry.action, entry.step)
    if entry.person == claims.person:
        decided = text(lang, "decided_by_you", when=at, action=action)
    else:
        decided = text(lang, "decided_by", name=people.name(entry.person), when=at, action=action)
    return PageError(
        410,
        text(lang, "already_decided_title"),
        [decided, text(lang, "nothing_to_do"), *waiting],
        details=[] if waiting else explain(status, None, people, settings, lang),
        calm=True,
    )


def _task_waiting_for(person: str, status: StatusView, lang: Lang) -> list[str]:
    """A line saying a newer task of this process waits for ``person``, if one does: the
    old link cannot open it (each task has its own link), the newest mail can."""
    task = status.task
    if task is None or status.state is not ProcessState.RUNNING:
        return []
    if not standing(task, person, today().date()).allowed:
        return []
    role = role_label(lang, sop.step(task.step).role)
    return [text(lang, "new_task_waits", n=task.step, role=role)]


def decided_entry(status: StatusView, task_id: str) -> HistoryEntry | None:
    return next(
        (h for h in status.history if h.task_id == task_id and h.event is HistoryEvent.DECIDED),
        None,
    )


def explain(
    status: StatusView, task_id: str | None, people: People, settings: Settings, lang: Lang
) -> list[str]:
    """Who decided the link's task and when, and where the process stands now."""
    lines: list[str] = []
    entry = decided_entry(status, task_id) if task_id else None
    if entry is not None:
        lines.append(
            text(
                lang,
                "decided_by",
                name=people.name(entry.person),
                when=when(entry.at, lang, settings.timezone),
                action=action_done(lang, entry.action, entry.step),
            )
        )
    if status.state is ProcessState.ARCHIVED:
        lines.append(text(lang, "now_archived"))
    elif status.state is ProcessState.CANCELLED:
        lines.append(text(lang, "now_cancelled", reason=status.cancel_reason or "—"))
    elif status.step is not None:
        step = sop.step(status.step)
        lines.append(
            text(
                lang,
                "now_at",
                n=step.number,
                total=len(sop.STEPS),
                role=role_label(lang, step.role),
            )
        )
    return lines
