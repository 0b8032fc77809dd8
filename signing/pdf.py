"""Adding a paraf or the Minister's signature to a PDF, as a PAdES signature in an
incremental update (earlier signatures stay valid), with pyHanko.

The sequence, so that every signature and the final lock validate:
- the first signature of a document (the first paraf of a version) is a certification
  signature (DocMDP) that permits form filling and signing (``/P 2``): certification must be
  the document's first signature, and ``/P 2`` lets the later paraf and the signature in;
- each later paraf is an approval signature, invisible (see README: a paraf elektronik is an
  invisible TTE in Indonesian practice, the visible mark is the Minister's);
- the Minister's signature is visible (name, position, date and time in WIB, a QR code to
  the verification page) and its field locks every field and the document (FieldMDP
  ``/Action /All`` with ``/P 1``): any change after it is flagged by validators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.stamp import QRStampStyle

from common.catalogue import RECORD, acting_label, pick, text
from common.dates import format_when
from common.workcalendar import DEFAULT_TIMEZONE
from signing.verify import NotAPdf

PARAF_FIELD = "Paraf-{step}-{n}"
FINAL_FIELD = "TTE-Menteri"
# The stamp's words (catalogue ``RECORD``), in Bahasa Indonesia as the signed IKU is.
STATEMENT_ID = pick(RECORD["stamp_statement"], "id")
# Bottom right of the last page, where the signature block of a Keputusan sits.
_STAMP_BOX = (300, 36, 568, 156)


@dataclass(frozen=True)
class Signatory:
    """What a signature says about who made it and in which capacity."""

    name: str
    position: str  # as printed: "Plh. Kepala Bagian ..." for an acting official
    step: int


def position_as_signed(position: str, acting_kind: str | None) -> str:
    """The catalogue's "Plh." or "Plt." before the position of an acting official."""
    if acting_kind in ("plh", "plt"):
        return f"{acting_label(acting_kind)} {position}"
    return position


def signature_count(pdf: bytes) -> int:
    return len(_reader(pdf).embedded_signatures)


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(BytesIO(pdf), strict=False)
    except Exception as err:  # pyHanko raises many kinds on damaged input
        raise NotAPdf(str(err)[:200]) from None


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except Exception as err:
        raise NotAPdf(str(err)[:200]) from None


def _timestamper(tsa_url: str | None) -> timestamps.TimeStamper | None:
    return timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None


async def add_paraf(
    pdf: bytes, signer: signers.Signer, who: Signatory, *, tsa_url: str | None = None
) -> bytes:
    """``pdf`` plus one invisible paraf by ``who``, as an incremental update. The first
    signature of a document certifies it and prepares the Minister's (empty, locking)
    signature field: after a certification, validators accept a visible signature only in a
    field that was there when the document was certified."""
    existing = signature_count(pdf)
    first = existing == 0
    writer = _writer(pdf)
    if first:
        fields.append_signature_field(writer, _final_field(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=PARAF_FIELD.format(step=who.step, n=existing + 1),
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=f"{text('id', 'verify_paraf')}: {who.position}",
        name=who.name,
        location="Jakarta",
        certify=first,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=_timestamper(tsa_url))
    out = BytesIO()
    await pdf_signer.async_sign_pdf(writer, output=out)
    return out.getvalue()


def _final_field(pdf: bytes) -> fields.SigFieldSpec:
    """The Minister's field: visible on the last page; signing it locks every field and
    the document (FieldMDP /All with /P 1)."""
    pages = int(_reader(pdf).root["/Pages"]["/Count"])
    return fields.SigFieldSpec(
        sig_field_name=FINAL_FIELD,
        on_page=pages - 1,
        box=_STAMP_BOX,
        field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
        doc_mdp_update_value=fields.MDPPerm.NO_CHANGES,
    )


async def add_signature(
    pdf: bytes,
    signer: signers.Signer,
    who: Signatory,
    *,
    verify_url: str,
    issuer: str,
    at: datetime,
    tsa_url: str | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> bytes:
    """``pdf`` plus the visible, locking signature of ``who`` (the Minister), in the field
    the first paraf prepared (or a new one on a document nobody initialled); its stamp
    gives ``at`` in ``tz`` (IKU_TIMEZONE)."""
    existing = signature_count(pdf)
    meta = signers.PdfSignatureMetadata(
        field_name=FINAL_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=f"{text('id', 'verify_signature')}: {who.position}",
        name=who.name,
        location="Jakarta",
        certify=existing == 0,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    style = QRStampStyle(
        stamp_text=stamp_text(),
        text_box_style=TextBoxStyle(font_size=5.5, leading=7),
        border_width=1,
    )
    params = {
        "position": who.position,
        "name": who.name,
        "when": stamp_time(at, tz),
        "statement": STATEMENT_ID.format(ca=issuer),
        "url": verify_url,
    }
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=_timestamper(tsa_url),
        stamp_style=style,
        new_field_spec=None if existing else _final_field(pdf),
    )
    out = BytesIO()
    await pdf_signer.async_sign_pdf(_writer(pdf), output=out, appearance_text_params=params)
    return out.getvalue()


def stamp_text() -> str:
    """The stamp's text, with pyHanko's ``%(…)s`` blanks: who signed, when, the statement,
    and the verification page's address under that page's own word ("Verifikasi")."""
    signed_by = pick(RECORD["stamp_signed_by"], "id")
    verify = pick(RECORD["stamp_verify"], "id").format(url="%(url)s")
    return f"{signed_by}\n%(position)s\n%(name)s\n%(when)s\n\n%(statement)s\n{verify}"


def stamp_time(at: datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    """'Selasa, 1 Desember 2026 pukul 14.05 WIB', as the rest of the system writes it."""
    return format_when(at, "id", tz)
