"""The data that crosses boundaries: workflow input, decisions, status, activity payloads.

Everything here travels through Temporal with the pydantic data converter, so it can be
given as plain JSON from the Temporal CLI. People appear only by their opaque directory id
(``p-…``): names, emails and NIP stay in the directory, never in workflow history.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from common.formats import (
    CODE_PATTERN,
    NOTE_MAX,
    REASON_MAX,
    REMARK_MAX,
    REVISION_MAX,
    SOP_NUMBER_MAX,
    TITLE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    Outcome,
)
from common.sop_identity import check_sop_number
from common.text import CLEANED, VISIBLE, Line, MultiLine, NotBlank, PlainLine

PersonId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


# Free text, with its limits written once (the pages, the JSON API and the CLI use these).
def _free_text(limit: int, *, one_line: bool, required: bool = False) -> tuple[Any, ...]:
    """What free text of at most ``limit`` characters is checked with: cleaned
    (``common.text``) as one line or with its line breaks kept; ``required``: it must hold
    a visible character. The schema's description says the same."""
    bounds = (
        StringConstraints(min_length=1, max_length=limit, pattern=VISIBLE)
        if required
        else StringConstraints(max_length=limit)
    )
    shape = "One line" if one_line else "Line breaks kept"
    need = "required, " if required else ""
    return (
        bounds,
        Line if one_line else MultiLine,
        *((NotBlank,) if required else ()),
        Field(description=f"{shape}; {need}at most {limit} characters. {CLEANED}"),
    )


Title = Annotated[str, *_free_text(TITLE_MAX, one_line=True, required=True)]
SopNumber = Annotated[str, *_free_text(SOP_NUMBER_MAX, one_line=True, required=True)]
Note = Annotated[str, *_free_text(NOTE_MAX, one_line=False)]
Remark = Annotated[str, *_free_text(REMARK_MAX, one_line=False)]
Reason = Annotated[str, *_free_text(REASON_MAX, one_line=False)]
RequiredReason = Annotated[str, *_free_text(REASON_MAX, one_line=False, required=True)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        # Memory: pydantic gives every instance a set of the fields it was given, about
        # 500 bytes: half of what a process record weighs in the worker. Nothing here
        # asks which fields were given (no exclude_unset), so every instance of a class
        # shares one set of all its fields; assigning a field adds nothing to it.
        object.__setattr__(self, "__pydantic_fields_set__", _all_fields(type(self)))


@cache
def _all_fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    HAND_OVER = "hand_over"
    ARCHIVE = "archive"


class StepKind(StrEnum):
    SUBMIT = "submit"
    REVIEW = "review"
    HANDOVER = "handover"
    ARCHIVE = "archive"


class Approval(StrEnum):
    """What approving (or completing) a step means in the record."""

    NONE = "none"
    DISPOSISI = "disposisi"  # the approval note is the reviewer's written instruction
    PARAF = "paraf"  # initials on one exact version of the draft
    SIGNATURE = "signature"  # the Minister's signature on one exact version


class ProcessState(StrEnum):
    RUNNING = "running"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"


# --- documents -------------------------------------------------------------------------


class DocumentRef(Model):
    """A document in the content-addressed store. Only this ever enters history."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Annotated[str, StringConstraints(pattern=r"^sha256/[0-9a-f]{64}$")]
    sha256: Sha256
    size: int = Field(ge=0)
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    media_type: Annotated[str, StringConstraints(min_length=3, max_length=127)]

    @model_validator(mode="after")
    def _key_matches_hash(self) -> DocumentRef:
        if self.key != f"sha256/{self.sha256}":
            raise ValueError("key must be 'sha256/<sha256>'")
        return self


class Attachment(Model):
    """A document attached to a decision, as one of the SOP's document kinds."""

    kind: str
    ref: DocumentRef


class Promotion(Model):
    """How a version became its kind without a new upload: the approved Konsep set as the
    Rencana Kerja (step 2), the signed draft set as the IKU (step 11)."""

    from_kind: str
    from_version: int
    step: int
    task_id: str
    by: str  # whose approval set it
    at: datetime


class Document(Model):
    """One version of one document kind held by a process. ``step``, ``task_id``, ``by``
    and ``at`` say where, by whom and when its bytes were uploaded."""

    kind: str
    version: int
    ref: DocumentRef
    step: int
    task_id: str
    by: str
    at: datetime
    promoted: Promotion | None = None
    # The version this one is made from by adding an electronic paraf or signature (a
    # return withdraws the paraf, not the fact that the bytes are someone else's draft).
    extends: str | None = None


class DocVersion(Model):
    kind: str
    version: int
    sha256: str


# --- decisions -------------------------------------------------------------------------


class ChecklistAnswer(Model):
    item: PlainLine
    ok: bool
    remark: Remark = ""


class Team(Model):
    """The Tim Penyusunan named by the SK Tim at step 5."""

    members: list[PersonId] = Field(min_length=1, max_length=50)
    leader: PersonId

    @model_validator(mode="after")
    def _leader_is_member(self) -> Team:
        if self.leader not in self.members:
            raise ValueError("the leader must be one of the members")
        if len(set(self.members)) != len(self.members):
            raise ValueError("a member is named twice")
        return self


class Decision(Model):
    task_id: str
    person: PersonId
    action: Action
    note: Note = ""
    checklist: list[ChecklistAnswer] = Field(default_factory=list, max_length=50)
    documents: list[Attachment] = Field(default_factory=list, max_length=50)
    team: Team | None = None
    # The ops identity that entered this decision for the official (a paper disposisi
    # typed in, a call from the Minister's office); None when the official clicked.
    via: PlainLine | None = None


class Assignment(Model):
    """Update `assign`: give (or move) the current task to one person."""

    task_id: str
    person: PersonId
    by: PlainLine
    reason: Reason = ""


class ResendRequest(Model):
    """Update `resend`: send the current task's notification again (new links)."""

    task_id: str
    by: PlainLine


class CancelRequest(Model):
    by: PlainLine
    reason: RequiredReason


# --- people ----------------------------------------------------------------------------


class Deputy(Model):
    """An acting official (Plh / Plt) standing in for a person over a date range."""

    person: PersonId
    kind: Literal["plh", "plt"]
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Assignee(Model):
    person: PersonId
    deputies: list[Deputy] = Field(default_factory=list)

    def acting_on(self, day: date) -> Deputy | None:
        return next((d for d in self.deputies if d.covers(day)), None)


class StaffingRequest(Model):
    role: str
    on: date
    # Step 6 goes to the team named at step 5 rather than to a directory role.
    team: list[PersonId] | None = None


class Staffing(Model):
    assignees: list[Assignee]
    # Who may cancel or assign: the Karo (owner of this SOP) with deputies, and ops.
    owners: list[Assignee]
    ops: list[str]
    bureau: list[str] = Field(default_factory=list)


class PeopleRequest(Model):
    people: list[PersonId]
    on: date


class DocumentsCheck(Model):
    documents: list[DocumentRef]


# --- the clock -------------------------------------------------------------------------


class ScheduleRequest(Model):
    step: int
    standard_time: str  # "2d" working days, "4h" working hours (SOP default)
    clock_start: datetime


class Schedule(Model):
    standard_time: str  # what was applied (settings may override the SOP default)
    deadline: datetime
    reminder_at: datetime | None  # None when already past at the clock's start
    escalations: list[datetime]  # every escalation moment, the cap included


class StepOpeningRequest(Model):
    """Who holds a step and its clock, asked in one local activity (one history event)."""

    staffing: StaffingRequest
    schedule: ScheduleRequest


class StepOpening(Model):
    staffing: Staffing
    schedule: Schedule


class ClockRefreshRequest(Model):
    """A task's clock woken: its schedule and its holders' acting officials asked again, in
    one local activity."""

    schedule: ScheduleRequest
    people: PeopleRequest
    now: datetime | None = None  # the wake's moment, to place it in office hours


class ClockRefresh(Model):
    schedule: Schedule
    assignees: list[Assignee]
    # The wake's moment when office is open then, else the next opening (None: not asked,
    # as in the markers of runs before patch mails-in-office-hours).
    opens_at: datetime | None = None


# --- the process -----------------------------------------------------------------------


class ProcessInput(Model):
    """What starts an IKU process. Plain JSON from the Temporal CLI works."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    code: Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
    # The SOP's registered number; blank: the deployment's (IKU_SOP_NUMBER), set at start.
    sop_number: Annotated[str, StringConstraints(max_length=SOP_NUMBER_MAX), Line] = ""
    title: Title
    started_by: PlainLine
    revision: int = Field(default=0, ge=0, le=REVISION_MAX)

    @field_validator("sop_number")
    @classmethod
    def _registered_sop_number(cls, value: str) -> str:
        return check_sop_number(value)

    def workflow_id(self) -> str:
        base = f"iku-{self.year}-{self.code}"
        return f"{base}-rev{self.revision}" if self.revision else base


class ArrivalKind(StrEnum):
    """Why the work is at a task, as its holder is told at the top of the page and mail."""

    FORWARD = "forward"  # sent on as the SOP goes (with the sender's note or disposisi)
    RETURNED = "returned"  # returned for revision
    NEW_VERSION = "new_version"  # a reviewer above made a new version: initial it again
    REINITIAL = "reinitial"  # sent up again unchanged after a return withdrew the paraf


class Arrival(Model):
    """The decision that brought the work to a task."""

    kind: ArrivalKind
    from_step: int
    by: str  # person id of who decided
    note: str = ""
    version: DocVersion | None = None  # the new version, for NEW_VERSION
    # For RETURNED: the checklist items the reviewer found not met, with their remarks.
    unmet: list[ChecklistAnswer] = Field(default_factory=list)


class Task(Model):
    id: str
    step: int
    round: int
    role: str
    assignees: list[Assignee]
    entered_at: datetime
    entered_by: str | None = None  # whose forward decision brought the work here
    arrival: Arrival | None = None  # why it is here (None for the first step)
    clock_start: datetime | None = None  # None while nobody holds the task
    schedule: Schedule | None = None
    reminded: bool = False
    escalations_sent: int = 0
    overdue: bool = False
    decided: bool = False
    # Ops assigned it or the bureau asked for the mail again: mail the holders anew.
    announce: Literal["assigned", "resent"] | None = None
    # Whom its mail reached for each assignee: the assignee, or their Plh/Plt that day. When
    # the day's acting official changes, the task is mailed to the one who now holds it.
    reached: dict[PersonId, PersonId] = Field(default_factory=dict)


class Mark(Model):
    """A paraf (steps 8–10) or the signature (step 11), on one exact version."""

    kind: Literal["paraf", "signature"]
    step: int
    task_id: str
    person: str
    acting_for: str | None = None
    acting_kind: Literal["plh", "plt"] | None = None
    document_kind: str
    version: int
    sha256: str
    at: datetime
    # A paraf made as an electronic signature: the version it was added to (this mark's
    # sha256 is the version carrying it). The chain of these is what a version carries.
    extends: str | None = None


class HistoryEvent(StrEnum):
    STARTED = "started"
    ENTERED = "entered"
    UNASSIGNED = "unassigned"
    ASSIGNED = "assigned"
    DECIDED = "decided"
    REFUSED = "refused"
    REMINDER = "reminder"
    RESENT = "resent"
    # An acting appointment began or ended: the task went to whoever holds it that day.
    HANDED_OVER = "handed_over"
    NOTIFY_FAILED = "notify_failed"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"
    ARCHIVE_FAILED = "archive_failed"
    # The calendar could not be asked (e.g. a broken overrides file): no deadline until it can.
    SCHEDULE_FAILED = "schedule_failed"
    # An open task's deadline moved (a revised calendar or standard time): ``detail`` holds
    # the new one, in ISO 8601.
    DEADLINE_MOVED = "deadline_moved"


class HistoryEntry(Model):
    """One line of the riwayat."""

    seq: int
    at: datetime
    event: HistoryEvent
    step: int | None = None
    round: int | None = None
    task_id: str | None = None
    person: str | None = None
    acting_for: str | None = None
    acting_kind: Literal["plh", "plt"] | None = None
    via: str | None = None  # who entered the decision for the person, if not themselves
    action: Action | None = None
    note: str = ""
    checklist: list[ChecklistAnswer] = Field(default_factory=list)
    documents: list[DocVersion] = Field(default_factory=list)
    # The person assigned, or the role an escalation went to.
    target: str | None = None
    # A short machine-readable detail: a refusal code, "2/3" for an escalation, a role, the
    # deadline (ISO 8601) a task entered with or moved to.
    detail: str = ""


class OfficialNumber(Model):
    """The nomor naskah dinas the IKU got when the Minister signed."""

    number: str
    seq: int
    year: int
    classification: str
    given_at: datetime


class OfficialNumberRequest(Model):
    workflow_id: str
    started_at: datetime
    process: ProcessInput
    signed_at: datetime


class ArchiveMetadata(Model):
    """The archive as ANRI's rules describe it: classification code, access class, and
    retention under the ministry's Jadwal Retensi Arsip (JRA)."""

    classification: str
    access_class: Literal["Biasa", "Terbatas", "Rahasia"]
    official_number: str | None = None
    # None when the JRA in settings has no rule for the classification.
    active_years: int | None = None
    inactive_years: int | None = None
    disposition: Literal["musnah", "permanen", "dinilai kembali"] | None = None
    # The years it is due to move to the inactive archive, and for its final disposition
    # (counted from the year it was archived).
    inactive_from_year: int | None = None
    disposition_year: int | None = None


class ArchiveInfo(Model):
    path: str
    bag_name: str
    files: int
    bytes: int
    valid: bool
    created_at: datetime
    metadata: ArchiveMetadata | None = None


class ProcessRecord(Model):
    """The whole state of one process. Carried across continue-as-new."""

    state: ProcessState = ProcessState.RUNNING
    started_at: datetime
    round: int = 1
    task_seq: int = 0
    message_seq: int = 0
    next_step: int | None = 1
    entered_by: str | None = None
    task: Task | None = None
    # Refreshed at every step entry: who may cancel and assign.
    owners: list[Assignee] = Field(default_factory=list)
    ops_identities: list[str] = Field(default_factory=list)
    bureau_identities: list[str] = Field(default_factory=list)
    team: Team | None = None
    # Everyone who held a task of this process (person ids, in order of first holding):
    # they are told when it is archived or cancelled.
    holders: list[str] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    cancel_reason: str | None = None
    archive: ArchiveInfo | None = None
    # Mail not yet sent, oldest first: the main loop never waits for SMTP.
    outbox: list[Notification] = Field(default_factory=list)
    # How many riwayat entries the reporting database has been sent (see _send_reports).
    reported: int = 0
    official_number: OfficialNumber | None = None


class WorkflowInput(ProcessInput):
    """The workflow's input: the process as plain JSON, plus what continue-as-new carries."""

    # Set only by continue-as-new.
    record: ProcessRecord | None = None
    # Continue as new past this many history events even before the server suggests it
    # (near 10,240): IKU_HISTORY_EVENTS_PER_RUN when the process started; none for the
    # processes started before that setting (they continue as the server suggests).
    history_event_limit: int | None = None
    # Set only by continue-as-new: a watcher's signal (RECHECK_*) the run before took while
    # it was handing over, which this run acts on first. Left out when unset, so an input
    # is what an earlier release's worker reads.
    recheck_acting: bool = Field(default=False, exclude_if=lambda on: not on)
    recheck_calendar: bool = Field(default=False, exclude_if=lambda on: not on)

    def process(self) -> ProcessInput:
        return ProcessInput.model_validate(self.model_dump(include=set(ProcessInput.model_fields)))


class TaskView(Model):
    id: str
    step: int
    round: int
    role: str
    kind: StepKind
    assignees: list[str]
    acting: dict[str, list[Deputy]] = Field(default_factory=dict)
    allowed_actions: list[Action]
    entered_at: datetime
    deadline: datetime | None
    reminder_at: datetime | None
    overdue: bool
    escalations_sent: int
    unassigned: bool
    arrival: Arrival | None = None


class StatusView(Model):
    workflow_id: str
    process: ProcessInput
    state: ProcessState
    step: int | None
    round: int
    task: TaskView | None
    team: Team | None
    documents: list[Document]
    parafs: list[Mark]
    signature: Mark | None
    history: list[HistoryEntry]
    cancel_reason: str | None
    archive: ArchiveInfo | None
    official_number: OfficialNumber | None = None


class DecisionResult(Model):
    """The reply to a decision: what happened and who is next. Kept small on purpose:
    every reply is stored in workflow history (the whole state is the `status` query)."""

    outcome: Outcome
    from_step: int
    next_step: int | None
    next_task: TaskView | None
    workflow_id: str
    process: ProcessInput
    state: ProcessState
    round: int
    mark: Mark | None = None  # the paraf or signature this decision made
    archive: ArchiveInfo | None = None
    # The archive decision is recorded but the archive could not be built: why (the step
    # is open again, in next_task).
    archive_error: str | None = None


class ProcessResult(Model):
    workflow_id: str
    state: ProcessState
    steps_completed: int
    rounds: int
    returns: int
    archive: ArchiveInfo | None
    cancel_reason: str | None
    started_at: datetime
    ended_at: datetime


# --- activity payloads -----------------------------------------------------------------


class NoticeKind(StrEnum):
    TASK = "task"  # you are asked to act (with a link)
    REMINDER = "reminder"  # the deadline is near (with a link)
    ESCALATION = "escalation"  # to the step's escalation target: a task is overdue
    UNASSIGNED = "unassigned"  # to ops: a role has nobody, assign someone
    CANCELLED = "cancelled"  # to everyone involved
    ARCHIVED = "archived"  # to everyone involved: the IKU is documented


class ProcessSummary(Model):
    workflow_id: str
    year: int
    code: str
    title: str
    sop_number: str
    official_number: str | None = None  # once the Minister signed


class Notification(Model):
    kind: NoticeKind
    seq: int  # the workflow's message counter: with run and task ids, the Message-ID
    process: ProcessSummary
    recipients: list[str] = Field(default_factory=list)  # person ids
    recipient_roles: list[str] = Field(default_factory=list)  # resolved when sent
    to_ops: bool = False
    task_id: str | None = None
    step: int | None = None
    round: int | None = None
    with_link: bool = False
    link_expires_at: datetime | None = None
    deadline: datetime | None = None
    waiting_on: list[str] = Field(default_factory=list)  # person ids, for escalations
    escalation_number: int = 0
    note: str = ""
    # Why the work is at this task (task and reminder mails).
    arrival: Arrival | None = None
    # The planning bureau's mailbox is told too, with a link to the process's archive
    # page (the bureau and ops are those who may open it).
    to_bureau: bool = False
    # When the workflow queued it: the bureau sees since when a mail waits for the relay.
    queued_at: datetime | None = None


class WaitingMail(Model):
    """A mail of the process not yet handed to the relay (query ``mail_waiting``): its kind
    and task, never its recipients or text."""

    kind: NoticeKind
    seq: int
    task_id: str | None = None
    step: int | None = None
    queued_at: datetime | None = None


class EarlierRunRequest(Model):
    workflow_id: str
    run_id: str  # this run, which is not "earlier"


class EarlierRun(Model):
    """A run of the same process id that ended as the SOP ends a process."""

    run_id: str
    state: ProcessState


class ProcessOpening(Model):
    """A new process's two lookups, asked in one local activity."""

    earlier: EarlierRun | None = None
    sop_number: str = ""  # the deployment's (IKU_SOP_NUMBER); blank when it has none


class NotificationResult(Model):
    sent: int
    message_ids: list[str]
    skipped: list[str] = Field(default_factory=list)  # person ids without an email


class ReportBatch(Model):
    """New riwayat entries of one process, for the reporting database (trimmed by
    ``reporting.events.slim``: no notes but a return's, no checklist remarks)."""

    workflow_id: str
    started_at: datetime
    process: ProcessInput
    entries: list[HistoryEntry]


class ArchiveRequest(Model):
    """Everything the archive holds is in the status (documents, history, the process)."""

    status: StatusView

    @property
    def workflow_id(self) -> str:
        return self.status.workflow_id

    @property
    def process(self) -> ProcessInput:
        return self.status.process

    @property
    def documents(self) -> list[Document]:
        return self.status.documents
