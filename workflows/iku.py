"""IkuWorkflow: one execution per IKU document, running the SOP's 16 steps.

The main loop enters a step (who holds it, its clock, a mail with a link), then waits for a
decision, waking for the reminder, the deadline and each escalation. Decisions arrive as
Update or Signal ``decide``; both are judged by ``workflows.rules``. Every side effect is an
activity; everything the steps mean is data in ``workflows.sop``. Mail goes out through an
outbox drained by its own coroutine, so no decision ever waits for SMTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.archive import ArchiveActivities
    from activities.documents import DocumentActivities
    from activities.lineage import LineageActivities
    from activities.notify import NotifyActivities
    from activities.opening import ProcessOpeningActivities, StepOpeningActivities
    from activities.registry import RegistryActivities
    from activities.reporting import ReportingActivities
    from activities.schedule import ScheduleActivities
    from activities.signatures import SignatureActivities, SignatureCheck
    from activities.staffing import StaffingActivities
    from common import formats
    from common import search_attributes as sa
    from common import workflow_calls as calls
    from common.formats import Outcome
    from common.models import (
        Action,
        ArchiveRequest,
        Assignee,
        Assignment,
        CancelRequest,
        ClockRefresh,
        ClockRefreshRequest,
        Decision,
        DecisionResult,
        DocumentsCheck,
        EarlierRun,
        EarlierRunRequest,
        HistoryEntry,
        HistoryEvent,
        NoticeKind,
        Notification,
        OfficialNumberRequest,
        PeopleRequest,
        ProcessRecord,
        ProcessResult,
        ProcessState,
        ProcessSummary,
        ReportBatch,
        ResendRequest,
        Schedule,
        ScheduleRequest,
        Staffing,
        StaffingRequest,
        StatusView,
        StepOpening,
        StepOpeningRequest,
        Task,
        WaitingMail,
        WorkflowInput,
    )
    from reporting import events as reporting_events
    from workflows import changes, deputies, rules, sop, telemetry, timeouts, views

# Without a schedule (the calendar could not be asked) the clock asks again this often.
_CALENDAR_RETRY = timedelta(hours=1)
# Rounds a handler waits before its own work (see _handler): one more than the longest
# chain of conditions a completion sets off, and one to spare.
_HANDLER_ROUNDS = 3
# A wake-up timer's summary (seen in the Web UI) starts with what it is set for; the load
# bench reads them back to time each timer's firing.
WAKE_REMINDER, WAKE_DEADLINE = "reminder", "deadline"
WAKE_HAND_OVER = "acting officials change"
WAKE_OFFICE_OPENS = "office opens"


@contextmanager
def _raised() -> Iterator[None]:
    """A refusal as the Update's failure: the type carries the code, so the web layer can
    say it in the reader's language."""
    try:
        yield
    except rules.Refusal as refusal:
        telemetry.refused(refusal.code)
        raise ApplicationError(
            refusal.message, refusal.message_id, type=refusal.code, non_retryable=True
        ) from None


@workflow.defn(name=calls.WORKFLOW_TYPE)
class IkuWorkflow:
    @workflow.init
    def __init__(self, input: WorkflowInput) -> None:
        self._process = input.process()
        self._history_event_limit = input.history_event_limit
        self._record = input.record or ProcessRecord(started_at=workflow.now())
        self._lock = asyncio.Lock()
        self._local_lock = asyncio.Lock()  # one local activity at a time (see _local)
        # Our own count of running handlers (see DESIGN.md on sdk-python #1591): the loop
        # waits for it to reach zero only right before continuing as new or returning.
        self._handlers = 0
        self._handling = 0  # those of them past their turn (see _handler)
        self._archive_failed: tuple[str, str] | None = None  # (task id, why)
        self._published: dict[str, object] = {}  # search attribute values upserted so far
        self._entering = False  # the loop is opening a step (its lookups are under way)
        # The directory's acting appointments changed (its watcher in the worker says so):
        # the waiting task asks for its holders' again.
        self._recheck_acting = input.recheck_acting
        # The calendar's overrides changed (its watcher in the worker says so): the waiting
        # task asks for its deadline again.
        self._recheck_calendar = input.recheck_calendar
        # The fold a run records now is asked here, before any handler of the first
        # activation runs: an Update that reached a continued run at once ran before run()
        # did, under no change at all. Runs of an earlier fold are asked in run(), as their
        # histories were recorded.
        self._changes = changes.at_start()
        if self._changes.lean_run_start:
            self._published = _given_search_attributes()
        # Whether the next batch is tried locally: not after a local write failed, until
        # the activity's retries got through (the database answers again).
        self._write_locally = True
        # A reminder or escalation that fell due outside office hours waits for this
        # opening (patch mails-in-office-hours). Not handed over: the next run's first wake
        # finds the office closed again.
        self._mail_held_until: datetime | None = None

    # --- the main loop -----------------------------------------------------------------

    @workflow.run
    async def run(self, input: WorkflowInput) -> ProcessResult:
        # Changes since the first release, each decided once per run and before anything
        # else: a patch asked for later (after local activities that outlasted a workflow
        # task) is not found again when the run is replayed.
        if not self._changes.lean_run_start:  # a run of an earlier fold: asked here, as it was
            self._changes = changes.of_earlier_fold()
        record = self._record
        if input.record is None:
            self._check_workflow_id()
            if not (self._changes.lean_run_start and await self._open_process()):
                await self._check_id_unused()
                await self._record_sop_number()
            # Its first riwayat entry carries its start time (the reporting database's key):
            # the first activation's, set in __init__ and the same when replayed. The clock
            # read after the lookups above was seen to differ between the worker that ran
            # them and one that replayed them after a crash.
            self._log(HistoryEvent.STARTED, at=record.started_at, person=self._process.started_by)
        # Lists show the title from the memo, however the process was started.
        given = workflow.memo_value("title", None)  # whatever a starter put there
        if not self._changes.lean_run_start or given != self._process.title:
            workflow.upsert_memo({"title": self._process.title})
        self._publish()
        mailer = asyncio.create_task(self._send_mail())
        reporter = asyncio.create_task(self._send_reports())
        while record.state is ProcessState.RUNNING:
            task = record.task
            if task is None or task.decided:
                if record.next_step is None:
                    await self._archive()
                else:
                    self._entering = True
                    try:
                        await self._enter(record.next_step)
                    finally:
                        self._entering = False
                continue
            if self._continue_as_new_due():
                await self._continue_as_new(task)
                continue
            await self._wait_on(task)
        if record.state is ProcessState.CANCELLED:
            self._notify(
                NoticeKind.CANCELLED,
                task=record.task,
                recipients=views.involved(record),
                to_bureau=True,
                note=record.cancel_reason or "",
            )
        # The last mails go out before the process ends.
        await workflow.wait_condition(
            lambda: self._handlers == 0 and not record.outbox and not self._unreported()
        )
        mailer.cancel()
        reporter.cancel()
        return self._result()

    async def _continue_as_new(self, task: Task) -> None:
        """Hand the record to a fresh run once no handler is mid-way (never from a handler)
        and no mail is being sent: an activity finishing during the hand-over would make
        the server refuse it, and an Update arriving then would fail."""
        record = self._record

        def settled() -> bool:
            return record.state is ProcessState.RUNNING and not task.decided

        def quiet() -> bool:
            return self._handlers == 0 and not record.outbox and not self._unreported()

        await workflow.wait_condition(lambda: quiet() or not settled())
        if quiet() and settled():
            workflow.continue_as_new(
                WorkflowInput(
                    **self._process.model_dump(),
                    record=record,
                    history_event_limit=self._history_event_limit,
                    # A signal that came during the hand-over is not lost with this run.
                    recheck_acting=self._recheck_acting,
                    recheck_calendar=self._recheck_calendar,
                ),
                # Given with their types, so the next run reads them (those the server
                # carries over by itself come without) and does not upsert them again.
                search_attributes=(
                    workflow.info().typed_search_attributes
                    if self._changes.lean_run_start
                    else None
                ),
            )

    def _check_workflow_id(self) -> None:
        expected = self._process.workflow_id()
        if workflow.info().workflow_id != expected:
            raise ApplicationError(
                f"This process must run as workflow id '{expected}' (iku-<year>-<code>, "
                f"with -rev<n> for a revision), not '{workflow.info().workflow_id}'.",
                type="InvalidWorkflowId",
                non_retryable=True,
            )

    async def _open_process(self) -> bool:
        """A new process's two lookups (``_check_id_unused``, ``_record_sop_number``) in one
        local activity: one marker where two. False when it failed, to ask each apart."""
        try:
            opening = await self._local(
                ProcessOpeningActivities.open_process,
                _this_run(),
                summary="was this process id used before; the SOP's registered number",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            return False
        self._refuse_if_used(opening.earlier)
        if not self._process.sop_number:
            self._process = self._process.model_copy(update={"sop_number": opening.sop_number})
        return True

    async def _check_id_unused(self) -> None:
        """A process id stays one process for ever: a start under the id of a process that
        was archived or cancelled ends here, refused, whoever started it and however."""
        try:
            earlier = await self._local(
                LineageActivities.find_earlier_run,
                _this_run(),
                summary="was this process id used before",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            # The start's id-reuse policy is the first guard; a process is not held up
            # because the archive folder or visibility could not be read for a moment.
            workflow.logger.warning("could not check for an earlier run of this id")
            return
        self._refuse_if_used(earlier)

    def _refuse_if_used(self, earlier: EarlierRun | None) -> None:
        if earlier is None:
            return
        # Marked, so lists and pages pass over this run to the process the id belongs to.
        workflow.upsert_search_attributes([sa.STATE.value_set(sa.REFUSED)])
        raise ApplicationError(
            f"The process '{workflow.info().workflow_id}' was {earlier.state.value} (run "
            f"{earlier.run_id}); its id is not used again. A new attempt is a revision: "
            'start it with "revision": n, as iku-<year>-<code>-rev<n>.',
            earlier.state.value,
            earlier.run_id,
            type="ProcessIdTaken",
            non_retryable=True,
        )

    async def _record_sop_number(self) -> None:
        """A process started without the SOP's number runs under the deployment's, and
        keeps it (in its input across continue-as-new, in its archive)."""
        if self._process.sop_number:
            return
        try:
            number = await self._local(
                RegistryActivities.registered_sop_number,
                summary="the SOP's registered number",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            return  # shown as "not yet registered"; nothing else depends on it
        self._process = self._process.model_copy(update={"sop_number": number})

    def _continue_as_new_due(self) -> bool:
        info = workflow.info()
        if info.is_continue_as_new_suggested():
            return True
        limit = self._history_event_limit
        return limit is not None and info.get_current_history_length() >= limit

    # --- entering a step ---------------------------------------------------------------

    async def _enter(self, number: int) -> None:
        record = self._record
        if number > sop.SIGNATURE_STEP and record.official_number is None:
            await self._give_number()
        step = sop.step(number)
        opened_at = workflow.now()
        opening = await self._open_step(step, opened_at)
        staffing = opening.staffing if opening else await self._staff(step)
        if record.state is not ProcessState.RUNNING:
            return  # cancelled meanwhile: no task, no mail
        unreadable = staffing is None
        if staffing is None:
            staffing = Staffing(
                assignees=[],
                owners=record.owners,
                ops=record.ops_identities,
                bureau=record.bureau_identities,
            )
        record.owners, record.ops_identities = staffing.owners, staffing.ops
        record.bureau_identities = staffing.bureau
        record.task_seq += 1
        task = Task(
            id=formats.task_id(number, record.task_seq),
            step=number,
            round=record.round,
            role=step.role,
            assignees=staffing.assignees,
            entered_at=workflow.now(),
            entered_by=record.entered_by,
            arrival=views.arrival(record, number),
        )
        views.hold(record, task.assignees)
        if task.assignees and opening is not None:
            task.clock_start, task.schedule = opened_at, opening.schedule
        elif task.assignees:
            await self._start_clock(task)
            if record.state is not ProcessState.RUNNING:
                return
        record.task = task
        self._mail_held_until = None  # what the task before held, if anything
        if unreadable:
            detail = "directory_unavailable"
        elif self._changes.records_deadlines and task.schedule is not None:
            detail = task.schedule.deadline.isoformat()  # the deadline the riwayat holds it to
        else:
            detail = ""
        self._log(
            HistoryEvent.ENTERED if task.assignees else HistoryEvent.UNASSIGNED,
            task=task,
            target=step.role,
            detail=detail,
        )
        if task.clock_start is not None and task.schedule is None:
            self._log(HistoryEvent.SCHEDULE_FAILED, task=task)
        self._publish()
        self._notify_task(task)

    async def _open_step(self, step: sop.Step, at: datetime) -> StepOpening | None:
        """Who holds the step and its clock from ``at``, in one lookup (one history event,
        where there were two); None when that failed, and each is then asked on its own."""
        if not self._changes.one_lookup_per_step:
            return None
        try:
            return await self._local(
                StepOpeningActivities.open_step,
                StepOpeningRequest(
                    staffing=self._staffing_request(step),
                    schedule=ScheduleRequest(
                        step=step.number, standard_time=step.standard_time, clock_start=at
                    ),
                ),
                summary=f"who holds {step.role} (step {step.number}), and its deadline",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            return None

    async def _staff(self, step: sop.Step) -> Staffing | None:
        """Who holds the step; None when the directory cannot be read: the task then waits
        unassigned (ops are told and assign someone once it is fixed) rather than the
        process standing still."""
        try:
            return await self._local(
                StaffingActivities.resolve_staffing,
                self._staffing_request(step),
                summary=f"who holds {step.role} (step {step.number})",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            return None

    def _staffing_request(self, step: sop.Step) -> StaffingRequest:
        # Step 6 goes to the team named at step 5 rather than to a directory role.
        record = self._record
        team = record.team.members if step.role == sop.TEAM_ROLE and record.team else None
        return StaffingRequest(role=step.role, on=self._today(), team=team)

    async def _start_clock(self, task: Task) -> None:
        # The clock starts when someone holds the task: nobody can be late on a task that
        # nobody has been given.
        task.clock_start = workflow.now()
        task.schedule = await self._plan(task)

    async def _plan(self, task: Task) -> Schedule | None:
        """The deadline, reminder and escalations by the calendar as it is now; None when
        the calendar cannot be asked (the clock asks again in an hour)."""
        try:
            return await self._local(
                ScheduleActivities.plan_schedule,
                self._schedule_request(task),
                summary=f"working-time deadline for step {task.step}",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            return None

    async def _refresh_acting(self, task: Task) -> None:
        """Acting officials as the directory has them now, so the mail about to go out (it
        goes to a Plh/Plt of today) and the check of their decision agree."""
        try:
            found = await self._find_people([a.person for a in task.assignees])
        except timeouts.LOOKUP_FAILED:
            return  # keep what we had; the mail goes by the same directory anyway
        deputies.take_acting(task, found)

    async def _refresh_clock(self, task: Task) -> ClockRefresh | None:
        """``_plan`` and ``_refresh_acting`` in one lookup, with the office's next opening;
        None when that failed (or the run predates it), and each is then asked on its own."""
        if not self._changes.one_lookup_per_wake or task.clock_start is None:
            return None
        try:
            refresh = await self._local(
                StepOpeningActivities.refresh_clock,
                ClockRefreshRequest(
                    schedule=self._schedule_request(task),
                    people=PeopleRequest(
                        people=[a.person for a in task.assignees], on=self._today()
                    ),
                    now=workflow.now(),
                ),
                summary=f"working-time deadline and acting officials, step {task.step}",
                **timeouts.LOOKUP,
            )
        except timeouts.LOOKUP_FAILED:
            return None
        task.schedule = refresh.schedule
        deputies.take_acting(task, refresh.assignees)
        return refresh

    def _schedule_request(self, task: Task) -> ScheduleRequest:
        assert task.clock_start is not None
        step = sop.step(task.step)
        return ScheduleRequest(
            step=step.number, standard_time=step.standard_time, clock_start=task.clock_start
        )

    def _notify_task(self, task: Task) -> None:
        if task.assignees:
            if self._changes.follows_acting:
                today = self._today()
                task.reached = {a.person: deputies.reaches(a, today) for a in task.assignees}
            self._mail_task(task, [a.person for a in task.assignees])
        else:
            self._notify(NoticeKind.UNASSIGNED, task=task, to_ops=True)

    def _mail_task(self, task: Task, holders: list[str]) -> None:
        """The task with a link, to each holder (or whoever acts for them today)."""
        self._notify(
            NoticeKind.TASK, task=task, with_link=True, recipients=holders, arrival=task.arrival
        )

    # --- waiting on a task -------------------------------------------------------------

    async def _wait_on(self, task: Task) -> None:
        record = self._record

        def interrupted() -> bool:
            return (
                task.decided
                or record.state is not ProcessState.RUNNING
                or task.announce is not None
                or self._recheck_acting
                or self._recheck_calendar
                or self._continue_as_new_due()
            )

        while not interrupted():
            wake = self._next_wake(task)
            if wake is None:
                await workflow.wait_condition(interrupted)
            else:
                try:
                    await workflow.wait_condition(
                        interrupted,
                        timeout=max(wake - workflow.now(), timedelta(seconds=1)),
                        timeout_summary=self._wake_summary(task, wake),
                    )
                except TimeoutError:
                    await self._on_clock(task)
        if task.announce is not None and self._open(task):
            await self._announce(task)
        if self._recheck_acting:
            self._recheck_acting = False
            if self._open(task):
                await self._follow_directory(task)
        if self._recheck_calendar:
            self._recheck_calendar = False
            if self._open(task):
                # A wake out of turn: a deadline the revision brought forward into the past
                # is overdue (and escalated) now, not at its old moment.
                await self._on_clock(task)

    async def _follow_directory(self, task: Task) -> None:
        """The holders' acting appointments as the directory has them now: a task whose
        holder got a Plh/Plt for today (or lost one) changes hands at once, and one added
        for a later day gets its morning's wake."""
        await self._refresh_acting(task)
        if not self._open(task):
            return
        handed_over = self._hand_over_task(task)
        if handed_over:
            self._mail_task(task, handed_over)
        self._publish()

    def _open(self, task: Task) -> bool:
        return self._record.state is ProcessState.RUNNING and not task.decided

    def _next_wake(self, task: Task) -> datetime | None:
        schedule = task.schedule
        if schedule is None:
            # A clock whose calendar could not be asked tries again later.
            return workflow.now() + _CALENDAR_RETRY if task.clock_start is not None else None
        moments = []
        if not task.reminded and schedule.reminder_at is not None:
            moments.append(self._mail_moment(schedule.reminder_at))
        if not task.overdue:
            moments.append(schedule.deadline)
        if task.escalations_sent < len(schedule.escalations):
            moments.append(self._mail_moment(schedule.escalations[task.escalations_sent]))
        if (hand_over := self._hand_over(task)) is not None:
            moments.append(hand_over)
        return min(moments) if moments else None

    def _mail_moment(self, moment: datetime) -> datetime:
        """When a reminder or escalation due at ``moment`` may go: not before an opening
        it was held for."""
        held = self._mail_held_until
        return moment if held is None else max(moment, held)

    def _hand_over(self, task: Task) -> datetime | None:
        if not self._changes.follows_acting:
            return None
        return deputies.next_hand_over(task, workflow.now())

    def _wake_summary(self, task: Task, wake: datetime) -> str:
        schedule = task.schedule
        if schedule is None:
            return f"ask the calendar again, step {task.step}"
        if wake == self._mail_held_until:
            return f"{WAKE_OFFICE_OPENS}, step {task.step}"
        if wake == schedule.reminder_at and not task.reminded:
            return f"{WAKE_REMINDER}, step {task.step}"
        if wake == schedule.deadline and not task.overdue:
            return f"{WAKE_DEADLINE}, step {task.step}"
        if wake == self._hand_over(task):
            return f"{WAKE_HAND_OVER}, step {task.step}"
        number = f"{task.escalations_sent + 1}/{len(schedule.escalations)}"
        return f"escalation {number}, step {task.step}"

    async def _on_clock(self, task: Task) -> None:
        """A wake-up: ask the calendar again (it may have been revised) and the directory
        for today's acting officials, then act on it."""
        before = task.schedule.deadline if task.schedule else None
        refresh = await self._refresh_clock(task)
        if refresh is None:
            schedule = await self._plan(task) or task.schedule
            task.schedule = schedule
            if schedule is None or not self._open(task):
                return
            await self._refresh_acting(task)
        schedule = task.schedule
        if schedule is None or not self._open(task):
            return
        if self._changes.records_deadline_moves and schedule.deadline != before:
            # From a revised calendar or standard time, or once the calendar could be asked.
            self._log_deadline(task, schedule.deadline)
        now = workflow.now()
        step = sop.step(task.step)
        overdue = now >= schedule.deadline
        remind = (
            not task.reminded and schedule.reminder_at is not None and schedule.reminder_at <= now
        )
        due = sum(1 for moment in schedule.escalations if moment <= now)
        escalate = overdue and due > task.escalations_sent
        # Outside office hours (a wake that came late, or a revision at night) a reminder or
        # an escalation waits for the opening; being overdue is recorded as it is learnt.
        # Without the lookup's answer they go at once, as before.
        opens_at = refresh.opens_at if refresh and self._changes.mails_in_office_hours else None
        held = bool(opens_at and opens_at > now and ((remind and not overdue) or escalate))
        self._mail_held_until = opens_at if held else None
        handed_over = self._hand_over_task(task)
        if remind and not held:
            task.reminded = True
            if not overdue:
                handed_over = []  # the reminder carries the link to whoever holds it today
                self._log(HistoryEvent.REMINDER, task=task)
                self._notify(
                    NoticeKind.REMINDER,
                    task=task,
                    with_link=True,
                    recipients=[a.person for a in task.assignees],
                    arrival=task.arrival,
                )
        if handed_over:
            self._mail_task(task, handed_over)
        if overdue != task.overdue:
            task.overdue = overdue
            if overdue:
                self._log(HistoryEvent.OVERDUE, task=task)
        if escalate and not held:
            # After a long outage several may be due: one mail says how many, not several.
            task.escalations_sent = due
            detail = f"{due}/{len(schedule.escalations)}"
            self._log(HistoryEvent.ESCALATION, task=task, target=step.escalate_to, detail=detail)
            self._notify(
                NoticeKind.ESCALATION,
                task=task,
                escalation_number=due,
                recipient_roles=[step.escalate_to] if step.escalate_to else [],
                waiting_on=[a.person for a in task.assignees],
            )
        self._publish()

    def _hand_over_task(self, task: Task) -> list[str]:
        """The holders whose mail reaches someone else today than it did (an acting
        appointment began or ended), each hand-over in the riwayat."""
        if not self._changes.follows_acting:
            return []
        today = self._today()
        moved = []
        for a in task.assignees:
            before, now = task.reached.get(a.person), deputies.reaches(a, today)
            task.reached[a.person] = now
            # A task mailed before this change took effect has no record of whom it reached.
            if before is None or before == now:
                continue
            moved.append(a.person)
            deputy = a.acting_on(today)
            self._log(
                HistoryEvent.HANDED_OVER,
                task=task,
                target=now,
                acting_for=a.person if deputy else None,
                acting_kind=deputy.kind if deputy else None,
            )
        return moved

    async def _announce(self, task: Task) -> None:
        """Mail the task again: to whoever ops assigned it, or fresh links on request."""
        task.announce = None
        if task.clock_start is None and task.assignees:
            await self._start_clock(task)
            if task.schedule is None:
                self._log(HistoryEvent.SCHEDULE_FAILED, task=task)
            elif self._changes.records_deadlines:
                # A task that waited unassigned gets its first deadline now.
                self._log_deadline(task, task.schedule.deadline)
        await self._refresh_acting(task)
        if self._open(task):
            self._publish()
            self._notify_task(task)

    # --- step 16: the archive ----------------------------------------------------------

    async def _archive(self) -> None:
        record = self._record
        task = record.task
        assert task is not None
        try:
            record.archive = await workflow.execute_activity_method(
                ArchiveActivities.build_archive,
                ArchiveRequest(status=self._status()),
                summary="build the BagIt archive",
                **timeouts.ARCHIVE,
            )
        except ActivityError as err:
            # The archive step opens again (new task, new mail) once ops have fixed the cause.
            why = str(err.cause.message if err.cause else err)  # type: ignore[attr-defined]
            self._archive_failed = (task.id, why)
            self._log(HistoryEvent.ARCHIVE_FAILED, task=task, detail=why[:200])
            record.next_step = task.step
            return
        record.state = ProcessState.ARCHIVED
        self._log(HistoryEvent.ARCHIVED, task=task, detail=record.archive.bag_name)
        self._publish()
        self._notify(NoticeKind.ARCHIVED, recipients=views.involved(record), to_bureau=True)

    # --- decisions ---------------------------------------------------------------------

    @workflow.update(name=calls.DECIDE.name)
    async def decide(self, decision: Decision) -> DecisionResult:
        async with self._handler():
            with _raised():
                outcome = await self._accept(decision)
                await workflow.wait_condition(lambda: self._moved_on(decision.task_id))
            record = self._record
            task = record.task
            failed = self._archive_failed
            archive_error = failed[1] if failed and failed[0] == decision.task_id else None
            return DecisionResult(
                outcome=Outcome.ARCHIVE_FAILED if archive_error else outcome.outcome,
                from_step=outcome.from_step,
                next_step=task.step if archive_error and task else outcome.next_step,
                next_task=views.task_view(task) if task and not task.decided else None,
                workflow_id=workflow.info().workflow_id,
                process=self._process,
                state=record.state,
                round=record.round,
                mark=next((m for m in record.marks if m.task_id == decision.task_id), None),
                archive=record.archive,
                archive_error=archive_error,
            )

    @decide.validator
    def _validate_decide(self, decision: Decision) -> None:
        with _raised():
            rules.check_decision(self._record, decision, self._today())
            rules.check_signed_approval(self._record, decision)

    @workflow.signal(name="decide")
    async def decide_signal(self, payload: dict[str, Any]) -> None:
        """The same decision from the Temporal UI or CLI; a refused one is recorded only."""
        async with self._handler():
            try:
                decision = Decision.model_validate(payload)
            except ValidationError:
                self._log(
                    HistoryEvent.REFUSED,
                    detail="invalid_input",
                    task_id=str(payload.get("task_id", ""))[:40] or None,
                )
                return
            with self._recorded(
                task_id=decision.task_id, person=decision.person, action=decision.action
            ):
                await self._accept(decision)

    async def _accept(self, decision: Decision) -> rules.Outcome:
        record = self._record
        rules.check_decision(record, decision, self._today())
        await self._check_references(decision)
        extends = await self._check_signature(decision)
        async with self._lock:
            # Checked again: another decision may have landed while we were checking.
            acting = rules.check_decision(record, decision, self._today())
            task = record.task
            assert task is not None
            outcome = rules.apply_decision(record, decision, acting, workflow.now(), extends)
            telemetry.decided(task.step, outcome.outcome)
            step = sop.step(task.step)
            kinds = tuple(dict.fromkeys((*step.requires, *(a.kind for a in decision.documents))))
            self._log(
                HistoryEvent.DECIDED,
                task=task,
                person=decision.person,
                acting_for=acting.for_person if acting else None,
                acting_kind=acting.kind if acting else None,
                via=decision.via,
                action=decision.action,
                note=decision.note,
                checklist=decision.checklist,
                documents=rules.current_documents(record, kinds),
                target=str(outcome.next_step) if outcome.next_step else None,
            )
            self._publish()
        return outcome

    async def _check_references(self, decision: Decision) -> None:
        """What only the outside world knows: the store holds the files, the people exist."""
        try:
            if decision.documents:
                missing = await self._local(
                    DocumentActivities.missing_documents,
                    DocumentsCheck(documents=[a.ref for a in decision.documents]),
                    summary="check attached documents",
                    **timeouts.DECISION_CHECK,
                )
                if missing:
                    raise rules.Refusal("document_not_in_store")
            if decision.team is not None:
                found = await self._find_people(decision.team.members)
                if len(found) != len(decision.team.members):
                    raise rules.Refusal("unknown_person")
        except timeouts.LOOKUP_FAILED:
            raise rules.Refusal("check_unavailable") from None

    async def _check_signature(self, decision: Decision) -> str | None:
        """At 8–11 the version an approval brings is checked, not trusted: the version under
        review plus one valid signature by the person deciding, from our CA (or, at 8–10, a
        new draft with only their paraf); an approval without a signed version is refused,
        whichever way it came (task page, API, CLI, a signal from the Temporal UI). The
        version it extends, if it does."""
        record = self._record
        task = record.task
        assert task is not None
        attached = rules.check_signed_approval(record, decision)
        if attached is None:
            return None
        draft = sop.step(task.step).draft
        assert draft is not None, "every paraf and signature step names its draft"
        previous = rules.latest(record, draft)
        check = SignatureCheck(
            previous=previous.ref if previous else None,
            signed=attached.ref,
            signers=[decision.person],
            final=task.step == sop.SIGNATURE_STEP,
            earlier=[d.ref.sha256 for d in record.documents if d.kind == draft],
        )
        run = self._local if self._changes.checks_locally else workflow.execute_activity_method
        try:
            result = await run(
                SignatureActivities.check_signed_version,
                check,
                summary=f"check the signature, step {task.step}",
                **timeouts.SIGNATURE_CHECK,
            )
        except timeouts.LOOKUP_FAILED:
            raise rules.Refusal("check_unavailable") from None
        if not result.ok:
            raise rules.Refusal(result.code)
        return result.extends

    async def _find_people(self, people: list[str]) -> list[Assignee]:
        return await self._local(
            StaffingActivities.find_people,
            PeopleRequest(people=people, on=self._today()),
            summary="look up people in the directory",
            **timeouts.DECISION_CHECK,
        )

    def _moved_on(self, task_id: str) -> bool:
        """The next task is published (a failed archive opens its step again) or it ended."""
        record = self._record
        return record.state is not ProcessState.RUNNING or (
            record.task is not None and record.task.id != task_id
        )

    # --- steering: assign, resend, cancel ------------------------------------------------

    @workflow.update(name=calls.ASSIGN.name)
    async def assign(self, assignment: Assignment) -> StatusView:
        async with self._handler():
            with _raised():
                await self._assign(assignment)
            return self._status()

    @assign.validator
    def _validate_assign(self, assignment: Assignment) -> None:
        with _raised():
            rules.check_task(self._record, assignment.task_id)
            rules.check_steer(self._record, assignment.by, self._today())

    @workflow.signal(name="assign")
    async def assign_signal(self, assignment: Assignment) -> None:
        async with self._handler():
            with self._recorded(task_id=assignment.task_id, person=assignment.by):
                await self._assign(assignment)

    async def _assign(self, assignment: Assignment) -> None:
        record = self._record
        rules.check_task(record, assignment.task_id)
        rules.check_steer(record, assignment.by, self._today())
        try:
            found = await self._find_people([assignment.person])
        except timeouts.LOOKUP_FAILED:
            raise rules.Refusal("check_unavailable") from None
        if not found:
            raise rules.Refusal("unknown_person")
        async with self._lock:
            task = rules.check_task(record, assignment.task_id)
            rules.check_steer(record, assignment.by, self._today())
            task.assignees = found
            views.hold(record, found)
            task.announce = "assigned"
            self._log(
                HistoryEvent.ASSIGNED,
                task=task,
                person=assignment.by,
                target=assignment.person,
                note=assignment.reason,
            )
            self._publish()

    @workflow.update(name=calls.RESEND.name)
    async def resend(self, request: ResendRequest) -> StatusView:
        async with self._handler():
            with _raised():
                self._resend(request)
            return self._status()

    @resend.validator
    def _validate_resend(self, request: ResendRequest) -> None:
        with _raised():
            rules.check_task(self._record, request.task_id)
            rules.check_resend(self._record, request.by, self._today())

    @workflow.signal(name="resend")
    async def resend_signal(self, request: ResendRequest) -> None:
        async with self._handler():
            with self._recorded(task_id=request.task_id, person=request.by):
                self._resend(request)

    def _resend(self, request: ResendRequest) -> None:
        task = rules.check_task(self._record, request.task_id)
        rules.check_resend(self._record, request.by, self._today())
        task.announce = task.announce or "resent"
        self._log(HistoryEvent.RESENT, task=task, person=request.by)

    @workflow.signal(name=calls.RECHECK_ACTING)
    def recheck_acting(self) -> None:
        """Sent by the worker's directory watcher (``activities.directory_watch``) when an
        acting appointment of someone this process may wait on changed. A run from before
        ``follows-acting`` lets it pass, as its history would have it."""
        task = self._record.task
        if self._changes.follows_acting and task is not None and not task.decided:
            self._recheck_acting = True

    @workflow.signal(name=calls.RECHECK_CALENDAR)
    def recheck_calendar(self) -> None:
        """Sent by the worker's calendar watcher (``activities.calendar_watch``) when the
        calendar changed (its overrides, or the settings that plan deadlines). A run from
        before ``follows-calendar`` lets it pass, and so does a task whose clock has not
        started (nobody holds it yet)."""
        task = self._record.task
        if (
            self._changes.follows_calendar
            and task is not None
            and not task.decided
            and task.clock_start is not None
        ):
            self._recheck_calendar = True

    @workflow.update(name=calls.CANCEL.name)
    async def cancel(self, request: CancelRequest) -> StatusView:
        async with self._handler():
            with _raised():
                self._cancel(request)
            return self._status()

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        with _raised():
            rules.check_cancel(self._record, request, self._today())

    @workflow.signal(name="cancel")
    async def cancel_signal(self, request: CancelRequest) -> None:
        async with self._handler():
            with self._recorded(person=request.by):
                self._cancel(request)

    def _cancel(self, request: CancelRequest) -> None:
        record = self._record
        rules.check_cancel(record, request, self._today())
        record.state = ProcessState.CANCELLED
        record.cancel_reason = request.reason
        self._log(HistoryEvent.CANCELLED, task=record.task, person=request.by, note=request.reason)
        self._publish()

    # --- reading -----------------------------------------------------------------------

    @workflow.query(name=calls.STATUS.name)
    def status(self) -> StatusView:
        return self._status()

    def _status(self) -> StatusView:
        return views.status_view(workflow.info().workflow_id, self._process, self._record)

    # --- mail --------------------------------------------------------------------------

    def _notify(
        self,
        kind: NoticeKind,
        *,
        task: Task | None = None,
        recipients: list[str] | None = None,
        **fields: Any,
    ) -> None:
        """Queue a mail; the mailer sends it in order, and the loop goes on meanwhile."""
        record = self._record
        record.message_seq += 1
        schedule = task.schedule if task else None
        record.outbox.append(
            Notification(
                kind=kind,
                seq=record.message_seq,
                process=ProcessSummary(
                    workflow_id=workflow.info().workflow_id,
                    year=self._process.year,
                    code=self._process.code,
                    title=self._process.title,
                    sop_number=self._process.sop_number,
                    official_number=(
                        record.official_number.number if record.official_number else None
                    ),
                ),
                recipients=recipients or [],
                task_id=task.id if task else None,
                step=task.step if task else None,
                round=task.round if task else None,
                deadline=schedule.deadline if schedule else None,
                # The activity adds the grace period from settings to this moment.
                link_expires_at=_link_base(
                    schedule.escalations if schedule else [],
                    schedule.deadline if schedule else None,
                    workflow.now(),
                ),
                queued_at=workflow.now(),
                **fields,
            )
        )

    @workflow.query(name=calls.MAIL_WAITING.name)
    def mail_waiting(self) -> list[WaitingMail]:
        """The mails not yet handed to the relay, oldest first (the first is being sent,
        or waits for its next try): what the bureau's process page lists."""
        return views.mail_waiting(self._record)

    async def _send_mail(self) -> None:
        """The mailer: sends the outbox in order. A mail that cannot be sent, or reaches
        nobody, is recorded in the riwayat (by person id only) and the next one goes."""
        record = self._record
        while True:
            await workflow.wait_condition(lambda: bool(record.outbox))
            notification = record.outbox[0]
            kind = notification.kind.value
            log = {
                "step": notification.step,
                "round": notification.round,
                "task_id": notification.task_id,
            }
            try:
                result = await workflow.execute_activity_method(
                    NotifyActivities.send_notification,
                    notification,
                    summary=f"mail: {kind}"
                    + (f", step {notification.step}" if notification.step else ""),
                    **timeouts.MAIL,
                )
                if result.skipped or not result.sent:
                    self._log(
                        HistoryEvent.NOTIFY_FAILED,
                        detail=kind,
                        target=",".join(result.skipped)[:200] or None,
                        **log,
                    )
            except ActivityError:
                self._log(HistoryEvent.NOTIFY_FAILED, detail=kind, **log)
            record.outbox.pop(0)

    # --- the reporting database ----------------------------------------------------------

    def _unreported(self) -> bool:
        return self._record.reported < len(self._record.history)

    def _settled(self) -> bool:
        return self._handling == 0 and not self._entering

    def _report_due(self) -> bool:
        """New entries, no handler mid-way, the next step entered (one write per step: a
        decision and the step it opens go in one batch), and the mail they brought sent.
        A workflow task waits for its local activities, so the write rides in the task the
        mail's completion brings: not in the one that answers a decision (it would wait
        for the write) nor in one that sets a timer (sent to the server only when its task
        completes, so the timer would fire as late as the write took)."""
        if not self._unreported():
            return False
        if self._changes.reports_once_settled and not self._settled():
            return False
        return not (self._changes.reports_after_mail and self._record.outbox)

    def _reports(self, entry: HistoryEntry) -> bool:
        # A moved deadline alone brought no write to a run of an earlier fold.
        return self._changes.records_deadlines or entry.event is not HistoryEvent.DEADLINE_MOVED

    async def _send_reports(self) -> None:
        """The reporter: sends new riwayat entries to the reporting database in order, as
        the mailer sends mail, so no decision waits on a database that does not answer."""
        record = self._record
        while True:
            await workflow.wait_condition(self._report_due)
            upto = len(record.history)
            entries = [
                reporting_events.slim(e)
                for e in record.history[record.reported : upto]
                if reporting_events.reported(e) and self._reports(e)
            ]
            if entries:
                await self._write_report(
                    ReportBatch(
                        workflow_id=workflow.info().workflow_id,
                        started_at=record.started_at,
                        process=self._process,
                        entries=entries,
                    )
                )
            record.reported = upto

    async def _write_report(self, batch: ReportBatch) -> None:
        """Locally while the database answers; after it did not, by the activity until it
        does again."""
        locally = self._changes.reports_written_locally and self._write_locally
        try:
            await self._to_reporting(
                ReportingActivities.record_events,
                batch,
                summary=f"reporting: {len(batch.entries)} event(s)",
                locally=locally,
            )
            self._write_locally = True
        except ActivityError:
            self._write_locally = False
            workflow.logger.warning("reporting database unreachable; left to backfill")
            # Counted so an alert tells ops to backfill; the replay-safe meter adds no event.
            telemetry.report_abandoned()

    async def _give_number(self) -> None:
        """The signed IKU's official number, before the mails that follow the signature.
        Without the database (after an hour of retries) it goes on, and asks again at the
        next step."""
        record = self._record
        signature = next((m for m in reversed(record.marks) if m.kind == "signature"), None)
        if signature is None:
            return
        request = OfficialNumberRequest(
            workflow_id=workflow.info().workflow_id,
            started_at=record.started_at,
            process=self._process,
            signed_at=signature.at,
        )
        try:
            record.official_number = await self._to_reporting(
                ReportingActivities.give_official_number,
                request,
                summary="official number (nomor naskah dinas)",
                locally=self._changes.checks_locally,
            )
        except ActivityError:
            workflow.logger.warning("no official number yet: reporting database unreachable")

    async def _to_reporting(
        self, activity: Callable[..., Any], arg: Any, *, summary: str, locally: bool
    ) -> Any:
        """A call to the reporting database: ``locally`` first, one marker event in a
        workflow task where an activity costs six; should the database not answer within
        seconds, the activity takes over with its hour of retries (``ActivityError`` once
        they run out)."""
        if locally:
            try:
                return await self._local(activity, arg, summary=summary, **timeouts.REPORT_LOCALLY)
            except timeouts.LOOKUP_FAILED:
                pass
        return await workflow.execute_activity_method(
            activity, arg, summary=summary, **timeouts.REPORT
        )

    # --- bookkeeping -------------------------------------------------------------------

    async def _local(self, activity: Callable[..., Any], *arg: Any, **options: Any) -> Any:
        """A local activity, never beside another of this process: the loop's lookups,
        the reporter's writes and the handlers' checks each wait for the one under way.
        With two pending, a replay can hand one's result to the other (sdk-python #1881:
        live and replay group their completions differently)."""
        if not self._changes.one_local_activity_at_a_time:
            return await workflow.execute_local_activity_method(activity, *arg, **options)
        async with self._local_lock:
            return await workflow.execute_local_activity_method(activity, *arg, **options)

    @asynccontextmanager
    async def _handler(self) -> AsyncIterator[None]:
        """A signal or Update handler under way. It lets the work its workflow task
        brought go first (a mail's completion wakes the mailer, then the reporter): a
        worker answering a status query may apply that work in an activation of its own,
        before the task with the handler arrives, and a replay must then start their
        activities in the same order (workflows/PATCHES.md). Each round is one pass over
        the waiting conditions; the longest chain here is one condition after a
        completion."""
        self._handlers += 1
        try:
            for _ in range(_HANDLER_ROUNDS if self._changes.handlers_after_their_task else 0):
                await workflow.wait_condition(lambda: True)
            self._handling += 1
            try:
                yield
            finally:
                self._handling -= 1
        finally:
            self._handlers -= 1

    @contextmanager
    def _recorded(self, **fields: Any) -> Iterator[None]:
        """A refused signal is recorded in the riwayat, and changes nothing else."""
        try:
            yield
        except rules.Refusal as refusal:
            self._log(HistoryEvent.REFUSED, detail=refusal.code, **fields)

    def _today(self) -> date:
        return workflow.now().astimezone(sop.WIB).date()

    def _log(
        self,
        event: HistoryEvent,
        *,
        task: Task | None = None,
        at: datetime | None = None,
        **fields: Any,
    ) -> None:
        record = self._record
        if task is not None:
            fields.setdefault("step", task.step)
            fields.setdefault("round", task.round)
            fields.setdefault("task_id", task.id)
        entry = HistoryEntry(
            seq=len(record.history) + 1, at=at or workflow.now(), event=event, **fields
        )
        record.history.append(entry)
        telemetry.recorded(entry)

    def _log_deadline(self, task: Task, deadline: datetime) -> None:
        self._log(HistoryEvent.DEADLINE_MOVED, task=task, detail=deadline.isoformat())

    def _publish(self) -> None:
        """Search attributes and the UI's current details, from the record."""
        record = self._record
        task = record.task
        running = record.state is ProcessState.RUNNING
        open_task = task if task is not None and running else None
        values: dict[str, Any] = {
            sa.YEAR.name: sa.YEAR.value_set(self._process.year),
            sa.CODE.name: sa.CODE.value_set(self._process.code),
            sa.STATE.name: sa.STATE.value_set(record.state.value),
            sa.OVERDUE.name: sa.OVERDUE.value_set(bool(open_task and open_task.overdue)),
            sa.ASSIGNEE.name: sa.ASSIGNEE.value_set(
                views.waiting_on(open_task, self._today()) if open_task else []
            ),
        }
        if task is not None:
            values[sa.STEP.name] = sa.STEP.value_set(task.step)
            values[sa.ROLE.name] = sa.ROLE.value_set(task.role)
        # Set while a task is open and left as they were after (the list shows them for
        # running processes only): unset datetimes do not decode on every server.
        if open_task is not None:
            values[sa.SINCE.name] = sa.SINCE.value_set(open_task.entered_at)
            if open_task.schedule is not None:
                values[sa.DEADLINE.name] = sa.DEADLINE.value_set(open_task.schedule.deadline)
        # Only what changed: every upsert is a history event.
        changed = [u for name, u in values.items() if self._published.get(name) != u.value]
        if changed:
            workflow.upsert_search_attributes(changed)
            self._published.update({u.key.name: u.value for u in changed})
        workflow.set_current_details(views.current_details(record, self._today()))

    def _result(self) -> ProcessResult:
        record = self._record
        decided = [h for h in record.history if h.event is HistoryEvent.DECIDED]
        return ProcessResult(
            workflow_id=workflow.info().workflow_id,
            state=record.state,
            steps_completed=sum(1 for h in decided if h.action is not Action.RETURN),
            rounds=record.round,
            returns=sum(1 for h in decided if h.action is Action.RETURN),
            archive=record.archive,
            cancel_reason=record.cancel_reason,
            started_at=record.started_at,
            ended_at=workflow.now(),
        )


def _this_run() -> EarlierRunRequest:
    """The lineage lookup's question: an earlier run of this id than this one."""
    info = workflow.info()
    return EarlierRunRequest(workflow_id=info.workflow_id, run_id=info.run_id)


def _given_search_attributes() -> dict[str, object]:
    """The search attributes this run started with, as ``_publish`` keeps what it upserted:
    each upsert is a history event and a command the worker keeps while it keeps the run."""
    given: dict[str, object] = {
        pair.key.name: pair.value for pair in workflow.info().typed_search_attributes
    }
    given.setdefault(sa.ASSIGNEE.name, [])  # an empty list is kept as no value at all
    return given


def _link_base(escalations: list[datetime], deadline: datetime | None, now: datetime) -> datetime:
    """Links stay valid through the whole escalation window, and never start out expired."""
    candidates: list[datetime] = [now, *escalations]
    if deadline is not None:
        candidates.append(deadline)
    return max(candidates)
