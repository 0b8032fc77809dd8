"""The check of a version signed at steps 8–11, run from the workflow's decision handler:
the new version must be exactly the previous version plus one valid signature by the
assignee (or their acting official) with a certificate of this deployment's CA."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import Field
from temporalio import activity

from activities.cpu import SIGNATURES, in_process
from common.documents import open_document_store
from common.models import DocumentRef, Model, PersonId, Sha256
from common.settings import Settings
from signing.chain import check_added_signature
from signing.folder import VALIDATION, SigningFolder
from signing.verify import NotAPdf, verify_pdf


class SignatureCheck(Model):
    previous: DocumentRef | None  # the version under review
    signed: DocumentRef  # the version the decision brings
    signers: list[PersonId]  # who may sign: the person deciding (already judged by rules)
    final: bool  # step 11: the Minister's signature, not a paraf
    # Every earlier version of the draft: a reviewer's own new draft must be new content.
    earlier: list[Sha256] = Field(default_factory=list)


class SignatureCheckResult(Model):
    ok: bool
    code: str = ""  # a refusal code of workflows.rules when not ok
    signed: bool = False  # the version carries a signature this decision added
    person: str | None = None  # whose signature was added (a directory id)
    extends: str | None = None  # the version it was added to; None for a new draft


class SignatureActivities:
    def __init__(self, settings: Settings) -> None:
        self._store = open_document_store(settings)
        self._signing = SigningFolder(settings)

    @activity.defn(name="check_signed_version")
    async def check_signed_version(self, check: SignatureCheck) -> SignatureCheckResult:
        """Either the version under review plus one signature, or (at 8–10) a reviewer's
        new draft carrying only their own paraf. A PDF without any signature (a plain
        revision, a scan) approves nothing at these steps."""
        signed = await asyncio.to_thread(self._read, check.signed)
        previous = await asyncio.to_thread(self._read, check.previous) if check.previous else None
        # The CA and its CRL as they are now: a certificate revoked a moment ago is refused.
        root = await asyncio.to_thread(self._signing.fetch, *VALIDATION)
        # pyHanko's validation is a few hundred milliseconds of CPU: in the pool's process.
        return await in_process(SIGNATURES, judge, check, signed, previous, root)

    def _read(self, ref: DocumentRef) -> bytes:
        with self._store.open(ref) as handle:
            return handle.read()


def judge(
    check: SignatureCheck, signed: bytes, previous: bytes | None, signing_dir: Path
) -> SignatureCheckResult:
    """The check of ``signed`` (and the version under review's bytes, ``previous``)."""
    return asyncio.run(_judge(check, signed, previous, signing_dir))


async def _judge(
    check: SignatureCheck, signed: bytes, previous: bytes | None, signing_dir: Path
) -> SignatureCheckResult:
    try:
        report = await verify_pdf(signed, signing_dir)
    except NotAPdf:
        return SignatureCheckResult(ok=False, code="signature_not_pdf")
    count = len(report.signatures)
    if count == 0:
        return SignatureCheckResult(ok=False, code="signature_required")
    extends = previous is not None and signed.startswith(previous)
    if not extends and (check.final or count > 1):
        # Signatures on something other than the version under review.
        return SignatureCheckResult(ok=False, code="signature_wrong_version")
    result = await check_added_signature(
        previous if extends else None,
        signed,
        set(check.signers),
        signing_dir,
        final=check.final,
        report=report,
    )
    added = result.signature
    older = added is not None and not extends and added.approved_sha256 in set(check.earlier)
    if result.ok and older:
        # An older version of the draft, signed: not the one under review.
        return SignatureCheckResult(ok=False, code="signature_wrong_version")
    return SignatureCheckResult(
        ok=result.ok,
        code=result.code,
        signed=result.ok,
        person=added.person if added else None,
        extends=check.previous.sha256 if extends and check.previous else None,
    )
