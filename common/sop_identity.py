"""The SOP's registered number and its dates: a fact of the deployment, not of a process.

The source leaves "No SOP" as a placeholder (``1/.../OT.04.00/./...``) and its dates of
approval and revision blank; the ministry registers the real ones. They are settings
(``IKU_SOP_NUMBER``, ``IKU_SOP_APPROVED_ON``, ``IKU_SOP_REVISED_ON``); a process records the
number it ran under, and a placeholder is refused wherever a number is given.
"""

from __future__ import annotations

import re
from datetime import date

from common.dates import format_date

MAX_CHARS = 100
# A part between slashes made only of dots, ellipses, dashes, underscores, question marks
# or x's is a blank the drafter meant to fill in.
_BLANK_PART = re.compile(r"^[\s.…\-_?xX]*$")


def is_placeholder(number: str) -> bool:
    """True for an obvious unfilled template such as ``1/.../OT.04.00/./...``."""
    text = number.strip()
    if not text or "..." in text or "…" in text:
        return bool(text)
    return any(_BLANK_PART.fullmatch(part) for part in text.split("/"))


def check_sop_number(number: str) -> str:
    """The number, trimmed; a ValueError that says why for a placeholder or one too long."""
    text = number.strip()
    if len(text) > MAX_CHARS:
        raise ValueError(f"the SOP number is longer than {MAX_CHARS} characters")
    if is_placeholder(text):
        raise ValueError(
            f"'{text}' is the SOP template's placeholder, not a registered number "
            "(e.g. 1/123/OT.04.00/XI/2026)"
        )
    return text


def header_line(number: str, approved_on: date | None, revised_on: date | None, lang: str) -> str:
    """ "No. …; disahkan …; revisi …" as the header of a page, a mail or the record."""
    if lang == "en":
        parts = [f"No. {number}" if number else "No. (not yet registered)"]
        if approved_on:
            parts.append(f"approved {format_date(approved_on, 'en')}")
        if revised_on:
            parts.append(f"revised {format_date(revised_on, 'en')}")
    else:
        parts = [f"No. {number}" if number else "No. (belum ditetapkan)"]
        if approved_on:
            parts.append(f"disahkan {format_date(approved_on, 'id')}")
        if revised_on:
            parts.append(f"revisi {format_date(revised_on, 'id')}")
    return "; ".join(parts)
