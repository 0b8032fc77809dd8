"""``/proses``: the list of processes, filtered and paged, with counts per step and role."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.bureau.forms import people_options, short_activity
from api.bureau.render import LangDep, render_page, url_with
from api.core import visibility
from api.core.auth import SignedInDep
from api.core.deps import ClientDep, CountsDep, PageTokensDep, PeopleDep, SettingsDep
from api.core.i18n import role_label, text
from api.core.i18n_bureau import short_when, state_name
from workflows import sop

router = APIRouter(tags=["bureau"], include_in_schema=False)
_PAGE_SIZE = re.compile(r"^[0-9]{1,3}$")  # ASCII digits only: int() takes "²" for no number


@router.get("/", response_class=HTMLResponse)
async def home(signed: SignedInDep) -> Response:
    return RedirectResponse("/proses", status_code=302)


@router.get("/proses", response_class=HTMLResponse)
async def list_processes(
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    people: PeopleDep,
    client: ClientDep,
    tokens: PageTokensDep,
    counts_cache: CountsDep,
) -> Response:
    filters, bad = visibility.parse_filters(request.query_params)
    token = request.query_params.get("halaman") or None
    per = request.query_params.get("per", "")
    page_size = int(per) if _PAGE_SIZE.fullmatch(per) else 0
    if not 1 <= page_size <= visibility.MAX_PAGE_SIZE:
        page_size = visibility.DEFAULT_PAGE_SIZE
    # The search box: by code and title (and id), within the other filters.
    words = " ".join((request.query_params.get("cari") or "").split())[:100]
    more = False
    if words:
        found, counts = await asyncio.gather(
            visibility.search(client, filters, words, limit=page_size),
            counts_cache.counts(client, filters),
        )
        page, more = visibility.ListPage(found.rows, None), found.more
    else:
        page, counts = await asyncio.gather(
            visibility.list_page(client, filters, tokens, page_size=page_size, token=token),
            counts_cache.counts(client, filters),
        )
    tz = settings.timezone
    rows = [
        {
            "id": r.workflow_id,
            "run_id": r.run_id,
            "title": r.title,
            "year": r.year,
            "code": r.code,
            "step": r.step,
            "role": role_label(lang, r.role) if r.role in sop.ROLES else "",
            "activity": short_activity(lang, r.step),
            "holders": [people.who_name(p, lang) for p in r.assignees],
            "overdue": r.overdue and r.execution_status == "running",
            "state": _row_state(r),
            "state_label": state_name(lang, _row_state(r)),
            # When the process started (its first run), not when its current run did.
            "started": short_when(r.started_at, lang, settings.timezone),
            "started_iso": r.started_at.isoformat(),
            "closed": short_when(r.closed_at, lang, tz) if r.closed_at else "",
            "since": short_when(r.since, lang, tz)
            if r.since and r.execution_status == "running"
            else "",
            "deadline": short_when(r.deadline, lang, tz)
            if r.deadline and r.execution_status == "running"
            else "",
        }
        for r in page.rows
    ]

    def link(**changes: str | None) -> str:
        """The list with these filters changed, from the valid filters only (a bad value
        that was dropped is not carried on)."""
        params: dict[str, str | None] = {**filters.params(), "cari": words or None, **changes}
        if page_size != visibility.DEFAULT_PAGE_SIZE:
            params["per"] = str(page_size)
        kept = {k: v for k, v in params.items() if v is not None}
        return "/proses" + (f"?{urlencode(kept)}" if kept else "")

    return render_page(
        request,
        "bureau/list.html",
        lang,
        {
            "rows": rows,
            "filters": filters,
            "bad": [text(lang, f"filter_{b}", last=len(sop.STEPS)) for b in bad],
            "next_url": url_with(request, halaman=page.next_token) if page.next_token else "",
            "first_url": link() if token else "",
            "counts": counts,
            "step_chips": [
                {
                    "n": n,
                    "count": c,
                    "url": link(step=None if filters.step == n else str(n)),
                    "active": filters.step == n,
                    "role": role_label(lang, sop.step(n).role),
                }
                for n, c in counts.by_step.items()
            ],
            "role_chips": [
                {
                    "code": r,
                    "count": c,
                    "label": role_label(lang, r),
                    "url": link(role=None if filters.role == r else r),
                    "active": filters.role == r,
                }
                for r, c in counts.by_role.items()
            ],
            "overdue_url": link(overdue="true", state="running"),
            "running_url": link(state="running", overdue=None),
            "steps": [
                {
                    "n": s.number,
                    "label": f"{s.number}. {role_label(lang, s.role)} — "
                    f"{short_activity(lang, s.number)}",
                }
                for s in sop.STEPS
            ],
            # The same label as the chips beside it.
            "roles": [{"code": c, "label": role_label(lang, c)} for c in sop.ROLES],
            "people": people_options(people, None),
            "states": [(s.value, state_name(lang, s.value)) for s in visibility.StateFilter],
            "filtered": bool(filters.params()) or bool(words),
            "words": words,
            "more": more,
            "per": str(page_size) if page_size != visibility.DEFAULT_PAGE_SIZE else "",
        },
        signed=signed,
        nav="list",
    )


def _row_state(row: visibility.Row) -> str:
    if row.execution_status not in ("running", "completed"):
        return "stopped"
    return row.state or "running"
