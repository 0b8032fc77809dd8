"""``/t/<token>/dokumen/<sha256>``: a document of the link's process, to its current assignee.

The same checks as the task page (a link that can no longer act can no longer read either),
and only a document the process holds: a sha256 from another process is unknown here.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.core.deps import LangDep, PeopleDep, SettingsDep, StoreDep
from api.core.downloads import document_response
from api.tasks.access import CheckedLinkDep, TaskClientDep, open_task

router = APIRouter(tags=["documents"])


@router.get("/t/{token}/dokumen/{sha256}", summary="Download a document of the link's process")
async def download(
    token: str,
    sha256: str,
    claims: CheckedLinkDep,
    client: TaskClientDep,
    lang: LangDep,
    settings: SettingsDep,
    people: PeopleDep,
    store: StoreDep,
) -> FileResponse:
    access = await open_task(token, claims, client, settings, people, lang)
    # A document the process does not hold is a ProcessError, worded by api.core.answers.
    return document_response(access.status, sha256, store)
