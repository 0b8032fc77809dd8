"""``/docs``: the OpenAPI schema as a plain page, readable without script or a CDN.

Swagger UI would load its script from the internet, which this machine cannot reach and the
pages' policy (no script) forbids. The schema itself stays at ``/openapi.json``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.bureau.render import bureau_lang, render_page
from api.core.auth import SignedInDep
from api.core.i18n import Lang

router = APIRouter(tags=["docs"], include_in_schema=False)
_METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """A short, readable type: ``string (pattern …)``, ``list of Decision``, ``A | null``."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " | ".join(type_of(s) for s in schema[key])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return f"map of {type_of(extra) if isinstance(extra, dict) else 'any'}"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    bounds = [
        f"{k} {schema[k]}"
        for k in ("format", "pattern", "minLength", "maxLength", "minimum", "maximum", "maxItems")
        if k in schema
    ]
    return f"{kind} ({', '.join(bounds)})" if bounds else str(kind)


def _body(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    return ", ".join(
        f"{media}: {type_of(spec.get('schema', {}))}" for media, spec in content.items()
    )


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "params": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required"),
                            "type": type_of(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _body(operation),
                    "responses": [
                        {
                            "status": status,
                            "description": r.get("description", ""),
                            "type": ", ".join(
                                type_of(c.get("schema", {})) if c.get("schema") else media
                                for media, c in r.get("content", {}).items()
                            ),
                        }
                        for status, r in operation.get("responses", {}).items()
                    ],
                    "secured": bool(operation.get("security")),
                }
            )
    schemas = []
    for name, spec in schema.get("components", {}).get("schemas", {}).items():
        required = set(spec.get("required", []))
        schemas.append(
            {
                "name": name,
                "description": spec.get("description", ""),
                "fields": [
                    {
                        "name": field,
                        "type": type_of(prop),
                        "required": field in required,
                        "description": prop.get("description", ""),
                    }
                    for field, prop in spec.get("properties", {}).items()
                ],
                "enum": spec.get("enum"),
            }
        )
    return {"info": schema.get("info", {}), "operations": operations, "schemas": schemas}


@router.get("/docs", response_class=HTMLResponse)
async def docs(
    request: Request, signed: SignedInDep, lang: Annotated[Lang, Depends(bureau_lang)]
) -> HTMLResponse:
    # A bureau page like the others (the machine-readable schema stays public). FastAPI
    # builds the schema once; describing it is quick.
    described = describe(request.app.openapi())
    return render_page(request, "bureau/docs.html", lang, described, signed=signed, nav="docs")
