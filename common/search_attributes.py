"""Custom search attributes: what ops filter on in the Temporal UI.

Only codes and opaque directory ids: search attributes are stored unencrypted.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

YEAR = SearchAttributeKey.for_int("IkuYear")
CODE = SearchAttributeKey.for_keyword("IkuCode")
STEP = SearchAttributeKey.for_int("IkuStep")
ROLE = SearchAttributeKey.for_keyword("IkuRole")
ASSIGNEE = SearchAttributeKey.for_keyword_list("IkuAssignee")
OVERDUE = SearchAttributeKey.for_bool("IkuOverdue")
STATE = SearchAttributeKey.for_keyword("IkuState")
# IkuState of a run refused at its start because its id belongs to an ended process: not a
# process of its own (the ProcessState values are the others).
REFUSED = "refused"
# The open task's arrival and deadline: "since when" and "until when" at a glance.
SINCE = SearchAttributeKey.for_datetime("IkuSince")
DEADLINE = SearchAttributeKey.for_datetime("IkuDeadline")

ALL: tuple[SearchAttributeKey, ...] = (
    YEAR,
    CODE,
    STEP,
    ROLE,
    ASSIGNEE,
    OVERDUE,
    STATE,
    SINCE,
    DEADLINE,
)


def quote(value: str) -> str:
    """A string literal of the visibility query language, escaped whatever it holds, so no
    value can become an injection. (An escaped backslash then matches nothing on the dev
    server: the values queried hold none, by validation.)"""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
