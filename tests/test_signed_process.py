"""The process with real electronic signatures at 8–11: the web process's part (unlocking a
key, signing the version under review, storing it) done here as it does it, the workflow
checking every signed version before it accepts the decision."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from commands.iku import main as iku_command
from common.models import Action, Attachment, DecisionResult
from common.settings import Settings, get_settings
from signing.verify import verify_pdf
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario
from tests.signatures import PLH_KABAG, Keys, make_keys
from tests.support import local_activity_type
from workflows.sop import WIB


@pytest.fixture
def keys(settings: Settings) -> Keys:
    """The worker's CA (in its data folder) with the officials' certificates."""
    return make_keys(settings.signing_dir)


async def current_draft(p: Scenario) -> bytes:
    drafts = [d for d in (await p.status()).documents if d.kind == "draf_iku"]
    return p.store.path_of(drafts[-1].ref).read_bytes()


async def sign_and_approve(
    p: Scenario,
    keys: Keys,
    person: str,
    *,
    pdf: bytes | None = None,
    acting_kind: str | None = None,
    signer: Keys | None = None,
) -> DecisionResult:
    """What the task page does at 8–11: sign the version under review (or ``pdf``) with the
    person's key and send the approval with the signed version."""
    step = (await p.task()).step
    base = pdf if pdf is not None else await current_draft(p)
    by = signer or keys
    if step == 11:
        signed, kind = await by.sign(base, person), "iku"
    else:
        signed, kind = await by.paraf(base, person, step, acting_kind), "draf_iku"
    ref = p.store.put_bytes(signed, "Draf IKU.pdf", "application/pdf")
    return await p.decide(
        person, Action.APPROVE, note="Setuju.", documents=[Attachment(kind=kind, ref=ref)]
    )


async def refused(coro: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await coro  # type: ignore[misc]
    return failed.value.cause.type  # type: ignore[union-attr]


async def test_the_kabag_karo_sekjen_initial_and_the_minister_signs_four_valid_signatures(
    ts_env: WorkflowEnvironment,
    ts_worker,
    settings: Settings,
    keys: Keys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(8)
    seen = []
    for person in (KABAG, KARO, SEKJEN, MENTERI):
        seen.append(hashlib.sha256(await current_draft(p)).hexdigest())
        await sign_and_approve(p, keys, person)
    status = await p.status()
    assert status.step == 12
    iku = next(d for d in status.documents if d.kind == "iku")
    final = p.store.path_of(iku.ref).read_bytes()
    report = await verify_pdf(final, settings.signing_dir)
    assert report.valid
    assert [s.person for s in report.signatures] == [KABAG, KARO, SEKJEN, MENTERI]
    # Each signature covers the bytes its signer saw on the task page.
    assert [s.approved_sha256 for s in report.signatures] == seen
    assert [(m.step, m.person) for m in status.parafs] == [(8, KABAG), (9, KARO), (10, SEKJEN)]
    assert status.signature is not None and status.signature.person == MENTERI
    await p.walk_to_end()
    archived = await p.status()
    assert archived.archive is not None and archived.archive.valid
    # The archive verifies offline: the CA, its CRL and the report travel with the IKU.
    tte = Path(archived.archive.path) / "data" / "tte"
    assert (tte / "ca.pem").is_file() and (tte / "crl.pem").is_file()
    kept = json.loads((tte / "validasi.json").read_text())
    assert kept["documents"][0]["report"]["valid"] is True
    assert [s["person"] for s in kept["documents"][0]["report"]["signatures"]] == [
        KABAG,
        KARO,
        SEKJEN,
        MENTERI,
    ]
    # An auditor with the bag alone, as the README says: its CA, its CRL, its date.
    bag = Path(archived.archive.path)
    [signed] = (bag / "data" / "dokumen").glob("11-iku/*.pdf")
    info = (bag / "bag-info.txt").read_text()
    [stamp] = [line.split(": ", 1)[1] for line in info.splitlines() if line.startswith("Bagging-T")]
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKU_SIGNING_DIR", str(tmp_path / "no-ca-here"))
    get_settings.cache_clear()
    try:
        command = ["verify", str(signed), "--ca", str(tte), "--at", stamp]
        assert await asyncio.to_thread(iku_command, command) == 0  # it runs its own loop
    finally:
        get_settings.cache_clear()


async def test_each_signature_check_and_the_number_ride_in_the_decisions_own_workflow_task(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, keys: Keys
) -> None:
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(8)
    for person in (KABAG, KARO, SEKJEN, MENTERI):
        await sign_and_approve(p, keys, person)
    assert (await p.status()).official_number is not None
    history = await p.handle.fetch_history()
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    }
    assert not scheduled & {"check_signed_version", "give_official_number"}, scheduled
    local = [local_activity_type(e) for e in history.events]
    assert local.count("check_signed_version") == 4
    assert local.count("give_official_number") == 1


async def test_a_draft_changed_after_the_karos_paraf_is_refused_at_the_sekjen(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, keys: Keys
) -> None:
    from tests.test_signing import modified

    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(8)
    await sign_and_approve(p, keys, KABAG)
    await sign_and_approve(p, keys, KARO)
    changed = modified(await current_draft(p))
    code = await refused(sign_and_approve(p, keys, SEKJEN, pdf=changed))
    assert code == "signature_invalid"
    assert (await p.task()).step == 10  # nothing applied


async def test_someone_elses_signature_another_cas_and_an_older_version_are_each_refused(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, keys: Keys, tmp_path: Path
) -> None:
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(8)
    first = await current_draft(p)
    await sign_and_approve(p, keys, KABAG)
    before = await p.status()
    # The Karo decides, but the signature on the version is the Sekjen's.
    step = (await p.task()).step
    signed = await keys.paraf(await current_draft(p), SEKJEN, step)
    ref = p.store.put_bytes(signed, "Draf IKU.pdf", "application/pdf")
    code = await refused(
        p.decide(KARO, Action.APPROVE, documents=[Attachment(kind="draf_iku", ref=ref)])
    )
    assert code == "signature_wrong_signer"
    # A certificate with the Karo's name and id, from another CA.
    other = make_keys(tmp_path / "other-ca", (KARO,))
    assert await refused(sign_and_approve(p, keys, KARO, signer=other)) == "signature_untrusted"
    # The Karo's paraf added to the version before the Kabag's.
    assert await refused(sign_and_approve(p, keys, KARO, pdf=first)) == "signature_wrong_version"
    after = await p.status()
    assert after.documents == before.documents and after.parafs == before.parafs


async def test_a_return_at_9_and_a_new_version_restart_the_paraf_chain(
    ts_env: WorkflowEnvironment, ts_worker, settings: Settings, keys: Keys
) -> None:
    from tests import samples

    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to(8)
    await sign_and_approve(p, keys, KABAG)
    await p.return_(KARO, "Target indikator 2 belum terukur.")
    assert (await p.task()).step == 8
    # The Kabag fixes the draft: a new PDF, initialled by the Kabag first.
    revised = samples.pdf("Draf IKU v2: target indikator 2 terukur")
    result = await sign_and_approve(p, keys, KABAG, pdf=revised)
    assert result.next_step == 9
    await sign_and_approve(p, keys, KARO)
    await sign_and_approve(p, keys, SEKJEN)
    await sign_and_approve(p, keys, MENTERI)
    status = await p.status()
    iku = next(d for d in status.documents if d.kind == "iku")
    report = await verify_pdf(p.store.path_of(iku.ref).read_bytes(), settings.signing_dir)
    assert report.valid and [s.person for s in report.signatures] == [KABAG, KARO, SEKJEN, MENTERI]
    assert report.signatures[0].approved_sha256 == hashlib.sha256(revised).hexdigest()


async def test_the_plh_kabags_paraf_says_plh(
    ts_env: WorkflowEnvironment, settings: Settings, keys: Keys, tmp_path: Path
) -> None:
    from datetime import timedelta

    from tests.conftest import serving
    from tests.scenario import appointment, write_directory

    # The server's today (a shared one may have been moved on), in Jakarta as the worker.
    today = (await ts_env.get_current_time()).astimezone(WIB).date()
    plh = appointment(PLH_KABAG, KABAG, today - timedelta(days=1), today + timedelta(days=1))
    acting = settings.model_copy(update={"directory_file": write_directory(tmp_path, acting=[plh])})
    async with serving(ts_env, acting):
        p = await Scenario(ts_env.client, acting).start()
        await p.walk_to(8)
        await sign_and_approve(p, keys, PLH_KABAG, acting_kind="plh")
        status = await p.status()
        mark = status.parafs[-1]
        assert mark.person == PLH_KABAG and mark.acting_kind == "plh"
        report = await verify_pdf(await current_draft(p), acting.signing_dir)
        assert report.signatures[0].position.startswith("Plh. Kepala Bagian")
