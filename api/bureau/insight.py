"""The bureau's insight: the Kinerja SOP page (figures and charts, for a period, unit and
SOP), its exports (XLSX, CSV, XES), and the archives by classification with what falls due.

Charts are SVG drawn on the server (``reporting.charts``); the page allows exactly their
stylesheets by hash, so it works, and stays free of script, like every bureau page.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from api.bureau.render import BUREAU_CSS, LangDep, render_page
from api.core import worktime
from api.core.auth import SignedInDep
from api.core.deps import SettingsDep
from api.core.downloads import content_disposition
from api.core.i18n import Lang, role_label, text
from api.core.i18n_bureau import short_when
from api.core.pages import CSS
from api.core.problems import PageError
from api.core.reporting import ReportingDep
from api.core.security import content_security_policy
from common.settings import Settings
from reporting import charts
from reporting.archives import by_classification, due_in
from reporting.exports import (
    EVENT_COLUMNS,
    STEP_COLUMNS,
    figures_xlsx,
    step_rows,
    to_csv,
    to_xes,
    to_xlsx,
)
from reporting.figures import NO_ITEM, Figures
from reporting.service import FILTER_PARAMS, BadFilter, Reporting, parse_filters
from workflows import sop

router = APIRouter(tags=["bureau"], include_in_schema=False)


async def figures_for(
    request: Request, settings: Settings, lang: str, reporting: Reporting
) -> tuple[Figures, str]:
    """The figures for the request's filters, and the filters as a query string."""
    try:
        filters = parse_filters(request.query_params, settings.timezone)
    except BadFilter as bad:
        field = text(lang, f"insight_f_{bad.field}")
        raise PageError(
            400,
            text(lang, "insight_bad_filter"),
            [text(lang, "insight_bad_filter_hint", field=field)],
        ) from None
    got = await asyncio.to_thread(reporting.figures, filters, datetime.now(UTC))
    keep = {k: v for k, v in request.query_params.items() if k in FILTER_PARAMS and v}
    return got, urlencode(keep)


async def _figures(
    request: Request, lang: LangDep, settings: SettingsDep, reporting: ReportingDep
) -> Figures:
    got, _ = await figures_for(request, settings, lang, reporting)
    return got


# The figures for the request's filters (the exports'; a bad filter answers 400).
FiguresDep = Annotated[Figures, Depends(_figures)]


def _hours(value: float | None, lang: Lang) -> str:
    return "–" if value is None else worktime.number(value, lang)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@router.get("/kinerja", response_class=HTMLResponse)
async def kinerja(
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    reporting: ReportingDep,
) -> Response:
    got, query = await figures_for(request, settings, lang, reporting)
    reader = charts.Reader(text(lang, "insight_no_data"), lambda v: worktime.number(v, lang))
    drawn = [
        charts.time_per_step(
            got,
            text(lang, "insight_chart_time"),
            (
                text(lang, "insight_median"),
                text(lang, "insight_p90"),
                text(lang, "insight_allowed"),
            ),
            reader,
            text(lang, "insight_hours"),
        ),
        charts.returns_per_step(
            got, text(lang, "insight_chart_returns"), text(lang, "insight_returns"), reader
        ),
        charts.on_time_by_role(
            got,
            text(lang, "insight_chart_on_time"),
            reader,
            lambda role: role_label(lang, role),
        ),
    ]
    steps = [
        {
            "step": r.step,
            "role": role_label(lang, r.role or ""),
            "standard": worktime.standard(r.standard_time, lang),
            "passes": r.passes,
            "returns": r.returns,
            "median": _hours(r.median_hours, lang),
            "p90": _hours(r.p90_hours, lang),
            "allowed": _hours(r.median_allowed_hours, lang),
            "on_time": _share(r.on_time_share),
            "escalations": r.escalations,
            "acting": r.by_acting,
            "reasons": ", ".join(
                f"{_reason(code, lang)} ({n})" for code, n in r.return_reasons.items()
            ),
        }
        for r in got.steps
    ]
    on_time = [
        {
            "role": role_label(lang, role),
            "months": [(m, _share(v)) for m, v in months.items()],
        }
        for role, months in got.on_time_by_role.items()
    ]
    waiting = [
        {
            "id": w.workflow_id,
            "year": w.year,
            "step": w.step,
            "role": role_label(lang, w.role or ""),
            "since": short_when(w.since, lang, settings.timezone) if w.since else "–",
            "waiting": _hours(w.waiting_hours, lang),
            "running": _hours(w.running_hours, lang),
        }
        for w in got.longest_running
    ]
    context: dict[str, Any] = {
        "charts": {c.key: c.svg for c in drawn},
        "steps": steps,
        "on_time": on_time,
        "waiting": waiting,
        "years": [
            {
                **vars(y),
                "on_time": _share(y.on_time_share),
                "median": _hours(y.median_process_hours, lang),
            }
            for y in got.years
        ],
        "q": {k: request.query_params.get(k, "") for k in FILTER_PARAMS},
        "query": query,
    }
    response = render_page(
        request, "bureau/kinerja.html", lang, context, signed=signed, nav="insight"
    )
    # The charts' own stylesheets, each allowed by its hash (see SecurityHeaders).
    response.headers["Content-Security-Policy"] = content_security_policy(
        CSS, BUREAU_CSS, *(c.stylesheet for c in drawn if c.stylesheet)
    )
    return response


def _download(body: bytes, name: str, media_type: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": content_disposition(name)}
    )


def _reason(code: str, lang: Lang) -> str:
    """A return's reason, a checklist item by its code in the record, in its words."""
    if code == NO_ITEM:
        return text(lang, "insight_no_item")
    return sop.item_text(code, lang)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/kinerja/angka.xlsx")
async def figures_xlsx_export(
    signed: SignedInDep, got: FiguresDep, settings: SettingsDep, lang: LangDep
) -> Response:
    body = await asyncio.to_thread(figures_xlsx, got, ZoneInfo(settings.timezone), lang)
    return _download(body, "kinerja-sop.xlsx", XLSX)


@router.get("/kinerja/angka.csv")
async def figures_csv_export(
    signed: SignedInDep, got: FiguresDep, settings: SettingsDep
) -> Response:
    body = to_csv(STEP_COLUMNS, step_rows(got), ZoneInfo(settings.timezone))
    return _download(body, "kinerja-sop.csv", "text/csv; charset=utf-8")


async def _events(reporting: Reporting) -> list[dict[str, Any]]:
    return await asyncio.to_thread(reporting.events)


@router.get("/kinerja/peristiwa.csv")
async def events_csv(
    signed: SignedInDep, reporting: ReportingDep, settings: SettingsDep
) -> Response:
    rows = await _events(reporting)
    body = to_csv(EVENT_COLUMNS, rows, ZoneInfo(settings.timezone))
    return _download(body, "peristiwa-sop.csv", "text/csv; charset=utf-8")


@router.get("/kinerja/peristiwa.xlsx")
async def events_xlsx(
    signed: SignedInDep, reporting: ReportingDep, settings: SettingsDep, lang: LangDep
) -> Response:
    rows = await _events(reporting)
    sheets = [("events", EVENT_COLUMNS, rows)]
    body = await asyncio.to_thread(to_xlsx, sheets, ZoneInfo(settings.timezone), lang)
    return _download(body, "peristiwa-sop.xlsx", XLSX)


@router.get("/kinerja/peristiwa.xes")
async def events_xes(signed: SignedInDep, reporting: ReportingDep) -> Response:
    rows = await _events(reporting)
    return _download(await asyncio.to_thread(to_xes, rows), "peristiwa-sop.xes", "application/xml")


@router.get("/arsip", response_class=HTMLResponse)
async def archives_page(
    request: Request,
    signed: SignedInDep,
    lang: LangDep,
    settings: SettingsDep,
    reporting: ReportingDep,
) -> Response:
    raw = request.query_params.get("tahun", "").strip()
    this_year = datetime.now(ZoneInfo(settings.timezone)).year
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise PageError(400, text(lang, "insight_bad_filter"), [text(lang, "insight_f_tahun")])
    year = int(raw) if raw else this_year
    rows = await asyncio.to_thread(reporting.archives)
    to_inactive, to_dispose = due_in(rows, year)
    return render_page(
        request,
        "bureau/arsip_klasifikasi.html",
        lang,
        {
            "groups": by_classification(rows),
            "year": year,
            "to_inactive": to_inactive,
            "to_dispose": to_dispose,
        },
        signed=signed,
        nav="archives",
    )
