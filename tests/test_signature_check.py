"""The workflow's check of a signed version, as the activity runs it on the stored files."""

from __future__ import annotations

from pathlib import Path

import pytest

from activities.signatures import SignatureActivities, SignatureCheck
from common.documents import LocalDocumentStore
from common.settings import Settings
from tests import samples
from tests.signatures import make_keys


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Settings, LocalDocumentStore]:
    settings = Settings(data_dir=tmp_path)
    return settings, LocalDocumentStore(settings.documents_dir)


async def test_the_karos_paraf_on_the_stored_version_passes_and_the_sekjen_cannot_use_it(
    setup: tuple[Settings, LocalDocumentStore],
) -> None:
    settings, store = setup
    keys = make_keys(settings.signing_dir, ("p-002", "p-003"))
    v1 = samples.pdf("Draf IKU")
    v2 = await keys.paraf(v1, "p-002", 8)
    v3 = await keys.paraf(v2, "p-003", 9)
    refs = [store.put_bytes(v, "draf.pdf", "application/pdf") for v in (v1, v2, v3)]
    activities = SignatureActivities(settings)
    ok = await activities.check_signed_version(
        SignatureCheck(previous=refs[1], signed=refs[2], signers=["p-003"], final=False)
    )
    assert ok.ok and ok.person == "p-003"
    wrong = await activities.check_signed_version(
        SignatureCheck(previous=refs[1], signed=refs[2], signers=["p-004"], final=False)
    )
    assert not wrong.ok and wrong.code == "signature_wrong_signer"
    # The Karo's paraf is no Minister's signature.
    kind = await activities.check_signed_version(
        SignatureCheck(previous=refs[1], signed=refs[2], signers=["p-003"], final=True)
    )
    assert kind.code == "signature_kind"
    # The Kabag's first paraf on a new draft of their own: one signature, theirs.
    own = await activities.check_signed_version(
        SignatureCheck(previous=None, signed=refs[1], signers=["p-002"], final=False)
    )
    assert own.ok
    unsigned = await activities.check_signed_version(
        SignatureCheck(previous=refs[0], signed=refs[0], signers=["p-002"], final=False)
    )
    # A PDF without any signature approves nothing at 8–11.
    assert not unsigned.ok and unsigned.code == "signature_required"
