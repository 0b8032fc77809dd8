"""The reporting database as a dependency of the routes (one per app, made on first use)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reporting.service import Reporting


async def get_reporting(request: Request) -> Reporting:
    found = getattr(request.app.state, "reporting", None)
    if found is None:
        found = request.app.state.reporting = Reporting(request.app.state.settings)
    return found  # type: ignore[no-any-return]


ReportingDep = Annotated[Reporting, Depends(get_reporting)]
