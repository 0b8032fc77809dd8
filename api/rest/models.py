"""Request and response bodies of the JSON API (``/api``), beyond the workflow's own models.

Every request body forbids unknown fields and bounds every string, so a bad request gets a
422 naming the field, and nothing unbounded reaches Temporal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from api.core.gateway import WORKFLOW_ID
from api.core.visibility import ProcessRow
from common.formats import CODE_PATTERN, REVISION_MAX, TASK_ID_PATTERN, YEAR_MAX, YEAR_MIN
from common.models import Decision, Model, PersonId, Reason, RequiredReason, SopNumber, Title
from common.sop_identity import check_sop_number

TaskId = Annotated[str, StringConstraints(pattern=TASK_ID_PATTERN)]
WorkflowId = Annotated[str, StringConstraints(pattern=WORKFLOW_ID.pattern)]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]


class StartBody(Model):
    """A new IKU process. Its id is ``iku-<year>-<code>``, with ``-rev<n>`` for a revision."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, examples=[2027])
    code: Code = Field(examples=["kemnaker"])
    title: Title = Field(examples=["IKU Kementerian Ketenagakerjaan 2027"])
    # The SOP's registered number; left out, the deployment's (IKU_SOP_NUMBER). A template
    # placeholder such as 1/.../OT.04.00/./... is refused.
    sop_number: Annotated[SopNumber, AfterValidator(check_sop_number)] | None = Field(
        default=None, examples=["1/123/OT.04.00/XI/2026"]
    )
    revision: int = Field(default=0, ge=0, le=REVISION_MAX)


class Started(Model):
    workflow_id: WorkflowId
    run_id: str = Field(
        description="The process's run: with the id, its address for good (`?run_id=` on "
        "the API, `/proses/<id>/<run>` for the page)"
    )
    status_url: str
    page_url: str


class DecideBody(Decision):
    """A decision for the current task, as the official named in ``person`` (ops only: the
    workflow checks that this person may act on the task). ``via`` is set by the server to
    the signed-in ops identity, and recorded."""

    task_id: TaskId


class AssignBody(Model):
    task_id: TaskId
    person: PersonId
    reason: Reason = ""


class ResendBody(Model):
    task_id: TaskId


class CancelBody(Model):
    reason: RequiredReason


class ProcessList(Model):
    items: list[ProcessRow]
    next_page_token: str | None = Field(
        description="Pass as page_token, with the same filters and page_size, for the next "
        "page; null on the last one."
    )


class ProcessCounts(Model):
    """Running processes matching the other filters, per step and per role."""

    by_step: dict[str, int]
    by_role: dict[str, int]
    running: int
    overdue: int


class ArchiveReport(Model):
    bag_name: str
    files: int
    bytes: int
    created_at: datetime
    valid_when_built: bool
    valid_now: bool
    problem: str | None = Field(description="Why the bag is not valid now, if it is not.")
    download_url: str
