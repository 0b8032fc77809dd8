"""The workflow as its callers see it: its type name, and each Update and query by name
with the types it takes and gives.

The web layer and the reporting backfill call the workflow through these, so they need
not import the workflow module (which brings every activity with it); the workflow
declares its handlers under the same names (``workflows.iku``), and a test holds the
types on both sides together (``tests/test_workflow_calls.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from common.models import (
    Assignment,
    CancelRequest,
    Decision,
    DecisionResult,
    ResendRequest,
    StatusView,
    WaitingMail,
)

if TYPE_CHECKING:  # the workflow imports this module too: no client code in its sandbox
    from temporalio.client import WorkflowHandle

A = TypeVar("A")
R = TypeVar("R")

WORKFLOW_TYPE = "IkuWorkflow"


@dataclass(frozen=True)
class Update(Generic[A, R]):
    name: str
    arg: type[A]
    result: type[R]

    async def execute(self, handle: WorkflowHandle[Any, Any], arg: A, **options: Any) -> R:
        answer: R = await handle.execute_update(self.name, arg, result_type=self.result, **options)
        return answer


@dataclass(frozen=True)
class Query(Generic[R]):
    name: str
    result: Any  # a type, or a generic alias such as list[WaitingMail]

    async def ask(self, handle: WorkflowHandle[Any, Any], **options: Any) -> R:
        answer: R = await handle.query(self.name, result_type=self.result, **options)
        return answer


DECIDE: Update[Decision, DecisionResult] = Update("decide", Decision, DecisionResult)
ASSIGN: Update[Assignment, StatusView] = Update("assign", Assignment, StatusView)
RESEND: Update[ResendRequest, StatusView] = Update("resend", ResendRequest, StatusView)
CANCEL: Update[CancelRequest, StatusView] = Update("cancel", CancelRequest, StatusView)
UPDATES = (DECIDE, ASSIGN, RESEND, CANCEL)
# Signals without arguments: the directory's acting appointments changed; the calendar
# changed (its overrides, or what a worker starting finds otherwise than told before).
RECHECK_ACTING = "recheck_acting"
RECHECK_CALENDAR = "recheck_calendar"

STATUS: Query[StatusView] = Query("status", StatusView)
MAIL_WAITING: Query[list[WaitingMail]] = Query("mail_waiting", list[WaitingMail])
QUERIES = (STATUS, MAIL_WAITING)
