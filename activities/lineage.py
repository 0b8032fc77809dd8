"""Whether a process id was already used by a process that ran to its end.

A process id stays one process for ever: an IKU archived or cancelled under an id keeps it,
and a new attempt is a revision (``-rev<n>``). The bureau's start and the printed commands
already ask Temporal to refuse such a start; this is the workflow's own check, for a start
that came some other way (an old command, a script, the Temporal UI). It asks two
witnesses: the archive folder (a bag is named ``<workflow id>--<run id>``) and Temporal's
visibility (an earlier run whose ``IkuState`` is archived or cancelled).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from temporalio import activity
from temporalio.service import RPCError

from common import search_attributes as sa
from common.models import EarlierRun, EarlierRunRequest, ProcessState
from common.settings import Settings

_ENDED = (ProcessState.ARCHIVED.value, ProcessState.CANCELLED.value)
_RPC_TIMEOUT = timedelta(seconds=5)


class LineageActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn(name="find_earlier_run")
    async def find_earlier_run(self, request: EarlierRunRequest) -> EarlierRun | None:
        """An earlier run of this id that was archived or cancelled, if there is one."""
        bag = await asyncio.to_thread(_bag_of, self._settings.archive_dir, request.workflow_id)
        if bag is not None:
            return EarlierRun(run_id=bag, state=ProcessState.ARCHIVED)
        # The id is checked by the workflow against iku-<year>-<code>[-rev<n>] before this
        # runs, so it is safe inside quotes.
        query = f"WorkflowId = '{request.workflow_id}'"
        try:
            async for execution in activity.client().list_workflows(
                query, rpc_timeout=_RPC_TIMEOUT
            ):
                if execution.run_id == request.run_id:
                    continue
                state = execution.typed_search_attributes.get(sa.STATE)
                if state in _ENDED:
                    return EarlierRun(run_id=execution.run_id, state=ProcessState(state))
        except RPCError as err:
            # A server without a visibility store (the time-skipping test server) cannot
            # say; the archive folder has spoken, and the start's id-reuse policy is the
            # first guard.
            activity.logger.warning("visibility not asked: %s", err.status.name)
        return None


def _bag_of(archive_dir: Path, workflow_id: str) -> str | None:
    """The run id of a bag of this process in the archive folder."""
    if not archive_dir.is_dir():
        return None
    for path in archive_dir.iterdir():
        name, sep, run_id = path.name.rpartition("--")
        if sep and name == workflow_id and path.is_dir() and run_id:
            return run_id
    return None
