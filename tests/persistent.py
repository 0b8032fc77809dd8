"""A scenario that keeps trying through a worker crash or an overloaded server: each decision
is sent again under one Update id until it is answered (the server applies it once), and a
status read is tried again until a worker answers. The web layer does the same."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from common.models import Action, Decision, DecisionResult, StatusView
from tests.scenario import Scenario
from workflows.iku import IkuWorkflow

# Short RPCs: a call that finds no worker is sent again (under the same id) soon, for at
# most GIVE_UP_AFTER seconds in all.
RPC_TIMEOUT = timedelta(seconds=10)
AGAIN_AFTER = 0.5
GIVE_UP_AFTER = 300.0


class Persistent(Scenario):
    # Filled in by whoever wants the latency of each decision, retries included.
    latencies: list[float] | None = None

    async def until(
        self, condition: Callable[[StatusView], bool], within: float = 300
    ) -> StatusView:
        return await super().until(condition, within)

    async def status(self) -> StatusView:
        give_up = time.monotonic() + GIVE_UP_AFTER
        while True:
            try:
                return await self.handle.query(IkuWorkflow.status, rpc_timeout=RPC_TIMEOUT)
            except (RPCError, WorkflowQueryFailedError) as error:
                _again_unless(give_up, GIVE_UP_AFTER, f"status of {self.id}", error)
                await asyncio.sleep(AGAIN_AFTER)

    async def decide(self, person: str, action: Action, **kwargs: object) -> DecisionResult:
        decision = await self.decision(person, action, **kwargs)  # type: ignore[arg-type]
        started = time.perf_counter()
        result = await self.send(decision, f"{self.id}-{decision.task_id}-{person}")
        self.took(decision, time.perf_counter() - started)
        return result

    def took(self, decision: Decision, seconds: float) -> None:
        if self.latencies is not None:
            self.latencies.append(seconds)

    def patience(self, decision: Decision) -> float:
        """How long a decision may go unanswered before the scenario fails."""
        return GIVE_UP_AFTER

    async def send(self, decision: Decision, update_id: str) -> DecisionResult:
        patience = self.patience(decision)
        give_up = time.monotonic() + patience
        while True:
            try:
                return await self.handle.execute_update(
                    IkuWorkflow.decide, decision, id=update_id, rpc_timeout=RPC_TIMEOUT
                )
            except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
                _again_unless(give_up, patience, f"decision {update_id}", error)
                await asyncio.sleep(AGAIN_AFTER)


def _again_unless(give_up: float, patience: float, what: str, error: Exception) -> None:
    if time.monotonic() > give_up:
        raise AssertionError(f"{what}: no answer within {patience:.0f} s ({error})")
