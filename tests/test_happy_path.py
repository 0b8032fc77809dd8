"""The whole SOP, from the Kasubag's proposal to the Fungsional Umum's archive."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from common.archives.bag import validate_bag
from common.links import LinkSigner
from common.models import HistoryEvent, ProcessState
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario


async def test_the_proposal_goes_up_the_draft_is_initialled_signed_handed_down_and_archived(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    final = await p.walk_to_end()

    assert final.outcome == "archived" and final.next_step is None
    status = await p.status()
    assert status.state is ProcessState.ARCHIVED
    decided = [h for h in status.history if h.event.value == "decided"]
    assert [h.step for h in decided] == list(range(1, 17))
    # One draft, all initials: each paraf and the signature is one more signature on it.
    drafts = [d for d in status.documents if d.kind == "draf_iku"]
    print([(d.kind, d.version, d.ref.sha256[:8]) for d in status.documents])
    print([(m.step, m.sha256[:8], m.extends) for m in status.parafs], status.signature)
    assert [(m.step, m.person) for m in status.parafs] == [(8, KABAG), (9, KARO), (10, SEKJEN)]
    assert [m.sha256 for m in status.parafs] == [d.ref.sha256 for d in drafts[1:4]]
    assert status.signature is not None and status.signature.person == MENTERI
    # Approving at 2 made the Rencana Kerja out of the Konsep; the signed draft is the IKU.
    kinds = {d.kind for d in status.documents}
    assert {"konsep_rencana_kerja", "tor", "rencana_kerja", "sk_tim", "draf_iku", "iku"} <= kinds
    assert status.archive is not None and status.archive.valid
    assert validate_bag(Path(status.archive.path)) == (True, None)

    result = await p.result()
    assert result.state is ProcessState.ARCHIVED
    assert result.steps_completed == 16 and result.returns == 0


async def test_every_executor_is_mailed_a_personal_link_to_their_own_task(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    await p.walk_to_end()
    await mail.wait_for(p.id, "archived")
    history = (await p.status()).history
    entered = [h for h in history if h.event is HistoryEvent.ENTERED]
    assert len(entered) == 16
    signer = LinkSigner(settings.link_secret_value())
    message_ids = set()
    for entry in entered:
        (sent, *more) = await mail.wait_for(p.id, "task", entry.task_id)
        for message in (sent, *more):
            text = message.get_body(("plain",)).get_content()
            link = re.search(r"http://iku\.test/t/(\S+)", text)
            assert link is not None, message["Subject"]
            claims = signer.read(link.group(1))
            assert (claims.workflow_id, claims.task_id) == (p.id, entry.task_id)
            decided = next(
                h for h in history if h.event is HistoryEvent.DECIDED and h.task_id == entry.task_id
            )
            if not more:  # a pool step mails every member; otherwise it is the decider
                assert claims.person == decided.person
            # Message-ID: workflow id, run id, task id, kind and sequence.
            prefix = f"<{p.id}.{p.first_run_id}.{entry.task_id}.task."
            assert message["Message-ID"].startswith(prefix)
            message_ids.add(message["Message-ID"])
    assert len(message_ids) == len(mail.for_process(p.id, "task"))  # all different


async def test_a_mailed_link_lives_until_the_last_escalation_plus_the_grace_period(
    ts_env: WorkflowEnvironment, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    task = await p.task()
    (sent,) = await mail.wait_for(p.id, "task", task.id)
    text = sent.get_body(("plain",)).get_content()
    link = re.search(r"http://iku\.test/t/(\S+)", text)
    assert link is not None
    claims = LinkSigner(settings.link_secret_value()).read(link.group(1))
    # The Kasubbag may still be chased until the last escalation; the link outlives it
    # by the grace period, to the second.
    last_escalation = p.escalation_times(task)[-1]
    assert last_escalation > task.deadline  # type: ignore[operator]
    expected = last_escalation + timedelta(days=settings.link_grace_days)
    assert claims.expires_at == expected.replace(microsecond=0)
