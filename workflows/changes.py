"""Which of the changes since v0.1.0 a run takes, each asked once with ``workflow.patched``.

A process lives for months, so a change to what ``IkuWorkflow`` does next is taken only by
runs that record it; runs that did not keep their old path. ``PATCHES.md`` tells each
change's story; this module holds their ids, the folds that record many as one, and the
order in which each kind of run asks for them (a replay must ask as its history did).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from temporalio import workflow

# The changes since v0.1.0 that touch running histories, each once a patch of its own. A run
# started now records them all as one patch, a fold (a marker and a search attribute per
# patch, two history events each, and the worker keeps every marker's command and state
# machine for as long as it keeps the run). A fold is fixed for ever, since the runs that
# recorded it took exactly its list: a later change makes a new fold.
CHANGES_AFTER_V0_1_0 = "changes-after-v0.1.0"
CHANGES_AFTER_V0_1_0_COVERS = (
    "one-lookup-per-step",
    "reports-once-settled",
    "one-lookup-per-wake",
    "reports-written-locally",
    "reports-after-mail",
    "one-local-activity-at-a-time",
    "handlers-after-their-task",
)
# The signature check at 8-11 and the official number as local activities: one marker in the
# decision's workflow task each, where an activity costs six events and a second task.
CHECKS_LOCALLY = "checks-locally"
CHANGES_AFTER_V0_1_0_B = "changes-after-v0.1.0-b"
CHANGES_AFTER_V0_1_0_B_COVERS = (*CHANGES_AFTER_V0_1_0_COVERS, CHECKS_LOCALLY)
# Fewer commands before a run waits (PATCHES.md): no memo or search attribute upserted that
# its start gave, a new process's two first lookups in one local activity, and the fold
# asked before any handler of the first activation runs.
LEAN_RUN_START = "lean-run-start"
CHANGES_AFTER_V0_1_0_C = "changes-after-v0.1.0-c"
CHANGES_AFTER_V0_1_0_C_COVERS = (*CHANGES_AFTER_V0_1_0_B_COVERS, LEAN_RUN_START)
# An open task wakes on the day an acting appointment of one of its holders begins or ends,
# and is mailed to whoever holds it that day (PATCHES.md).
FOLLOWS_ACTING = "follows-acting"
CHANGES_AFTER_V0_1_0_D = "changes-after-v0.1.0-d"
CHANGES_AFTER_V0_1_0_D_COVERS = (*CHANGES_AFTER_V0_1_0_C_COVERS, FOLLOWS_ACTING)
# A revised calendar takes effect on an open task at once: the worker's calendar watcher
# signals recheck_calendar, and the task asks for its deadline again (PATCHES.md).
FOLLOWS_CALENDAR = "follows-calendar"
CHANGES_AFTER_V0_1_0_E = "changes-after-v0.1.0-e"
CHANGES_AFTER_V0_1_0_E_COVERS = (*CHANGES_AFTER_V0_1_0_D_COVERS, FOLLOWS_CALENDAR)
# The riwayat says when an open task's deadline moved, and to when (PATCHES.md).
RECORDS_DEADLINE_MOVES = "records-deadline-moves"
CHANGES_AFTER_V0_1_0_F = "changes-after-v0.1.0-f"
CHANGES_AFTER_V0_1_0_F_COVERS = (*CHANGES_AFTER_V0_1_0_E_COVERS, RECORDS_DEADLINE_MOVES)
# The riwayat writes every deadline a task is held to, from its entry on, and the reporting
# database measures the step against the last one (PATCHES.md).
RECORDS_DEADLINES = "records-deadlines"
CHANGES_AFTER_V0_1_0_G = "changes-after-v0.1.0-g"
CHANGES_AFTER_V0_1_0_G_COVERS = (*CHANGES_AFTER_V0_1_0_F_COVERS, RECORDS_DEADLINES)
# Reminders and escalations go out in office hours only: a wake that comes outside them (late
# after an outage, or a calendar revised at night) holds them until the next opening.
MAILS_IN_OFFICE_HOURS = "mails-in-office-hours"
# The fold a run started now records.
CHANGES_AFTER_V0_1_0_H = "changes-after-v0.1.0-h"
CHANGES_AFTER_V0_1_0_H_COVERS = (*CHANGES_AFTER_V0_1_0_G_COVERS, MAILS_IN_OFFICE_HOURS)
# The folds asked as a run starts (lean-run-start and after), newest first: the first one a
# run recorded is the one it took.
_LEAN_FOLDS = (
    (CHANGES_AFTER_V0_1_0_H, CHANGES_AFTER_V0_1_0_H_COVERS),
    (CHANGES_AFTER_V0_1_0_G, CHANGES_AFTER_V0_1_0_G_COVERS),
    (CHANGES_AFTER_V0_1_0_F, CHANGES_AFTER_V0_1_0_F_COVERS),
    (CHANGES_AFTER_V0_1_0_E, CHANGES_AFTER_V0_1_0_E_COVERS),
    (CHANGES_AFTER_V0_1_0_D, CHANGES_AFTER_V0_1_0_D_COVERS),
    (CHANGES_AFTER_V0_1_0_C, CHANGES_AFTER_V0_1_0_C_COVERS),
)


@dataclass(frozen=True)
class Changes:
    """Which of the changes since v0.1.0 a run takes: one field per patch id above (its
    dashes as underscores), so a name that matches no field fails the run's start."""

    one_lookup_per_step: bool = False
    reports_once_settled: bool = False
    one_lookup_per_wake: bool = False
    reports_written_locally: bool = False
    reports_after_mail: bool = False
    one_local_activity_at_a_time: bool = False
    handlers_after_their_task: bool = False
    checks_locally: bool = False
    lean_run_start: bool = False
    follows_acting: bool = False
    follows_calendar: bool = False
    records_deadline_moves: bool = False
    records_deadlines: bool = False
    mails_in_office_hours: bool = False

    @classmethod
    def taken(cls, patch_ids: Iterable[str]) -> Changes:
        return cls(**{patch_id.replace("-", "_"): True for patch_id in patch_ids})


def at_start() -> Changes:
    """The fold a run records now, asked before any handler of its first activation runs: an
    Update that reached a continued run at once ran before ``run()`` did, under no change
    at all. No change for a run of an earlier fold: ``run()`` asks ``of_earlier_fold``."""
    return Changes.taken(
        next((covers for fold, covers in _LEAN_FOLDS if workflow.patched(fold)), ())
    )


def of_earlier_fold() -> Changes:
    """The changes a run of an earlier fold took, asked in the order its history has them."""
    if workflow.patched(CHANGES_AFTER_V0_1_0_B):
        return Changes.taken(CHANGES_AFTER_V0_1_0_B_COVERS)
    if workflow.patched(CHANGES_AFTER_V0_1_0):
        # Started before the second fold; on 8f58cff with the checks as a patch apart.
        taken = list(CHANGES_AFTER_V0_1_0_COVERS)
        if workflow.patched(CHECKS_LOCALLY):
            taken.append(CHECKS_LOCALLY)
        return Changes.taken(taken)
    # A run of v0.1.0 (none of them), or one started between the changes.
    return Changes.taken(c for c in CHANGES_AFTER_V0_1_0_COVERS if workflow.patched(c))
