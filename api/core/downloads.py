"""A document of a process: only a version the process holds, only when the store has it
intact, named for display with the extension of what its bytes are. PDF and images open in
the browser (a phone has nowhere good to put a download); other types, or any type asked
with ``?unduh=1``, download. Both carry the app's security headers (no script, nosniff)."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import FileResponse, Response, StreamingResponse

from api.core.gateway import ProcessError
from common.documents import DocumentStore, LocalDocumentStore, display_name
from common.filetypes import EXTENSIONS, JPEG, PDF, PNG
from common.models import StatusView

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# What a browser shows itself, without a plug-in or a helper application.
INLINE_TYPES = frozenset({PDF, PNG, JPEG})


def opens_inline(media_type: str) -> bool:
    return media_type in INLINE_TYPES


def download_name(name: str, media_type: str) -> str:
    """The display name, ending in the extension of the type the bytes really are."""
    name = display_name(name)
    ext = EXTENSIONS.get(media_type, "")
    lower = name.lower()
    if ext and not (lower.endswith(ext) or (media_type == JPEG and lower.endswith(".jpeg"))):
        name += ext
    return name


def content_disposition(name: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII fallback and the exact name per RFC 6266
    / RFC 5987."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    # Only characters no browser reads specially inside a quoted string.
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()+-]", "_", ascii_name).strip(" .") or "dokumen"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


async def document_response(
    status: StatusView, sha256: str, store: DocumentStore, *, download: bool = False
) -> Response:
    """The version of ``status`` with this sha256, or ProcessError 404 (``document_unknown``:
    not this process's; ``document_missing``: not, or not whole, in the store)."""
    if not _SHA256.fullmatch(sha256):
        raise ProcessError(404, "document_unknown")
    doc = next((d for d in reversed(status.documents) if d.ref.sha256 == sha256), None)
    if doc is None:
        raise ProcessError(404, "document_unknown")
    if await asyncio.to_thread(store.stored_size, sha256) != doc.ref.size:
        raise ProcessError(404, "document_missing")
    headers = {
        "Content-Disposition": content_disposition(
            download_name(doc.ref.name, doc.ref.media_type),
            inline=not download and opens_inline(doc.ref.media_type),
        )
    }
    if isinstance(store, LocalDocumentStore):
        return FileResponse(store.path(sha256), media_type=doc.ref.media_type, headers=headers)
    # From the bucket, chunk by chunk: never the whole file in memory.
    headers["Content-Length"] = str(doc.ref.size)
    return StreamingResponse(
        store.aiter_bytes(sha256), media_type=doc.ref.media_type, headers=headers
    )
