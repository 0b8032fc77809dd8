"""``/proses/baru``: the start form, and starting a process from it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.bureau.forms import checked_form, field, short_activity
from api.bureau.render import LangDep, render_page
from api.bureau.urls import process_url
from api.core import gateway
from api.core.auth import SignedIn, SignedInDep
from api.core.deps import SettingsDep, TemporalDep, today
from api.core.gateway import ProcessError
from api.core.i18n import Lang, role_label, text
from api.core.i18n_bureau import state_name
from common.models import ProcessInput
from common.settings import Settings
from workflows import sop

router = APIRouter(tags=["bureau"], include_in_schema=False)


def _start_values(settings: Settings, form: FormData | None = None) -> dict[str, str]:
    if form is None:
        return {
            "year": str(today().year + 1),
            "code": "",
            "revision": "0",
            # The SOP's registered number, from the deployment's settings (never a placeholder).
            "sop_number": settings.sop_number,
            "title": "",
        }
    return {
        "year": field(form, "year", 10).strip(),
        "code": field(form, "code", 60).strip().lower(),
        "revision": field(form, "revision", 10).strip() or "0",
        "sop_number": field(form, "sop_number", 200).strip(),
        "title": field(form, "title", 400).strip(),
    }


def _start_page(
    request: Request,
    lang: Lang,
    signed: SignedIn,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: list[str] | None = None,
    existing: str = "",
    confirm: str = "",
    status: int = 200,
) -> HTMLResponse:
    """``confirm``: the id the form would start, to be confirmed before it is taken."""
    return render_page(
        request,
        "bureau/start.html",
        lang,
        {
            "v": values,
            "errors": errors or {},
            "error": error or [],
            "existing": existing,
            "confirm": confirm,
            "steps": [
                {
                    "n": s.number,
                    "role": role_label(lang, s.role),
                    "activity": short_activity(lang, s.number, limit=200),
                }
                for s in sop.STEPS
            ],
        },
        signed=signed,
        status=status,
        nav="start",
    )


@router.get("/proses/baru", response_class=HTMLResponse)
async def start_form(
    request: Request, signed: SignedInDep, lang: LangDep, settings: SettingsDep
) -> Response:
    return _start_page(request, lang, signed, _start_values(settings))


@router.post("/proses/baru", response_class=HTMLResponse)
async def start_process(
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> Response:
    form = await checked_form(request, signed, lang, settings)
    if form is None:
        return _start_page(
            request,
            lang,
            signed,
            _start_values(settings),
            status=403,
            error=[text(lang, "csrf_failed")],
        )
    values = _start_values(settings, form)
    try:
        process = ProcessInput(
            year=values["year"],
            code=values["code"],
            revision=values["revision"],
            sop_number=values["sop_number"],
            title=values["title"],
            started_by=signed.identity.who,
        )
    except ValidationError as err:
        fields = {str(e["loc"][0]) for e in err.errors() if e.get("loc")}
        return _start_page(
            request,
            lang,
            signed,
            values,
            status=422,
            errors={f: text(lang, f"start_bad_{f}") for f in fields if f in values},
            error=[text(lang, "start_invalid")],
        )
    wid = process.workflow_id()

    def taken_page(state: str) -> HTMLResponse:
        line = text(
            lang, "already_started_as", id=wid, state=state_name(lang, state) if state else "—"
        )
        error = [line, text(lang, "use_revision")]
        return _start_page(request, lang, signed, values, status=409, error=error, existing=wid)

    try:
        # Taken here, not as a dependency: Temporal out of reach keeps what was typed.
        client = await gateway.client_of(temporal)
        if field(form, "confirm", 10) != "ya" or field(form, "confirm_id", 120) != wid:
            # Asked once, with the id it takes for good (a form changed since is asked
            # again); an id already taken is said at once.
            state = await gateway.taken(client, wid)
            if state is not None:
                return taken_page(state)
            return _start_page(request, lang, signed, values, confirm=wid)
        workflow_id, run_id = await gateway.start(client, settings, process)
    except ProcessError as err:
        if err.code == "already_started":
            return taken_page(err.detail)
        return _start_page(request, lang, signed, values, status=err.status, error=[err.text(lang)])
    # No waiting for the first task: until the workflow holds it, the banner says it is
    # being prepared.
    return RedirectResponse(f"{process_url(workflow_id, run_id)}?ok=started", status_code=303)
