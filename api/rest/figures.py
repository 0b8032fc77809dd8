"""``/api/figures``: the Kinerja SOP figures as JSON, for the same filters as the page
(``tahun``, ``kode``, ``sop``, ``dari``, ``sampai``); ``/api/events.xes`` the event log."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.core.auth import ApiIdentityDep
from api.core.deps import SettingsDep
from api.core.downloads import content_disposition
from api.core.json_errors import ApiProblem, FieldError
from api.core.reporting import ReportingDep
from api.rest.routes import problem_responses
from api.rest.strict_query import no_unknown_query
from reporting.exports import to_xes
from reporting.service import BadFilter, parse_filters

router = APIRouter(prefix="/api", tags=["reporting"], dependencies=[Depends(no_unknown_query)])

# The page's filters, by the page's names (read by ``reporting.service.parse_filters``).
Year = Annotated[str | None, Query(description="The IKU's year, e.g. 2027.")]
Code = Annotated[str | None, Query(description="The unit's code, e.g. kemnaker.")]
SopNumber = Annotated[str | None, Query(description="The SOP's registered number.")]
From = Annotated[
    str | None, Query(description="Decisions from this day (YYYY-MM-DD, WIB), included.")
]
Until = Annotated[
    str | None, Query(description="Decisions up to this day (YYYY-MM-DD, WIB), included.")
]


@router.get("/figures", responses=problem_responses())
async def figures(
    request: Request,
    settings: SettingsDep,
    reporting: ReportingDep,
    _: ApiIdentityDep,
    tahun: Year = None,
    kode: Code = None,
    sop: SopNumber = None,
    dari: From = None,
    sampai: Until = None,
) -> dict[str, Any]:
    """Per step and role: passes, median and p90 working hours against the standard,
    on-time share, returns and their reasons, escalations; on-time share per role by month;
    the longest-running processes; year against year."""
    try:
        filters = parse_filters(request.query_params, settings.timezone)
    except BadFilter as bad:
        raise ApiProblem(
            422,
            "invalid_request",
            errors=[FieldError(loc=["query", bad.field], msg="not readable", type="value_error")],
        ) from None
    got = await asyncio.to_thread(reporting.figures, filters, datetime.now(UTC))
    return dataclasses.asdict(got)


@router.get(
    "/events.xes",
    response_class=Response,
    responses=problem_responses(),
)
async def events_xes(reporting: ReportingDep, _: ApiIdentityDep) -> Response:
    """The raw event log as XES (IEEE 1849), one trace per process."""
    rows = await asyncio.to_thread(reporting.events)
    body = await asyncio.to_thread(to_xes, rows)
    return Response(
        body,
        media_type="application/xml",
        headers={"Content-Disposition": content_disposition("peristiwa-sop.xes")},
    )
