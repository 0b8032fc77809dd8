"""Free text as people type it, without the invisible characters that deceive a reader.

Every free-text field (notes, reasons, titles, the SOP number, checklist remarks, who
entered a decision) passes through ``clean_line`` or ``clean_multiline`` before it is
checked against its limits, whether it comes from a page, the JSON API or the Temporal CLI:
the pydantic models use the ``Line`` and ``MultiLine`` types below.

Removed: control characters (NUL, the C0 and C1 sets; a single-line field turns tab and
newline into a space, a multi-line field keeps them), and format characters such as the
bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make "fdp.exe"
read as "exe.pdf", the zero-width characters (U+200B–U+200F), the byte-order mark
(U+FEFF) and the soft hyphen. Unpaired surrogates, which no encoder can write, go too.
Removing rather than refusing: a note pasted from a word processor often carries a
zero-width space the official never saw, and nothing they meant to write is lost.
Leading and trailing whitespace is trimmed, so a blank title is an empty one.

A field's limit applies to what is sent (so the JSON schema's ``maxLength`` is exact); the
cleaning comes after, and a required field must still hold a visible character then
(``VISIBLE``, said in the schema as a ``pattern``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator

_NEWLINES: Final = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def _invisible(ch: str) -> bool:
    # Cc: controls (C0, DEL, C1); Cf: format (bidi, zero-width, BOM, soft hyphen); Cs: lone
    # surrogates.
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def clean_line(value: str) -> str:
    """One line of text: whitespace controls become spaces, other invisibles go."""
    kept = "".join(
        " " if ch in "\t\n" else ch
        for ch in _NEWLINES.sub(" ", value)
        if ch in "\t\n" or not _invisible(ch)
    )
    return unicodedata.normalize("NFC", kept).strip()


def clean_multiline(value: str) -> str:
    """Text of several lines: line breaks become ``\\n`` and stay, tabs stay, other
    invisibles go."""
    kept = "".join(ch for ch in _NEWLINES.sub("\n", value) if ch in "\t\n" or not _invisible(ch))
    return unicodedata.normalize("NFC", kept).strip()


def has_invisible(value: str) -> bool:
    """Whether ``clean_line`` would remove anything but surrounding whitespace."""
    return any(_invisible(ch) for ch in value)


# A character that is neither whitespace nor invisible: a required field holds one.
VISIBLE: Final = (
    r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
CLEANED: Final = (
    "Leading and trailing spaces are trimmed and invisible characters (control, "
    "bidirectional, zero-width) removed, after the length limit is checked."
)


def not_blank(value: str) -> str:
    if not value:
        raise ValueError("must contain a visible character")
    return value


# Put the limits (StringConstraints) before these in ``Annotated``: they check what was
# sent, then the text is cleaned.
Line = AfterValidator(clean_line)
MultiLine = AfterValidator(clean_multiline)
NotBlank = AfterValidator(not_blank)
PlainLine = Annotated[str, Line]
