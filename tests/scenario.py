"""Drive one IKU process the way its officials would, so tests read like the SOP.

p = await Scenario(client, settings).start()
await p.walk_to(9)
await p.return_(KARO, "Target indikator 3 belum terukur")
await p.approve(KABAG, new_draft="draf v2")
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyhanko.sign.signers import Signer
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy

from api.core import gateway
from api.tasks.signing import remember_code, verification_code
from common.directory import load_directory
from common.documents import open_document_store
from common.models import (
    Action,
    Attachment,
    ChecklistAnswer,
    Decision,
    DecisionResult,
    ProcessInput,
    StatusView,
    StepKind,
    TaskView,
    Team,
    WorkflowInput,
)
from common.settings import EXAMPLE_DIRECTORY, Settings
from common.workcalendar import WorkCalendar
from signing.ca import CA_NAME, CertificateAuthority
from signing.keys import LocalKeystore
from signing.pdf import Signatory, add_paraf, add_signature, position_as_signed
from tests import samples
from tests.signatures import passphrases_in
from tests.support import eventually
from workflows import sop
from workflows.iku import IkuWorkflow

# The cast of the bundled example directory (common/data/directory.example.yaml).
KASUBAG, KABAG, KARO, SEKJEN, MENTERI = "p-001", "p-002", "p-003", "p-004", "p-005"
TIM_KETUA, TIM_ANGGOTA = "p-006", "p-007"
FUNGSIONAL_UMUM = ("p-009", "p-010")
STAF_LAIN = "p-008"


def without_email(person: str) -> Callable[[dict[str, Any]], None]:
    """A ``write_directory`` change: ``person`` has no email (their mails reach nobody)."""

    def change(data: dict[str, Any]) -> None:
        for found in data["people"]:
            if found["id"] == person:
                found.pop("email")

    return change


def write_directory(
    folder: Path,
    *,
    acting: list[dict[str, str]] | None = None,
    change: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """The bundled example directory as a new file in ``folder``, with only the ``acting``
    appointments given (none by default: the example's own are dated, and a test run
    inside them would see the Kabag's tasks go to the Plh), then changed by ``change``.

    A new file name every time: the directory is cached by modification time and size,
    which a rewrite of the same file could leave unchanged.
    """
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    data["acting"] = list(acting or [])
    if change is not None:
        change(data)
    path = folder / f"directory-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def rewrite_acting(path: Path, acting: list[dict[str, str]]) -> None:
    """The directory file edited in place, as ops edit it: its appointments now ``acting``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["acting"] = acting
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def appointment(
    person: str, stands_in_for: str, start: date, end: date, kind: str = "plh"
) -> dict[str, str]:
    """One ``acting:`` entry of the directory. For "acting today" take today ± 1 day (in
    Jakarta, by the server's clock): a window of today alone closes at midnight WIB,
    possibly in the middle of the test."""
    return {
        "person": person,
        "for": stands_in_for,
        "kind": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


# Workflow ids started per task queue, so a test's worker fixture can end what the test left
# running: on the time-skipping server an open workflow without a worker stops time.
STARTED: dict[str, list[str]] = {}


class Scenario:
    def __init__(
        self,
        client: Client,
        settings: Settings,
        *,
        code: str | None = None,
        year: int = 2027,
        history_event_limit: int | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.store = open_document_store(settings)
        self.process = ProcessInput(
            year=year,
            code=code or f"t{uuid.uuid4().hex[:10]}",
            title=f"IKU Kementerian Ketenagakerjaan {year}",
            started_by=KASUBAG,
        )
        self.id = self.process.workflow_id()
        # None by default, unlike the web layer's (IKU_HISTORY_EVENTS_PER_RUN): the test
        # server loses Update results across continue-as-new (see test_steering).
        self.history_event_limit = history_event_limit
        # Started as api/core/gateway.start does (its options, IKU_HISTORY_EVENTS_PER_RUN).
        self.as_the_web_layer = False
        self.handle: WorkflowHandle[IkuWorkflow, object]
        self.first_run_id: str | None = None

    @classmethod
    def attach(cls, client: Client, settings: Settings, workflow_id: str) -> Scenario:
        """A process started elsewhere (the bureau pages, the API, the CLI), to be driven
        from here; ``start()`` is not for it."""
        p = cls(client, settings)
        p.id = workflow_id
        p.handle = client.get_workflow_handle_for(IkuWorkflow.run, workflow_id)
        return p

    async def start(self) -> Scenario:
        if self.as_the_web_layer:
            options = gateway.start_options(self.process, self.settings)
        else:  # no memo nor search attributes: the workflow sets them itself
            options = {
                "arg": WorkflowInput(
                    **self.process.model_dump(), history_event_limit=self.history_event_limit
                ),
                "id": self.id,
                "task_queue": self.settings.task_queue,
                "static_summary": f"IKU {self.process.year} {self.process.code}",
            }
        first = await self.client.start_workflow(IkuWorkflow.run, **options)
        self.first_run_id = first.result_run_id
        STARTED.setdefault(self.settings.task_queue, []).append(self.id)
        # Not pinned to the first run: after continue-as-new we talk to the latest one.
        self.handle = self.client.get_workflow_handle_for(IkuWorkflow.run, self.id)
        await self.until(lambda s: s.task is not None)
        return self

    # --- reading -----------------------------------------------------------------------

    async def status(self) -> StatusView:
        return await self.handle.query(IkuWorkflow.status)

    async def task(self) -> TaskView:
        task = (await self.status()).task
        assert task is not None, "no task is open"
        return task

    async def until(
        self, condition: Callable[[StatusView], bool], within: float = 20
    ) -> StatusView:
        """Poll the status until the condition holds (after a signal, which gives no reply)."""

        async def holds() -> StatusView:
            status = await self.status()
            assert condition(status), f"condition not met; status step={status.step}"
            return status

        return await eventually(holds, within)

    def escalation_times(self, task: TaskView) -> list[datetime]:
        """When the task's escalations fall due, by the calendar and settings the worker
        uses (a fixed "deadline + n days" would fall short before a long holiday)."""
        assert task.deadline is not None, "the task has no deadline"
        s = self.settings
        return WorkCalendar.from_settings(s).escalation_times(
            task.deadline, s.escalation_interval_days, s.escalation_cap
        )

    # --- documents ---------------------------------------------------------------------

    def document(self, kind: str, text: str | None = None) -> Attachment:
        """A real PDF in the document store, attached as ``kind``."""
        data = samples.pdf(text or f"{kind} {uuid.uuid4().hex}")
        ref = self.store.put_bytes(data, f"{kind}.pdf", "application/pdf")
        return Attachment(kind=kind, ref=ref)

    # --- deciding ----------------------------------------------------------------------

    async def decision(
        self,
        person: str,
        action: Action,
        *,
        note: str = "",
        documents: list[Attachment] | None = None,
        checklist: dict[str, bool] | None = None,
        team: Team | None = None,
        task_id: str | None = None,
    ) -> Decision:
        task = await self.task()
        step = sop.step(task.step)
        if checklist is None and step.kind is StepKind.REVIEW:
            checklist = {item.code: True for item in step.checklist}
        return Decision(
            task_id=task_id or task.id,
            person=person,
            action=action,
            note=note,
            documents=documents or [],
            team=team,
            checklist=[ChecklistAnswer(item=k, ok=v) for k, v in (checklist or {}).items()],
        )

    async def decide(self, person: str, action: Action, **kwargs: object) -> DecisionResult:
        decision = await self.decision(person, action, **kwargs)  # type: ignore[arg-type]
        return await self.handle.execute_update(IkuWorkflow.decide, decision)

    async def submit(
        self, person: str, note: str = "", *, team: Team | None = None, **documents: str
    ) -> DecisionResult:
        """Submit with a new document of each kind given (``tor="TOR v2"``)."""
        attachments = [self.document(kind, text) for kind, text in documents.items()]
        return await self.decide(person, Action.SUBMIT, note=note, documents=attachments, team=team)

    async def approve(
        self, person: str, note: str = "Setuju.", new_draft: str | None = None
    ) -> DecisionResult:
        """Approve; at 8–11 that is signing, as the task page does it: the latest draft (or
        the reviewer's ``new_draft``) gets the person's paraf or the Minister's signature,
        and the signed version goes with the approval."""
        task = await self.task()
        if sop.step(task.step).signs:
            attachments = [await self.signed(person, task, new_draft)]
        else:
            attachments = [self.document("draf_iku", new_draft)] if new_draft else []
        return await self.decide(person, Action.APPROVE, note=note, documents=attachments)

    async def signed(self, person: str, task: TaskView, new_draft: str | None) -> Attachment:
        """The version under review (or a new draft) signed with ``person``'s key from the
        worker's CA, stored as a new version."""
        if new_draft is not None:
            base = samples.pdf(new_draft)
        else:
            draft = sop.step(task.step).draft
            drafts = [d for d in (await self.status()).documents if d.kind == draft]
            assert drafts, "no draft to sign"
            with self.store.open(drafts[-1].ref) as handle:
                base = handle.read()
        signer = _signer(self.settings, person)
        who = self._signatory(person, task)
        if task.step == sop.SIGNATURE_STEP:
            code = verification_code(self.settings, self.id)
            remember_code(self.settings, code, self.id)
            signed = await add_signature(
                base,
                signer,
                who,
                verify_url=f"{self.settings.public_base_url.rstrip('/')}/v/{code}",
                issuer=CA_NAME,
                at=datetime.now(UTC),
            )
            kind = "iku"
        else:
            signed = await add_paraf(base, signer, who)
            kind = "draf_iku"
        ref = self.store.put_bytes(signed, "Draf IKU (TTE).pdf", "application/pdf")
        return Attachment(kind=kind, ref=ref)

    def _signatory(self, person: str, task: TaskView) -> Signatory:
        """As the task page signs: an acting official in their own name, with "Plh." or
        "Plt." before the position of the one they stand in for."""
        directory = load_directory(self.settings.directory_file)
        me = directory.person(person)
        assert me is not None, f"{person} is not in the directory"
        position = me.position
        if person not in task.assignees:
            for holder, deputies in task.acting.items():
                deputy = next((d for d in deputies if d.person == person), None)
                official = directory.person(holder)
                if deputy is not None and official is not None:
                    position = position_as_signed(official.position, deputy.kind)
                    break
        return Signatory(me.name, position, task.step)

    async def return_(self, person: str, note: str) -> DecisionResult:
        return await self.decide(person, Action.RETURN, note=note)

    async def hand_over(self, person: str) -> DecisionResult:
        return await self.decide(person, Action.HAND_OVER)

    async def archive(self, person: str = FUNGSIONAL_UMUM[0]) -> DecisionResult:
        return await self.decide(person, Action.ARCHIVE)

    async def do_step(self) -> DecisionResult:
        """Whatever the current step's executor does on the happy path."""
        step = (await self.task()).step
        return await HAPPY[step](self)

    async def walk_to(self, number: int) -> None:
        while (await self.task()).step != number:
            await self.do_step()

    async def walk_to_end(self) -> DecisionResult:
        while True:
            result = await self.do_step()
            if result.outcome == "archived":
                return result

    async def started_again(self) -> str:
        """Someone starts the id again, allowing duplicates: the workflow refuses that run.
        Its run id."""
        again = await self.client.start_workflow(
            IkuWorkflow.run,
            WorkflowInput(**self.process.model_dump()),
            id=self.id,
            task_queue=self.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        with pytest.raises(WorkflowFailureError):
            await again.result()
        assert again.result_run_id is not None
        return again.result_run_id

    async def result(self, within: timedelta = timedelta(seconds=30)) -> object:
        return await asyncio.wait_for(self.handle.result(), within.total_seconds())


# Unlocking a PKCS#12 key (PBKDF2) takes a good part of a second: every test's CA is a copy
# of the session's, so a key is unlocked once per session, by the file's bytes.
_SIGNERS: dict[tuple[str, bytes], Signer] = {}


def _signer(settings: Settings, person: str) -> Signer:
    signing_dir = settings.signing_dir
    key = CertificateAuthority(signing_dir).key_path_of(person)
    assert key.exists(), f"{person} has no signing key in {signing_dir}"
    data = key.read_bytes()
    found = _SIGNERS.get((person, data))
    if found is None:
        secret = passphrases_in(signing_dir, settings.ca_private_dir)[person]
        found = _SIGNERS[(person, data)] = LocalKeystore(signing_dir).signer(person, secret)
    return found


# The Tim Penyusunan the SK Tim names at step 5.
TEAM = Team(members=[TIM_KETUA, TIM_ANGGOTA], leader=TIM_KETUA)


def _draft(p: Scenario) -> Awaitable[DecisionResult]:
    return p.submit(TIM_KETUA, draf_iku="Draf IKU v1")


# What each step's executor does when all goes well, by step number as in the SOP table.
HAPPY: dict[int, Callable[[Scenario], Awaitable[DecisionResult]]] = {
    1: lambda p: p.submit(
        KASUBAG, konsep_rencana_kerja="Konsep Rencana Kerja", tor="TOR penyusunan IKU"
    ),
    2: lambda p: p.approve(KABAG, "Setuju, teruskan kepada Karo."),
    3: lambda p: p.approve(KARO, "Setuju. Kabag agar membentuk Tim Penyusunan."),
    4: lambda p: p.submit(KABAG, "Kasubbag agar membentuk Tim Penyusunan."),
    5: lambda p: p.submit(KASUBAG, sk_tim="SK Tim Penyusunan", team=TEAM),
    6: _draft,
    7: lambda p: p.approve(KASUBAG),
    8: lambda p: p.approve(KABAG),
    9: lambda p: p.approve(KARO),
    10: lambda p: p.approve(SEKJEN),
    11: lambda p: p.approve(MENTERI, "Ditandatangani."),
    12: lambda p: p.hand_over(SEKJEN),
    13: lambda p: p.hand_over(KARO),
    14: lambda p: p.hand_over(KABAG),
    15: lambda p: p.hand_over(KASUBAG),
    16: lambda p: p.archive(FUNGSIONAL_UMUM[0]),
}

# Who reviews at each review step, and who fixes what a return sends back.
REVIEWER = {2: KABAG, 3: KARO, 7: KASUBAG, 8: KABAG, 9: KARO, 10: SEKJEN, 11: MENTERI}
