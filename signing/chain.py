"""The check the workflow runs on a version signed at steps 8–11: it must be exactly the
previous version plus one valid signature by the assignee (or their acting official) made
with a certificate of this deployment's CA.

The web process signs; the workflow does not trust it blindly. Each failure has a code the
workflow turns into a refusal (see ``workflows.rules.REFUSALS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from signing.pdf import signature_count
from signing.verify import DocumentReport, NotAPdf, SignatureReport, verify_pdf


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    code: str = ""  # a refusal code when not ok
    signature: SignatureReport | None = None


def _fail(code: str) -> ChainResult:
    return ChainResult(ok=False, code=code)


async def check_added_signature(
    previous: bytes | None,
    signed: bytes,
    signers: set[str],
    ca_root: Path,
    *,
    final: bool,
    report: DocumentReport | None = None,
) -> ChainResult:
    """Judge ``signed`` against ``previous`` (None: ``signed`` is a new draft that carries
    its first signature, a reviewer's own revision). ``signers`` are the directory ids who
    may sign now (the assignee, or their acting official today). ``report``: ``signed``'s,
    when the caller has validated it already (reading the signatures is half the work)."""
    if report is None:
        try:
            report = await verify_pdf(signed, ca_root)
        except NotAPdf:
            return _fail("signature_not_pdf")
    count = len(report.signatures)
    if previous is not None:
        if not signed.startswith(previous) or len(signed) == len(previous):
            # Not an incremental update of the version under review: other bytes were
            # signed (an older version, or a changed file).
            return _fail("signature_wrong_version")
        try:
            # Counted, not validated: its signatures are validated above, within ``signed``.
            before = signature_count(previous)
        except NotAPdf:
            return _fail("signature_wrong_version")
        if count != before + 1:
            return _fail("signature_count")
    elif count != 1:
        return _fail("signature_count")
    if not report.signatures:
        return _fail("signature_count")
    added = report.signatures[-1]
    if added.covers_bytes != len(signed) or report.changed_after_last:
        return _fail("signature_wrong_version")
    if not added.intact:
        return _fail("signature_invalid")
    if not added.trusted:
        return _fail("signature_untrusted")
    if added.person not in signers:
        return _fail("signature_wrong_signer")
    if (added.kind == "signature") != final:
        return _fail("signature_kind")
    # Every earlier signature must still be valid with this one added.
    if not all(s.valid for s in report.signatures):
        return _fail("signature_invalid")
    return ChainResult(ok=True, signature=added)
