"""``/t/<token>/dokumen/<sha256>``: a document of the link's process, to its current assignee.

The same checks as the task page (a link that can no longer act can no longer read either),
and only a document the process holds: a sha256 from another process is unknown here.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from api.access import open_task, read_link
from api.deps import KeysDep, LangDep, PeopleDep, SettingsDep, StoreDep, get_client
from api.i18n import text
from api.problems import PageError
from common.documents import display_name
from common.filetypes import EXTENSIONS, JPEG

router = APIRouter(tags=["documents"])

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


@router.get("/t/{token}/dokumen/{sha256}", summary="Download a document of the link's process")
async def download(token: str, sha256: str, request: Request, lang: LangDep,
                   settings: SettingsDep, keys: KeysDep, people: PeopleDep,
                   store: StoreDep) -> FileResponse:
    claims = await read_link(token, keys.signer, request.app.state.temporal, settings, people,
                             lang)
    client = await get_client(request, lang)
    access = await open_task(token, claims, client, settings, people, lang)
    not_found = PageError(404, text(lang, "not_found_title"), [text(lang, "document_unknown")])
    if not _SHA256.fullmatch(sha256):
        raise not_found
    doc = next((d for d in reversed(access.status.documents) if d.ref.sha256 == sha256), None)
    if doc is None:
        raise not_found
    path = store.path(sha256)
    try:
        intact = path.stat().st_size == doc.ref.size
    except FileNotFoundError:
        intact = False
    if not intact:
        raise PageError(404, text(lang, "not_found_title"), [text(lang, "document_missing")])
    return FileResponse(
        path, media_type=doc.ref.media_type,
        headers={"Content-Disposition": content_disposition(
            download_name(doc.ref.name, doc.ref.media_type))},
    )
