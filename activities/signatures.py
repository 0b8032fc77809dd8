"""The check of a version signed at steps 8–11, run from the workflow's decision handler:
the new version must be exactly the previous version plus one valid signature by the
assignee (or their acting official) with a certificate of this deployment's CA."""

from __future__ import annotations

from temporalio import activity

from common.documents import DocumentStore
from common.models import DocumentRef, Model, PersonId
from common.settings import Settings
from signing.chain import check_added_signature


class SignatureCheck(Model):
    # The version under review; None when the signer brings a new draft of their own.
    previous: DocumentRef | None
    signed: DocumentRef
    signers: list[PersonId]  # who may sign now: the assignees and today's acting officials
    final: bool  # step 11: the Minister's signature, not a paraf


class SignatureCheckResult(Model):
    ok: bool
    code: str = ""  # a refusal code of workflows.rules when not ok
    person: str | None = None  # whose signature was added (a directory id)


class SignatureActivities:
    def __init__(self, settings: Settings) -> None:
        self._store = DocumentStore(settings.documents_dir)
        self._signing_dir = settings.signing_dir

    @activity.defn(name="check_signed_version")
    async def check_signed_version(self, check: SignatureCheck) -> SignatureCheckResult:
        previous = self._read(check.previous) if check.previous else None
        result = await check_added_signature(
            previous,
            self._read(check.signed),
            set(check.signers),
            self._signing_dir,
            final=check.final,
        )
        signature = result.signature
        return SignatureCheckResult(
            ok=result.ok, code=result.code, person=signature.person if signature else None
        )

    def _read(self, ref: DocumentRef) -> bytes:
        with self._store.open(ref) as handle:
            return handle.read()
