"""Formats and limits written once, for the workflow, the activities and the web layer.

A task id, a process code, the lengths of a title, a note, a remark, a reason and the SOP
number, the years and revisions a process may have: the models validate with these, the
web layer's forms and the JSON schema say the same, and the catalogue's texts quote the
same numbers (filled in from here, never written again).
"""

from __future__ import annotations

import re
from enum import StrEnum

# A process code: the id is iku-<year>-<code>[-rev<n>].
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
CODE_MAX = 40
TITLE_MAX = 300
NOTE_MAX = 4000  # a decision's note, a disposisi
REMARK_MAX = 1000  # a checklist item's remark
REASON_MAX = 1000  # why a task was assigned, why a process was cancelled
SOP_NUMBER_MAX = 100  # the SOP's registered number, e.g. 1/123/OT.04.00/XI/2026
# The IKU's year and a revision's number, as the start form and the API take them.
YEAR_MIN = 2000
YEAR_MAX = 2100
REVISION_MAX = 99

# A task: "s<step, 2 digits>-<the process's task counter, 3 digits or more>".
TASK_ID_PATTERN = r"^s[0-9]{2}-[0-9]{3,9}$"
_TASK_ID = re.compile(TASK_ID_PATTERN)


def task_id(step: int, seq: int) -> str:
    """The id of the ``seq``-th task of a process, at ``step``: ``s02-002``."""
    return f"s{step:02d}-{seq:03d}"


def step_of(task_id: str) -> int:
    """The step a task id names: 2 for ``s02-002``."""
    return int(task_id[1:3])


def is_task_id(text: str) -> bool:
    return _TASK_ID.fullmatch(text) is not None


class Outcome(StrEnum):
    """What a decision did, as its reply says it."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    HANDED_OVER = "handed_over"
    ARCHIVED = "archived"
    # The archive decision is recorded but the bag could not be built (step 16 reopens).
    ARCHIVE_FAILED = "archive_failed"
