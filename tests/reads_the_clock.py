"""A workflow doing what workflow code must never do, in a module of its own: the sandbox
imports a workflow's module afresh, and a test module's imports would not pass its guard."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow


@workflow.defn(name="ReadsTheClock")
class ReadsTheClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()
