"""Signing at steps 8–11 in the web process: the official types their passphrase on the
task page, the key is unlocked here for this one signature, the version they were shown
(or the revision they attach) gets their paraf or the Minister's signature, and the signed
version is stored and sent with the decision. The passphrase goes no further than this
module: never into the decision, a log line, a link or an error message.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from datetime import UTC, datetime

from api.core.i18n import Lang, text
from api.core.people import People
from api.core.sliding_window import KeyLimit
from api.tasks.uploads import FormRefused, StagedFiles
from common.documents import DocumentStore, StagedDocument
from common.links import LinkClaims
from common.models import Action, Attachment, Decision, StatusView
from common.settings import Settings
from signing.ca import CA_NAME, write_private
from signing.folder import SigningFolder, code_file, key_of
from signing.keys import LocalKeystore, NoSigningKey, WrongPassphrase
from signing.pdf import NotAPdf, Signatory, add_paraf, add_signature, position_as_signed
from workflows import sop


def signs(step: int) -> bool:
    """Whether approving at ``step`` is a paraf or the signature; False for a number that
    is no step (a task id from a link is only checked for its form)."""
    found = sop.STEP_BY_NUMBER.get(step)
    return found is not None and found.signs


def verification_code(settings: Settings, workflow_id: str) -> str:
    """The code in the QR link of a process's signed IKU: derived with the link secret,
    so it cannot be guessed from the process id and says nothing about it."""
    digest = hmac.new(
        settings.link_secret_value().encode(), f"verify:{workflow_id}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def remember_code(settings: Settings, code: str, workflow_id: str) -> None:
    folder = SigningFolder(settings)
    write_private(folder.root / code_file(code), workflow_id.encode())
    folder.publish(code_file(code))


def workflow_of(settings: Settings, code: str) -> str | None:
    if not code.isalnum() or len(code) > 64:
        return None
    path = SigningFolder(settings).fetch(code_file(code)) / code_file(code)
    return path.read_text().strip() if path.is_file() else None


async def sign_decision(
    decision: Decision,
    attachments: list[Attachment],
    passphrase: str,
    *,
    claims: LinkClaims,
    status: StatusView,
    store: DocumentStore,
    settings: Settings,
    people: People,
    lang: Lang,
    staged: StagedFiles,
    throttle: KeyLimit,
) -> list[Attachment]:
    """The attachments with the signed version in place of (or added to) the draft; the
    signed version is staged in ``staged`` (in place of the unsigned revision, if any).
    ``throttle`` counts wrong passphrases per official."""
    task = status.task
    if task is None or decision.action is not Action.APPROVE or not signs(task.step):
        return attachments
    step = sop.step(task.step)
    final = task.step == sop.SIGNATURE_STEP
    kind = "iku" if final else "draf_iku"

    def refuse(
        status_code: int, key: str, field: str = "passphrase", **values: object
    ) -> FormRefused:
        return FormRefused(
            status_code,
            text(lang, "refused_title"),
            [text(lang, key, **values), text(lang, "nothing_applied")],
            field=field,
        )

    if people.directory is None:
        # Name and position are printed into the signature for good: never an id instead.
        raise FormRefused(
            503,
            text(lang, "unavailable_title"),
            [text(lang, "sign_directory_unavailable"), text(lang, "nothing_applied")],
        )
    wait = throttle.retry_after(claims.person)
    if wait:
        raise refuse(429, "passphrase_throttled", minutes=max(1, wait // 60))
    if not passphrase:
        raise refuse(422, "passphrase_required")
    # A revision the reviewer attaches is what they sign; otherwise the version shown.
    revision = next((a for a in attachments if a.kind == "draf_iku"), None)
    if revision is not None and not final:
        base_ref = revision.ref
    else:
        drafts = [d for d in status.documents if d.kind == step.draft]
        if not drafts:
            return attachments
        base_ref = drafts[-1].ref
    with store.open(base_ref) as handle:
        base = handle.read()
    # The key as the CA last issued it, on whichever machine that was.
    root = await asyncio.to_thread(
        SigningFolder(settings).fetch, "ca/ca.pem", "ca/issued.json", key_of(claims.person)
    )
    keystore = LocalKeystore(root)
    try:
        signer = await asyncio.to_thread(keystore.signer, claims.person, passphrase)
    except WrongPassphrase:
        throttle.count(claims.person)
        raise refuse(422, "passphrase_wrong") from None
    except NoSigningKey:
        raise refuse(422, "no_signing_key") from None
    throttle.clear(claims.person)
    who = _signatory(claims.person, status, people, task.step)
    try:
        if final:
            code = verification_code(settings, claims.workflow_id)
            await asyncio.to_thread(remember_code, settings, code, claims.workflow_id)
            signed = await add_signature(
                base,
                signer,
                who,
                verify_url=f"{settings.public_base_url.rstrip('/')}/v/{code}",
                issuer=CA_NAME,
                at=datetime.now(UTC),
                tsa_url=settings.tsa_url,
                tz=settings.timezone,
            )
        else:
            signed = await add_paraf(base, signer, who, tsa_url=settings.tsa_url)
    except NotAPdf:
        raise refuse(422, "draft_must_be_pdf", "uploads") from None
    # Staged, like the form's files: the workflow's check reads it, the store keeps it only
    # if the decision is accepted (the caller commits or discards ``staged``).
    document = await asyncio.to_thread(
        _stage, store, signed, _signed_name(base_ref.name, final), settings.max_upload_bytes
    )
    replaced = [(k, d) for k, d in staged.documents if k in (kind, "draf_iku")]
    staged.documents = [(k, d) for k, d in staged.documents if (k, d) not in replaced]
    staged.documents.append((kind, document))
    for _, unsigned in replaced:
        # The unsigned revision is not what is recorded: only its signed version is kept.
        if unsigned.ref.sha256 != document.ref.sha256:
            await asyncio.to_thread(unsigned.discard)
    kept = [a for a in attachments if a.kind not in (kind, "draf_iku")]
    return [*kept, Attachment(kind=kind, ref=document.ref)]


def _stage(store: DocumentStore, data: bytes, name: str, limit: int) -> StagedDocument:
    spool = store.spool(max(limit, len(data)))
    try:
        spool.write(data)
        return spool.stage(name, "application/pdf")
    except BaseException:
        spool.discard()
        raise


SIGNED_MARKS = (" (TTE)", " (paraf)")  # the Minister's signature, an official's paraf


def _signed_name(name: str, final: bool) -> str:
    """The draft's name, marked once with what it now carries: each paraf and the signature
    sign the same file again, so an earlier mark is replaced, not added to."""
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    for mark in SIGNED_MARKS:
        stem = stem.removesuffix(mark)
    return f"{stem[:200]}{SIGNED_MARKS[0] if final else SIGNED_MARKS[1]}.pdf"


def _signatory(person: str, status: StatusView, people: People, step: int) -> Signatory:
    """Name and position as signed: an acting official signs in their own name, with "Plh."
    or "Plt." before the position of the one they stand in for."""
    task = status.task
    assert task is not None
    me = people.person(person)
    name = me.name if me else person
    position = me.position if me else ""
    for holder, deputies in task.acting.items():
        deputy = next((d for d in deputies if d.person == person), None)
        if deputy is not None and person not in task.assignees:
            official = people.person(holder)
            position = position_as_signed(official.position if official else "", deputy.kind)
            break
    return Signatory(name, position, step)
