"""Errors of the JSON API: one shape, both languages, never a stack trace.

    {"status": 409, "code": "stale_task",
     "message": {"en": "This task is no longer current: ...", "id": "Tugas ini ..."},
     "errors": [...]}            # 422 only: what in the request was wrong, field by field

Codes are the workflow's refusal codes (``workflows.rules.REFUSALS``) or the web layer's
own (``api.core.i18n_bureau.PROBLEMS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.core.i18n_bureau import problem_texts

API_PREFIX = "/api/"


class Messages(BaseModel):
    en: str
    id: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """What every error of the JSON API looks like."""

    status: int
    code: str
    message: Messages
    detail: str = ""
    errors: list[FieldError] = []


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        *,
        detail: str = "",
        headers: Mapping[str, str] | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = list(errors)

    def problem(self) -> Problem:
        english, indonesian = problem_texts(self.code)
        return Problem(
            status=self.status,
            code=self.code,
            message=Messages(en=english, id=indonesian),
            detail=self.detail,
            errors=self.errors,
        )


def problem_response(problem: ApiProblem) -> JSONResponse:
    return JSONResponse(
        problem.problem().model_dump(exclude_defaults=False),
        status_code=problem.status,
        headers=problem.headers,
    )


async def api_problem_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiProblem)
    return problem_response(error)


def _field_errors(error: RequestValidationError) -> list[FieldError]:
    found = []
    for item in error.errors():
        loc = [part if isinstance(part, int) else str(part) for part in item.get("loc", ())]
        found.append(
            FieldError(loc=loc, msg=str(item.get("msg", ""))[:500], type=str(item.get("type", "")))
        )
    return found[:50]


async def validation_handler(request: Request, error: Exception) -> Response:
    """A request the JSON API cannot read: 422 naming each field, in our shape."""
    assert isinstance(error, RequestValidationError)
    if not request.url.path.startswith(API_PREFIX):
        return await request_validation_exception_handler(request, error)
    return problem_response(ApiProblem(422, "invalid_request", errors=_field_errors(error)))


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


async def http_error_handler(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (an unknown path, a wrong method, a body that is not even
    text), in our shape under /api; elsewhere as before."""
    assert isinstance(error, StarletteHTTPException)
    if not request.url.path.startswith(API_PREFIX):
        return await http_exception_handler(request, error)
    if error.status_code == 400:  # a body that cannot be parsed is a request to fix: 422
        return problem_response(ApiProblem(422, "invalid_request", detail=str(error.detail)))
    code = _HTTP_CODES.get(error.status_code, "invalid_request")
    return problem_response(ApiProblem(error.status_code, code, headers=dict(error.headers or {})))


def unexpected_response() -> JSONResponse:
    return problem_response(ApiProblem(500, "error"))
