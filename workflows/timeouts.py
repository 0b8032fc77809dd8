"""The timeouts and retries of every activity the workflow runs, in one place: what each
side effect may take, how often it is tried, and what a lookup that gave up looks like."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as TimedOut

# Directory and calendar lookups are quick local reads. They give up after a few seconds (a
# broken file is for ops to fix, and a decision's answer waits on them): meanwhile the task
# waits unassigned (directory) or without a deadline (calendar) rather than the whole
# process standing still.
LOOKUP: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=10),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3),
}
# How a local activity that gave up reaches the workflow: an ActivityError; or, replayed
# from its marker (and after local retries on the time-skipping test server), the bare
# failure it ended with, the ApplicationError it raised or the timeout it ran into.
LOOKUP_FAILED = (ActivityError, ApplicationError, TimedOut)
# A decision waits on this check, so it gives up soon and the person is told to retry.
DECISION_CHECK: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_attempts=3),
}
# Validating signatures runs pyHanko in the pool: a tenth of a second, more behind a queue
# (a local activity that outlasts its workflow task has the SDK keep the task alive).
SIGNATURE_CHECK: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_attempts=3),
}
# Mail: about an hour of retries, then the failure is recorded and the process goes on (the
# bureau can resend). The activity heartbeats while it sends, so a worker that dies mid-send
# delays the mail by the heartbeat timeout, not by the whole start-to-close timeout.
MAIL: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=2),
    "heartbeat_timeout": timedelta(seconds=20),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=10),
        maximum_interval=timedelta(minutes=10),
        maximum_attempts=12,
    ),
}
ARCHIVE: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=30),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        maximum_interval=timedelta(minutes=10),
        maximum_attempts=20,
        non_retryable_error_types=["DocumentMissing"],
    ),
}
# The reporting database: about an hour of retries, then the batch is left to the backfill
# (`iku reporting backfill`) and the process goes on.
REPORT: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=1),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=5),
        maximum_interval=timedelta(minutes=10),
        maximum_attempts=12,
    ),
}
# A batch first goes as a local activity (one history event, not six); a database that does
# not answer at once leaves it to _REPORT's retries.
REPORT_LOCALLY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=3),
    "retry_policy": RetryPolicy(maximum_attempts=1),
}
