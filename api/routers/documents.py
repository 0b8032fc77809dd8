"""``/t/<token>/dokumen/<sha256>``: a document of the link's process, to its current assignee.

The same checks as the task page (a link that can no longer act can no longer read either),
and only a document the process holds: a sha256 from another process is unknown here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from api.access import open_task, page_error, read_link, task_client
from api.deps import KeysDep, LangDep, PeopleDep, SettingsDep, StoreDep
from api.downloads import document_response
from api.processes import ProcessError

router = APIRouter(tags=["documents"])


@router.get("/t/{token}/dokumen/{sha256}", summary="Download a document of the link's process")
async def download(
    token: str,
    sha256: str,
    request: Request,
    lang: LangDep,
    settings: SettingsDep,
    keys: KeysDep,
    people: PeopleDep,
    store: StoreDep,
) -> FileResponse:
    claims = await read_link(token, keys.signer, request.app.state.temporal, settings, people, lang)
    client = await task_client(request.app.state.temporal, lang)
    access = await open_task(token, claims, client, settings, people, lang)
    try:
        return await document_response(access.status, sha256, store)
    except ProcessError as err:
        raise page_error(err, lang) from None
