"""Signing on the task page at 8–11 (the passphrase typed there, the web process signs) and
the public verification page /v/<code>."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from temporalio.testing import WorkflowEnvironment

from api.tasks.signing import verification_code
from common.settings import Settings
from signing.verify import verify_pdf
from tests import samples
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario
from tests.signatures import Keys, make_keys
from tests.web import SAME_ORIGIN, Web


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return make_keys(settings.signing_dir)


async def signed_iku(p: Scenario) -> bytes:
    iku = [d for d in (await p.status()).documents if d.kind == "iku"][-1]
    return p.store.path_of(iku.ref).read_bytes()


async def test_the_officials_type_their_passphrase_and_the_iku_verifies_on_the_qr_page(
    dev_env: WorkflowEnvironment, web: Web, settings: Settings, keys: Keys
) -> None:
    p = await Scenario(dev_env.client, settings).start()
    await p.walk_to(8)
    link = await web.link(p.id, KABAG, (await p.task()).id)
    page = await web.open(link)
    assert "Passphrase TTE" in page.text
    wrong = await web.submit(
        link, page, "approve", note="Setuju, diparaf.", passphrase="bukan-passphrase"
    )
    assert wrong.status == 422 and "Passphrase TTE salah" in wrong.text
    assert "bukan-passphrase" not in wrong.text
    assert (await p.task()).step == 8  # nothing applied
    # The Kabag is shown his form again, his note kept, to type the passphrase once more.
    assert "approve" in wrong.actions and wrong.nonce != page.nonce
    assert [f.value for f in wrong.named("note")] == ["Setuju, diparaf."]
    missing = await web.submit(link, wrong, "approve")
    assert missing.status == 422 and "Ketik passphrase TTE" in missing.text
    assert "approve" in missing.actions and "passphrase" in [f.name for f in missing.fields]
    for person in (KABAG, KARO, SEKJEN, MENTERI):
        task_link = await web.link(p.id, person, (await p.task()).id)
        result = await web.submit(
            task_link,
            await web.open(task_link),
            "approve",
            note="Setuju.",
            passphrase=keys.passphrases[person],
        )
        assert result.status == 200, result.text
    # Each signed version is named once for what it carries, not once per signature on it.
    names = [d.ref.name for d in (await p.status()).documents if d.kind in ("draf_iku", "iku")]
    assert [n.count("(") for n in names[-4:]] == [1, 1, 1, 1], names
    assert names[-1].endswith(" (TTE).pdf") and names[-2].endswith(" (paraf).pdf"), names
    final = await signed_iku(p)
    report = await verify_pdf(final, settings.signing_dir)
    assert report.valid and [s.person for s in report.signatures] == [KABAG, KARO, SEKJEN, MENTERI]
    # The QR link on the stamp opens the verification page, without signing in.
    code = verification_code(settings, p.id)
    reader = PdfFileReader(BytesIO(final))
    stamp = reader.embedded_signatures[-1].sig_field["/AP"]["/N"].get_object().data
    assert b"Dokumen ini telah ditandatangani" in stamp
    base = settings.public_base_url
    public = await web.http.get(f"{base}/v/{code}")
    assert public.status_code == 200, public.text
    for expected in ("SAH", "Ahmad Fauzi", "Sekretaris Jenderal", "Ir. Sri Hartati", "versi"):
        assert expected in public.text
    assert p.id not in public.text and "IKU Kementerian Ketenagakerjaan" not in public.text
    as_json = (await web.http.get(f"{base}/v/{code}/json")).json()
    assert as_json["valid"] is True and len(as_json["signatures"]) == 4
    # Checked as of when the record took the signed IKU, and the page says so.
    iku = [d for d in (await p.status()).documents if d.kind == "iku"][-1]
    assert datetime.fromisoformat(as_json["validated_at"]) == iku.at
    assert "Diperiksa per" in public.text
    assert [s["valid"] for s in as_json["signatures"]] == [s.valid for s in report.signatures]

    async def checked(pdf: bytes) -> str:
        """The page of a copy uploaded to the QR code's address."""
        answer = await web.http.post(
            f"{base}/v/{code}",
            files={"pdf": ("iku.pdf", pdf, "application/pdf")},
            headers=SAME_ORIGIN,
        )
        assert answer.status_code == 200, answer.text
        return answer.text

    assert "sama persis" in await checked(final)
    from tests.test_signing import modified

    other = await checked(modified(final))
    assert "BERBEDA" in other and "TIDAK SAH" in other
    assert "belum ditandatangani Menteri" not in public.text + other
    # The Sekjen's paraf version, sent as if it were the IKU: named as the draft it is.
    drafts = [d for d in (await p.status()).documents if d.kind == "draf_iku"]
    initialled = await checked(p.store.path_of(drafts[-1].ref).read_bytes())
    assert "BERBEDA" in initialled
    assert f"draf IKU versi {drafts[-1].version} yang tercatat" in initialled
    assert "belum ditandatangani Menteri" in initialled
    # The Sekjen's own key in the Minister's field: a valid signature, not the Minister's.
    forged = await keys.sign(p.store.path_of(drafts[-1].ref).read_bytes(), person=SEKJEN)
    assert "belum ditandatangani Menteri" in await checked(forged)
    # A signature damaged in transit is a finding on the page, not a server error.
    from tests.test_ca_faults import damaged_signature

    assert "TIDAK SAH" in await checked(damaged_signature(final))
    assert (await web.http.get(f"{base}/v/tidakada")).status_code == 404


async def test_the_kabag_cannot_initial_while_the_directory_cannot_be_read(
    dev_env: WorkflowEnvironment, web: Web, settings: Settings, keys: Keys, tmp_path: Path
) -> None:
    """Her name and position go into the signature for good: with no directory to read them
    from (a web process started on a broken file), she is asked to try again, not signed
    with her directory id."""
    p = await Scenario(dev_env.client, settings).start()
    await p.walk_to(8)
    link = await web.link(p.id, KABAG, (await p.task()).id)
    page = await web.open(link)
    directory = settings.directory_file
    broken = tmp_path / "direktori-rusak.yaml"
    broken.write_text("people: [ {id: p-001\n")
    settings.directory_file = broken
    refused = await web.submit(link, page, "approve", passphrase=keys.passphrases[KABAG])
    assert refused.status == 503 and "Direktori pegawai sedang tidak dapat dibaca" in refused.text
    assert "approve" in refused.actions  # the form again, to send once the directory is back
    assert (await p.task()).step == 8
    settings.directory_file = directory
    signed = await web.submit(link, refused, "approve", passphrase=keys.passphrases[KABAG])
    assert signed.status == 200, signed.text
    report = await verify_pdf(
        p.store.path_of(
            [d for d in (await p.status()).documents if d.kind == "draf_iku"][-1].ref
        ).read_bytes(),
        settings.signing_dir,
    )
    assert report.signatures[-1].position and report.signatures[-1].person == KABAG


async def test_repeated_wrong_passphrases_are_throttled(
    dev_env: WorkflowEnvironment, web: Web, settings: Settings, keys: Keys
) -> None:
    p = await Scenario(dev_env.client, settings).start()
    await p.walk_to(8)
    link = await web.link(p.id, KABAG, (await p.task()).id)
    for _ in range(5):
        answer = await web.submit(link, await web.open(link), "approve", passphrase="salah")
        assert answer.status == 422
    right = keys.passphrases[KABAG]
    answer = await web.submit(link, await web.open(link), "approve", passphrase=right)
    assert answer.status == 429 and "Terlalu banyak passphrase" in answer.text
    assert (await p.task()).step == 8


def stored_objects(settings: Settings) -> set[str]:
    """Every file the local document store holds, stored or staged (its scratch space for
    uploads on their way in excepted)."""
    root = settings.documents_dir
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] != "scratch"
    }


async def test_a_signed_approval_the_workflow_refuses_leaves_nothing_in_the_store(
    dev_env: WorkflowEnvironment, web: Web, settings: Settings, keys: Keys
) -> None:
    p = await Scenario(dev_env.client, settings).start()
    await p.walk_to(8)
    before = stored_objects(settings)
    link = await web.link(p.id, KABAG, (await p.task()).id)
    right = keys.passphrases[KABAG]
    # Signed by the web process, then refused by the workflow's rules (a checklist item
    # not met is no approval): the signed version is not kept.
    unmet = await web.submit(
        link,
        await web.open(link),
        "approve",
        passphrase=right,
        checklist={next(iter((await web.open(link)).checklist)): False},
    )
    assert unmet.status == 422, unmet.text
    assert stored_objects(settings) == before
    # A revision that already carries someone else's paraf: the Kabag's paraf is added,
    # the workflow's signature check refuses it; neither the upload nor its signed version
    # is kept.
    foreign = await keys.paraf(samples.pdf("Draf IKU v2 dengan paraf Karo"), KARO, 9)
    wrong = await web.submit(
        link,
        await web.open(link),
        "approve",
        passphrase=right,
        files={"draf_iku": [("Draf IKU v2.pdf", foreign, "application/pdf")]},
    )
    assert wrong.status == 422, wrong.text
    assert "versi yang sedang diperiksa" in wrong.text
    assert stored_objects(settings) == before
    assert (await p.task()).step == 8  # nothing applied
    # Accepted, the signed version is kept (and the version it extends, as before).
    accepted = await web.submit(link, await web.open(link), "approve", passphrase=right)
    assert accepted.status == 200, accepted.text
    kept = [d for d in (await p.status()).documents if d.kind == "draf_iku"][-1]
    assert p.store.path_of(kept.ref).is_file()
    assert stored_objects(settings) - before == {
        str(p.store.path_of(kept.ref).relative_to(settings.documents_dir))
    }
