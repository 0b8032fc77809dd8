"""Validation of a signed IKU against the deployment's CA and its CRL, offline.

One report for every reader: the verification page, its JSON endpoint, ``iku verify``, the
workflow's check of a new version and the archive's validation report. pyHanko validates
each signature (integrity, the chain to our CA, revocation by our CRL, key usage
non-repudiation, and the changes made after it by difference analysis).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from signing.ca import CertificateAuthority, roles_in
from workflows.sop import ROLE_OF_SIGNATURE as MINISTER_ROLE

# pyHanko logs every failed validation with the certificate's subject (a name, a NIP):
# personal data stays out of logs; the report says what failed.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


class NotAPdf(Exception):
    """The bytes are not a PDF that can be read."""


@dataclass
class SignatureReport:
    field: str
    kind: str  # "paraf" or "signature" (the Minister's), from the field's name
    signer: str  # the certificate's common name
    person: str | None  # the directory id in the certificate (UID)
    nip: str | None
    # The SOP roles the certificate gives its holder; None on one issued before it gave them.
    roles: list[str] | None
    position: str  # as signed: "Plh. Kepala Bagian …"
    signed_at: datetime | None  # the signer's clock, or the timestamp authority's
    timestamped: bool
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # the certificate chains to our CA and is not revoked
    valid: bool  # pyHanko's bottom line: intact, trusted, and no disallowed change after it
    revision: int  # 0-based revision of the file this signature made
    covers_bytes: int  # the length of the document as signed
    signed_sha256: str  # sha256 of the document as it was right after this signature
    approved_sha256: str  # sha256 of the document the signer approved (before signing)
    changes_after: str  # none, fill_forms / annotations (other signatures), other
    problem: str = ""  # what failed, in English (the command line, the JSON report)
    # The same as a code, which the pages name in their own words ("verify_problem_<code>").
    problem_code: str = ""


@dataclass
class DocumentReport:
    sha256: str
    size: int
    signatures: list[SignatureReport] = field(default_factory=list)
    # Bytes after the last signature's revision (anything appended to the signed file).
    changed_after_last: bool = False
    valid: bool = False
    # The Minister's signature is there (valid or not): without it the file is a draft,
    # however valid its paraf.
    signed_by_minister: bool = False
    # Whether a certificate that signed the Minister's field gives the Minister's role (the
    # field's name is the signer's choice, the certificate's roles the CA's); None when no
    # such certificate names roles (issued before they were written in).
    minister_certified: bool | None = None
    # The moment validated as of: now, or one by which a record proves the signatures
    # existed (the signed IKU's entry in its process record, an archive's date), so a
    # certificate that ended or was revoked since does not undo them.
    validated_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["validated_at"] = self.validated_at.isoformat() if self.validated_at else None
        for sig in out["signatures"]:  # type: ignore[union-attr]
            at = sig["signed_at"]
            sig["signed_at"] = at.isoformat() if at else None
        return out


def validation_context(ca: CertificateAuthority, at: datetime | None = None) -> ValidationContext:
    """Our CA as the only trust root and its CRL as the revocation source, no fetching,
    validating as of ``at`` (now when None).

    ``retroactive_revinfo``: a CRL published before or after that moment both count, so a
    file checked years later as of when it was recorded validates as it did then: a
    certificate ended since is no matter, a revocation dated before the moment still fails."""
    ca_cert = asn1_x509.Certificate.load(ca.certificate().public_bytes(Encoding.DER))
    crl = asn1_crl.CertificateList.load(ca.crl().public_bytes(Encoding.DER))
    return ValidationContext(
        trust_roots=[ca_cert],
        crls=[crl],
        allow_fetching=False,
        revocation_mode="require",
        retroactive_revinfo=True,
        moment=at,
    )


_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation"})


async def verify_pdf(pdf: bytes, ca_root: Path, at: datetime | None = None) -> DocumentReport:
    """The report of every signature in ``pdf``, validated against the CA in ``ca_root`` as
    of ``at`` (now when None)."""
    ca = CertificateAuthority(ca_root)
    report = DocumentReport(
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        validated_at=at or datetime.now(UTC),
    )
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = _embedded_signatures(reader)
    except Exception as err:  # pyHanko raises many kinds on damaged input
        raise NotAPdf(str(err)[:200]) from None
    context = validation_context(ca, report.validated_at)  # the CA's files read once
    ca_cert = ca.certificate()
    for sig in embedded:
        if isinstance(sig, _Unreadable):
            status, problem = None, f"the signature cannot be read: {sig.error}"
        else:
            try:
                status = await async_validate_pdf_signature(
                    sig, signer_validation_context=context, key_usage_settings=_KEY_USAGE
                )
                problem = ""
            except Exception as err:  # a malformed signature is a finding, not a crash
                status = None
                problem = f"{type(err).__name__}: {str(err)[:200]}"
        report.signatures.append(
            _signature_report(pdf, reader, sig, status, problem, ca_cert, report.validated_at)
        )
    report.signed_by_minister = any(s.kind == "signature" for s in report.signatures)
    certified = [
        s.roles for s in report.signatures if s.kind == "signature" and s.roles is not None
    ]
    if certified:
        report.minister_certified = any(MINISTER_ROLE in roles for roles in certified)
    if report.signatures:
        last_end = max(_covered(sig) for sig in embedded)
        report.changed_after_last = last_end < len(pdf)
        report.valid = not report.changed_after_last and all(s.valid for s in report.signatures)
    return report


@dataclass
class _Unreadable:
    """A signature field whose signature (the CMS blob in /Contents) cannot be read: in a
    PDF that reads, a signature that is not valid, never a file that is not a PDF."""

    field_name: str
    sig_object: generic.DictionaryObject
    byte_range: list[int]
    signed_revision: int
    error: str
    signer_cert: None = None


def _embedded_signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature | _Unreadable]:
    """Every filled signature field in signing order, as pyHanko reads it; one it cannot
    read as unreadable. Never left out: pyHanko's own list skips a signature whose
    /SubFilter it does not know, and the report would then show one signature fewer."""
    out: list[EmbeddedPdfSignature | _Unreadable] = []
    for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            sub_filter = value.get_object().get("/SubFilter")
            if sub_filter not in _SUB_FILTERS:
                raise ValueError(f"{sub_filter} is not the /SubFilter of a PDF signature")
            out.append(EmbeddedPdfSignature(reader, field_ref, name))
        except Exception as err:
            out.append(_unreadable(reader, field_ref, name, err))
    return sorted(out, key=lambda sig: sig.signed_revision)


_SUB_FILTERS = frozenset(sub_filter.value for sub_filter in SigSeedSubFilter)


def _unreadable(reader: PdfFileReader, field_ref: object, name: str, err: Exception) -> _Unreadable:
    field = field_ref.get_object()  # type: ignore[attr-defined]
    value = field.raw_get("/V")
    sig_object = value.get_object()
    try:
        revision = int(reader.xrefs.get_last_change(value.reference))
    except Exception:  # a direct object: the signature's revision is not known
        revision = 0
    raw_range = sig_object.get("/ByteRange") if isinstance(sig_object, dict) else None
    try:
        byte_range = [int(n) for n in raw_range][:4] if raw_range is not None else [0] * 4
    except (TypeError, ValueError):
        byte_range = [0] * 4
    if len(byte_range) < 4:
        byte_range = [0] * 4
    return _Unreadable(
        field_name=name,
        sig_object=sig_object if isinstance(sig_object, dict) else generic.DictionaryObject(),
        byte_range=byte_range,
        signed_revision=revision,
        error=f"{type(err).__name__}: {str(err)[:200]}",
    )


def _covered(sig: object) -> int:
    byte_range = sig.byte_range  # type: ignore[attr-defined]
    return int(byte_range[2] + byte_range[3])


def _signature_report(
    pdf: bytes,
    reader: PdfFileReader,
    sig: object,
    status: PdfSignatureStatus | None,
    problem: str,
    ca_cert: x509.Certificate,
    moment: datetime | None,
) -> SignatureReport:
    sig_obj = sig.sig_object  # type: ignore[attr-defined]
    name = str(sig.field_name)  # type: ignore[attr-defined]
    end = _covered(sig)
    revision = int(sig.signed_revision)  # type: ignore[attr-defined]
    before = _revision_end(pdf, reader, revision - 1) if revision > 0 else 0
    try:
        cert = sig.signer_cert  # type: ignore[attr-defined]
        subject = cert.subject.native if cert is not None else {}
    except Exception as err:  # a damaged CMS blob can fail here too: a finding, not a crash
        cert, subject = None, {}
        problem = problem or f"the signature cannot be read: {type(err).__name__}"
    reason = str(sig_obj.get("/Reason", ""))
    position = reason.split(": ", 1)[1] if ": " in reason else reason
    code, why = ("malformed", problem) if problem else ("", "")
    if status is not None and not status.bottom_line:
        code, why = _why(status)
        if code == "untrusted" and cert is not None:
            code, why = _out_of_its_time(cert, ca_cert, moment) or (code, why)
    changes = "none"
    if status is not None and status.modification_level is not None:
        changes = status.modification_level.name.lower()
    signed_at = None
    timestamped = False
    if status is not None:
        if status.timestamp_validity is not None:
            signed_at, timestamped = status.timestamp_validity.timestamp, True
        else:
            signed_at = status.signer_reported_dt
    return SignatureReport(
        field=name,
        kind="signature" if name.startswith("TTE-") else "paraf",
        signer=str(subject.get("common_name", "")),
        person=subject.get("user_id"),
        nip=subject.get("serial_number"),
        roles=roles_in(subject.get("organizational_unit_name")),
        position=position,
        signed_at=signed_at,
        timestamped=timestamped,
        intact=bool(status and status.intact),
        trusted=bool(status and status.trusted and not status.revoked),
        valid=bool(status and status.bottom_line),
        revision=revision,
        covers_bytes=end,
        signed_sha256=hashlib.sha256(pdf[:end]).hexdigest(),
        approved_sha256=hashlib.sha256(pdf[:before]).hexdigest() if before else "",
        changes_after=changes,
        problem=why,
        problem_code=code,
    )


# pyHanko's reasons for a chain that does not hold at the moment validated, by name.
_NOT_IN_FORCE = {"OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "EXPIRED", "NOT_YET_VALID"}


_ENDED = (
    "the certificate was not in force at the moment validated (validate as of when the "
    "signed document was recorded)"
)


def _why(status: PdfSignatureStatus) -> tuple[str, str]:
    """What failed: a code (``problem_code``) and the English sentence (``problem``)."""
    if not status.intact:
        return "changed", "the signed bytes were changed"
    if status.revoked:
        return "revoked", "the certificate is revoked"
    if not status.trusted:
        indication = getattr(status.trust_problem_indic, "name", "")
        if indication in _NOT_IN_FORCE:
            return "not_in_force", _ENDED
        if indication == "TRY_LATER":
            return "no_current_crl", "the CA's revocation list had run out at that moment"
        return "untrusted", "the certificate is not from this deployment's certificate authority"
    if status.docmdp_ok is False:
        return (
            "disallowed_change",
            "the document was changed in a way this signature does not allow",
        )
    return "invalid", "not valid"


def _out_of_its_time(
    cert: asn1_x509.Certificate, ca_cert: x509.Certificate, moment: datetime | None
) -> tuple[str, str] | None:
    """Why a certificate of our CA is not trusted at ``moment`` when the moment is outside
    its validity (pyHanko's reason is then a general chain failure: the CA itself is not
    yet valid); None when the certificate is not ours or the moment within it."""
    try:
        signer = x509.load_der_x509_certificate(cert.dump())
        signer.verify_directly_issued_by(ca_cert)
    except Exception:  # not ours, or not readable: "untrusted" stands
        return None
    at = moment or datetime.now(UTC)
    if at < signer.not_valid_before_utc:
        return "not_in_force", (
            "the certificate was not yet in force at the moment validated (it was issued after it)"
        )
    if at > signer.not_valid_after_utc:
        return "not_in_force", _ENDED
    return None


def _revision_end(pdf: bytes, reader: PdfFileReader, revision: int) -> int:
    """Where ``revision`` of the file ends: after the ``%%EOF`` that follows its xref."""
    start = reader.xrefs.get_startxref_for_revision(revision)
    eof = pdf.find(b"%%EOF", start)
    if eof < 0:
        return 0
    end = eof + 5
    while end < len(pdf) and pdf[end : end + 1] in (b"\r", b"\n"):
        end += 1
    return end
