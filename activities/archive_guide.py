"""The guide inside every archive bag (``data/BACA-SAYA.txt``): what the bag is, what each
folder holds, and how to check it offline years later, in Bahasa Indonesia first, then in
English. Its words are the catalogue's (``ARCHIVE_GUIDE``); the commands were run against a
real bag of this project (bagit 1.9, poppler's pdfsig 22, pyHanko CLI 0.6 / pyHanko 0.38).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime

from common.catalogue import ARCHIVE_GUIDE, pick
from common.dates import format_when
from workflows.sop import SOP_HEADER

GUIDE_NAME = "BACA-SAYA.txt"


@dataclass(frozen=True)
class Facts:
    """What the guide says about one bag."""

    title: str
    year: int
    code: str
    official_number: str | None
    sop_number: str
    workflow_id: str
    run_ids: list[str]
    archived_at: datetime
    timezone: str
    # The signed IKU: its path in the bag (from the bag's folder) and its sha256.
    signed_path: str | None = None
    signed_sha256: str | None = None
    # The CA certificate's SHA-256 fingerprint (of its DER bytes); None: no tte/ folder.
    ca_fingerprint: str | None = None
    signers: list[str] = field(default_factory=list)


def openssl_fingerprint(hex_digest: str) -> str:
    """The fingerprint as ``openssl x509 -fingerprint -sha256`` prints it (AB:CD:…)."""
    upper = hex_digest.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def _section(facts: Facts, lang: str) -> list[str]:
    def w(key: str, **values: object) -> str:
        template = pick(ARCHIVE_GUIDE[key], lang)
        return template.format(**values) if values else template

    none = w("none")
    title = w("title", sop_name=SOP_HEADER["nama_sop" if lang == "id" else "name_en"])
    lines = [title, "=" * len(title), "", w("what"), ""]
    rows = [
        (w("f_title"), facts.title),
        (w("f_year"), str(facts.year)),
        (w("f_unit"), facts.code),
        (w("f_number"), facts.official_number or none),
        (w("f_sop"), facts.sop_number or none),
        (w("f_workflow"), facts.workflow_id),
        (w("f_runs"), ", ".join(facts.run_ids) or none),
        (
            w("f_archived"),
            f"{format_when(facts.archived_at, lang, facts.timezone)} "
            f"({facts.archived_at.isoformat()})",
        ),
        (
            w("f_signed"),
            f"{facts.signed_path} (sha256 {facts.signed_sha256})" if facts.signed_path else none,
        ),
        (
            w("f_ca"),
            f"{facts.ca_fingerprint} ({openssl_fingerprint(facts.ca_fingerprint)})"
            if facts.ca_fingerprint
            else none,
        ),
    ]
    lines += [f"{label}: {value}" for label, value in rows]
    lines += [f"  - {signer}" for signer in facts.signers]
    lines += ["", w("folders"), "-" * len(w("folders"))]
    lines += [
        w("f_bag_info"),
        w("f_manifest"),
        w("f_dokumen"),
        w("f_cetak"),
        w("f_ringkasan"),
        w("f_json"),
        w("f_tte") if facts.ca_fingerprint else w("f_no_tte"),
    ]
    lines += ["", w("verify"), "-" * len(w("verify"))]
    lines += [w("v_bag"), "   bagit.py --validate .", "   (python -m bagit --validate .)", ""]
    if facts.ca_fingerprint and facts.signed_path:
        pdf = shlex.quote(facts.signed_path)
        at = facts.archived_at.isoformat()
        lines += [
            w("v_pdfsig"),
            "   mkdir nss && certutil -N -d sql:nss --empty-password",
            '   certutil -A -d sql:nss -n "CA IKU" -t "CT,C,C" -a -i data/tte/ca.pem',
            f"   pdfsig -nssdir sql:nss {pdf}",
            f"   (pdfsig -nocert {pdf})",
            "",
            w("v_pyhanko"),
            "   pyhanko sign validate --trust data/tte/ca.pem --trust-replace \\",
            f"     --validation-time {at} --pretty-print {pdf}",
            w("v_pyhanko_crl"),
            "   openssl crl -in data/tte/crl.pem -noout -text",
            "",
            w("v_iku"),
            f"   iku verify {pdf} --ca data/tte --at {at}",
            "",
            w("v_ca"),
            "   openssl x509 -in data/tte/ca.pem -noout -fingerprint -sha256",
            "",
            w("v_withdrawn"),
        ]
    return lines


def guide_text(facts: Facts) -> str:
    """The whole guide: Bahasa Indonesia, then English."""
    return "\n".join([*_section(facts, "id"), "", "", *_section(facts, "en")]) + "\n"
