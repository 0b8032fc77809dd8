"""Query parameters the JSON API does not know are refused, not ignored.

The OpenAPI schema lists every parameter of every operation: a misspelt filter
(``?stat=running``) silently ignored would answer a question nobody asked. So an unknown
name gets the 422 a wrong value gets, naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request

from api.core.json_errors import ApiProblem, FieldError

_KNOWN: dict[int, frozenset[str]] = {}


def _known(route: object) -> frozenset[str]:
    key = id(route)
    if key not in _KNOWN:
        dependant = getattr(route, "dependant", None)
        _KNOWN[key] = frozenset(_query_names(dependant)) if dependant is not None else frozenset()
    return _KNOWN[key]


def _query_names(dependant: Any) -> Iterator[str]:
    """The query parameters of an operation and of every dependency it has."""
    for param in dependant.query_params:
        yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


async def no_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if route is None:
        return
    unknown = sorted(set(request.query_params) - _known(route))
    if unknown:
        raise ApiProblem(
            422,
            "invalid_request",
            errors=[
                FieldError(
                    loc=["query", name[:100]], msg="unknown parameter", type="extra_forbidden"
                )
                for name in unknown[:20]
            ],
        )
