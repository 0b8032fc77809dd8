"""What each audience is told when a process refuses or fails: the one place that says it.

A ``ProcessError`` (a refusal of the workflow, Temporal out of reach, a check that could
not run, a process that is not there) becomes:

- on a task link's page: a ``PageError`` in the reader's language (an unknown process is
  an unknown link: the holder learns nothing about other processes);
- on a bureau page: a ``PageError`` in the reader's language, rendered in the bureau frame;
- on the JSON API: an ``ApiProblem`` (code and both languages).

Routers let the error rise; the handler in ``api.app`` picks the audience by the path
(``audience_of``) and renders what this module says.
"""

from __future__ import annotations

from enum import Enum

from api.core.gateway import ProcessError
from api.core.i18n import Lang, text
from api.core.json_errors import API_PREFIX, ApiProblem
from api.core.problems import PageError

TASK_PREFIX = "/t/"
# Said in the detail of an answer Temporal keeps under the request's key.
NEW_KEY = "This answer is kept under the Idempotency-Key: a retry needs a new key."
# Said of a request Temporal took but no worker has applied yet: only the same key (and
# body) joins it; a retry without one is a new request, refused once the first is applied.
SAME_KEY = (
    "Taken, not yet applied: it will be once a worker runs. Retry with the same "
    "Idempotency-Key and body to get its answer."
)


class Audience(Enum):
    TASK_PAGE = "task"
    BUREAU_PAGE = "bureau"
    JSON = "json"


def audience_of(path: str) -> Audience:
    if path.startswith(API_PREFIX):
        return Audience.JSON
    if path.startswith(TASK_PREFIX):
        return Audience.TASK_PAGE
    return Audience.BUREAU_PAGE


_TASK_TITLES = {
    403: "not_assignee_title",
    404: "not_found_title",
    409: "link_stale_title",
    422: "refused_title",
    503: "unavailable_title",
}
_BUREAU_TITLES = {
    401: "signin_title",
    403: "forbidden_title",
    404: "not_found_title",
    409: "conflict_title",
    413: "too_large_title",
    422: "request_refused_title",  # a form or a filter, not an official's decision
    429: "unavailable_title",
    503: "unavailable_title",
}


def unknown_link(lang: Lang) -> PageError:
    return PageError(404, text(lang, "link_unknown_title"), [text(lang, "link_unknown")])


def waiting_page(lang: Lang, headers: dict[str, str] | None = None) -> PageError:
    """The decision was taken by Temporal but no worker has applied it yet: 202, since it
    will be applied when one runs; the same form again is safe (the same update)."""
    return PageError(
        202,
        text(lang, "waiting_title"),
        [text(lang, "waiting"), text(lang, "waiting_check")],
        headers=headers,
    )


def for_task_page(err: ProcessError, lang: Lang) -> PageError:
    """A failure or refusal, as a task link's page."""
    if err.code == "not_found":  # the link names a process Temporal does not know
        return unknown_link(lang)
    if err.code == "waiting":
        return waiting_page(lang, err.headers)
    return PageError(
        err.status,
        text(lang, _TASK_TITLES.get(err.status, "error_title")),
        [err.text(lang)],
        headers=err.headers,
    )


def for_bureau_page(err: ProcessError, lang: Lang) -> PageError:
    """A failure or refusal, as a bureau page (the frame adds the way back to the list)."""
    return PageError(
        err.status,
        text(lang, _BUREAU_TITLES.get(err.status, "error_title")),
        [err.text(lang)],
        headers=err.headers,
    )


def for_json(err: ProcessError) -> ApiProblem:
    """A failure or refusal, as the JSON API's one error shape."""
    detail = err.detail or (NEW_KEY if err.new_key else SAME_KEY if err.code == "waiting" else "")
    return ApiProblem(err.status, err.code, detail=detail, headers=err.headers)
