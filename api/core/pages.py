"""Rendering: one Jinja environment, one inline stylesheet allowed by its hash, no script."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.core.i18n import Lang, text
from api.core.problems import PageError
from common import formats

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
# Read once: the Content-Security-Policy names this exact text by its hash.
CSS = (TEMPLATES_DIR / "style.css").read_text(encoding="utf-8")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,  # a misspelt name fails a test, not an official's page
    trim_blocks=True,
    lstrip_blocks=True,
)
# The forms' maxlength, min and max: the limits the models check, from common.formats.
_env.globals["limits"] = {
    name.lower(): getattr(formats, name)
    for name in (
        "CODE_MAX",
        "TITLE_MAX",
        "NOTE_MAX",
        "REMARK_MAX",
        "REASON_MAX",
        "SOP_NUMBER_MAX",
        "YEAR_MIN",
        "YEAR_MAX",
        "REVISION_MAX",
    )
}


def render(
    name: str,
    lang: Lang,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    html = _env.get_template(name).render(
        **context,
        lang=lang,
        t=partial(text, lang),
        css=CSS,
    )
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def render_problem(error: PageError, lang: Lang) -> HTMLResponse:
    return render(
        "problem.html",
        lang,
        {
            "title": error.title,
            "lines": error.lines,
            "details": error.details,
            "status": error.status,
            "calm": error.calm,
        },
        status=error.status,
        headers=error.headers,
    )
