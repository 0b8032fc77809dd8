"""The whole SOP, from the Kasubag's proposal to the Fungsional Umum's archive."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from common.archive_bag import validate_bag
from common.models import ProcessState
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario


async def test_the_proposal_goes_up_the_draft_is_initialled_signed_handed_down_and_archived(
    ts_env: WorkflowEnvironment, ts_worker, settings
):
    p = await Scenario(ts_env.client, settings).start()
    final = await p.walk_to_end()

    assert final.outcome == "archived" and final.next_step is None
    status = final.status
    assert status.state is ProcessState.ARCHIVED
    decided = [h for h in status.history if h.event.value == "decided"]
    assert [h.step for h in decided] == list(range(1, 17))
    # One version, all initials: the three parafs and the signature are on the same bytes.
    draft = next(d for d in status.documents if d.kind == "draf_iku")
    assert [(m.step, m.person) for m in status.parafs] == [(8, KABAG), (9, KARO), (10, SEKJEN)]
    assert {m.sha256 for m in status.parafs} == {draft.ref.sha256}
    assert status.signature is not None and status.signature.person == MENTERI
    assert status.signature.sha256 == draft.ref.sha256
    # Approving at 2 made the Rencana Kerja out of the Konsep; the signed draft is the IKU.
    kinds = {d.kind for d in status.documents}
    assert {"konsep_rencana_kerja", "tor", "rencana_kerja", "sk_tim", "draf_iku", "iku"} <= kinds
    assert status.archive is not None and status.archive.valid
    assert validate_bag(__import__("pathlib").Path(status.archive.path)) == (True, None)

    result = await p.result()
    assert result.state is ProcessState.ARCHIVED
    assert result.steps_completed == 16 and result.returns == 0
