"""``iku links resend``: mail every open task of this installation a new link.

After the link secret leaked and was replaced (``IKU_LINK_SECRET``, with no
``IKU_LINK_SECRET_PREVIOUS``), every link already mailed is refused. This asks each running
process (Temporal's list of this task queue) for its open task and sends that task's mail
again, as the bureau's "resend" does: its holders get a link signed with the new secret,
and the riwayat says who resent it. The worker signs the new links, so it must run with
the new secret first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from commands.cluster import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    Subparsers,
    settings,
    with_temporal,
)
from common import search_attributes as sa
from common import workflow_calls as calls
from common.models import ProcessState, ResendRequest

AT_ONCE = 8  # processes asked together: a ministry's few thousand in a minute or two


def add_links(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "links",
        help="the task links officials are mailed",
        description="Task links are signed with IKU_LINK_SECRET (README, 'Changing a secret').",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    resend = actions.add_parser(
        "resend",
        help="mail every open task a new link (after the link secret was replaced)",
        description="Sends the mail of every running process's open task again, on "
        "IKU_TASK_QUEUE, as the bureau's 'resend' does: each holder gets a new link, signed "
        "with the secret the worker has now. Safe to run again (it mails again).",
    )
    resend.add_argument(
        "--by",
        help="who resends, as the riwayat shows it (default: the first of IKU_OPS_IDENTITIES)",
    )
    resend.add_argument("--dry-run", action="store_true", help="list the open tasks, send nothing")
    resend.set_defaults(handler=run_resend)


def run_resend(args: argparse.Namespace) -> int:
    config = settings()
    by = args.by or config.ops_identities[0]
    if by not in config.ops_identities:
        print(f"iku: {by!r} is not one of IKU_OPS_IDENTITIES", file=sys.stderr)
        return EXIT_REFUSED
    query = (
        f"WorkflowType = {sa.quote(calls.WORKFLOW_TYPE)} AND ExecutionStatus = 'Running' "
        f"AND TaskQueue = {sa.quote(config.task_queue)}"
    )

    async def job(client: Client) -> int:
        ids = [execution.id async for execution in client.list_workflows(query)]
        # One key for this run of the command: a call the SDK retries is one resend.
        run = time.strftime("%Y%m%dT%H%M%S")
        limit = asyncio.Semaphore(AT_ONCE)
        outcomes = await asyncio.gather(
            *(_resend_one(client, i, by, run, args.dry_run, limit) for i in ids)
        )
        failed = [line for ok, line in outcomes if ok is False]
        resent = sum(1 for ok, _ in outcomes if ok)
        done = "to resend (a dry run)" if args.dry_run else "resent"
        print(
            f"running processes: {len(ids)}; open tasks {done}: {resent}; failed: {len(failed)}",
            file=sys.stderr,
        )
        for line in failed:
            print(f"failed {line}", file=sys.stderr)
        return EXIT_FAILED if failed else EXIT_OK

    return with_temporal(config, job)


async def _resend_one(
    client: Client, workflow_id: str, by: str, run: str, dry_run: bool, limit: asyncio.Semaphore
) -> tuple[bool | None, str]:
    """(True, line) resent, (None, line) nothing open to resend, (False, line) failed."""
    handle = client.get_workflow_handle(workflow_id)
    async with limit:
        try:
            status = await calls.STATUS.ask(handle)
            task = status.task
            if status.state is not ProcessState.RUNNING or task is None:
                return None, f"{workflow_id}: no open task"
            line = f"{workflow_id} {task.id} (langkah {task.step}, {task.role})"
            if not dry_run:
                await calls.RESEND.execute(
                    handle,
                    ResendRequest(task_id=task.id, by=by),
                    id=f"resend-links-{run}-{task.id}",
                )
        except WorkflowUpdateFailedError as err:
            return False, f"{workflow_id}: {err.cause or err}"
        except RPCError as err:
            return False, f"{workflow_id}: {err.status.name} {err.message}"
    print(line)
    return True, line
