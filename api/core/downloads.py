"""A document of a process, as a download: only a version the process holds, only when the
store has it intact, named for display with the extension of what its bytes are."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import FileResponse

from api.core.gateway import ProcessError
from common.documents import DocumentStore, display_name
from common.filetypes import EXTENSIONS, JPEG
from common.models import StatusView

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def download_name(name: str, media_type: str) -> str:
    """The display name, ending in the extension of the type the bytes really are."""
    name = display_name(name)
    ext = EXTENSIONS.get(media_type, "")
    lower = name.lower()
    if ext and not (lower.endswith(ext) or (media_type == JPEG and lower.endswith(".jpeg"))):
        name += ext
    return name


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name per RFC 6266 / RFC 5987."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    # Only characters no browser reads specially inside a quoted string.
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()+-]", "_", ascii_name).strip(" .") or "dokumen"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def document_response(status: StatusView, sha256: str, store: DocumentStore) -> FileResponse:
    """The version of ``status`` with this sha256, or ProcessError 404 (``document_unknown``:
    not this process's; ``document_missing``: not, or not whole, in the store)."""
    if not _SHA256.fullmatch(sha256):
        raise ProcessError(404, "document_unknown")
    doc = next((d for d in reversed(status.documents) if d.ref.sha256 == sha256), None)
    if doc is None:
        raise ProcessError(404, "document_unknown")
    path = store.path(sha256)
    try:
        intact = path.stat().st_size == doc.ref.size
    except FileNotFoundError:
        intact = False
    if not intact:
        raise ProcessError(404, "document_missing")
    return FileResponse(
        path,
        media_type=doc.ref.media_type,
        headers={
            "Content-Disposition": content_disposition(
                download_name(doc.ref.name, doc.ref.media_type)
            )
        },
    )
