"""The paraf and the Minister's signature as PAdES signatures: the CA and its keystore,
signing with pyHanko, validation against the CA and its CRL, and the chain check the
workflow runs on each newly signed version."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature

from commands.iku import main as iku
from common.settings import EXAMPLE_DIRECTORY, get_settings
from signing.ca import CaError, CertificateAuthority, certificate_authority
from signing.chain import check_added_signature
from signing.keys import LocalKeystore, NoSigningKey, WrongPassphrase
from signing.pdf import add_signature
from signing.verify import validation_context, verify_pdf
from tests import samples
from tests.signatures import CHAIN, MINISTER, PLH_KABAG, Keys, make_keys, passphrases_in


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("signing"))


@pytest.fixture(scope="module")
async def versions(keys: Keys) -> list[bytes]:
    """The draft, then the draft after each paraf and after the Minister's signature."""
    out = [samples.pdf("Draf IKU Kemnaker 2027\nIndikator 1: tingkat pengangguran")]
    for step, person in CHAIN:
        out.append(await keys.paraf(out[-1], person, step))
    out.append(await keys.sign(out[-1]))
    return out


def modified(pdf: bytes) -> bytes:
    """``pdf`` with its first page turned, as an incremental update (what a PDF editor
    saving over a signed file does)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_ca_issues_each_official_a_non_repudiation_certificate_and_an_encrypted_key(
    keys: Keys,
) -> None:
    ca = CertificateAuthority(keys.root)
    bundle = ca.key_path_of("p-002").read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(bundle, None)  # never stored in the clear
    _, cert, _ = pkcs12.load_key_and_certificates(bundle, keys.passphrases["p-002"].encode())
    assert cert is not None
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment and usage.digital_signature and not usage.key_cert_sign
    assert cert.issuer == ca.certificate().subject
    uid = cert.subject.get_attributes_for_oid(x509.oid.NameOID.USER_ID)[0].value
    assert uid == "p-002"
    assert ca.crl().is_signature_valid(ca.certificate().public_key())
    sheet = ca.initial_passphrases_path
    assert os.stat(sheet).st_mode & 0o077 == 0
    assert f"p-002 {keys.passphrases['p-002']}" in sheet.read_text()


def test_a_wrong_passphrase_unlocks_nothing_and_someone_without_a_certificate_has_no_key(
    keys: Keys,
) -> None:
    with pytest.raises(WrongPassphrase):
        keys.keystore.signer("p-002", keys.passphrases["p-002"] + "x")
    with pytest.raises(WrongPassphrase):
        keys.keystore.signer("p-002", keys.passphrases["p-003"])
    with pytest.raises(NoSigningKey):
        keys.keystore.signer("p-009", "anything")


async def test_the_kabag_karo_and_sekjen_initial_the_minister_signs_four_valid_signatures_in_order(
    keys: Keys, versions: list[bytes]
) -> None:
    final = versions[-1]
    report = await verify_pdf(final, keys.root)
    assert report.valid and not report.changed_after_last
    assert [s.person for s in report.signatures] == ["p-002", "p-003", "p-004", MINISTER]
    assert [s.kind for s in report.signatures] == ["paraf", "paraf", "paraf", "signature"]
    for n, sig in enumerate(report.signatures, start=1):
        assert sig.valid and sig.intact and sig.trusted, sig.problem
        # Each covers exactly the bytes its signer approved, plus its own signature.
        assert sig.approved_sha256 == sha(versions[n - 1])
        assert sig.signed_sha256 == sha(versions[n])
        assert sig.revision == n
    assert report.signatures[0].position == "Kepala Bagian Perencanaan Program"
    assert report.signatures[3].position == "Menteri Ketenagakerjaan"
    # pyHanko's own validator, run directly, agrees.
    reader = PdfFileReader(BytesIO(final))
    for embedded in reader.embedded_signatures:
        status = await async_validate_pdf_signature(
            embedded, signer_validation_context=validation_context(CertificateAuthority(keys.root))
        )
        assert status.bottom_line


async def test_after_the_ministers_signature_any_change_is_flagged(
    keys: Keys, versions: list[bytes]
) -> None:
    report = await verify_pdf(modified(versions[-1]), keys.root)
    assert not report.valid and report.changed_after_last
    assert not report.signatures[-1].valid
    assert report.signatures[-1].intact  # the signed bytes are there, the change is after


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_signed_iku_shows_the_stamp_with_name_position_wib_time_and_qr(
    versions: list[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "iku.pdf"
    path.write_bytes(versions[-1])
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in (
        "Ditandatangani secara elektronik oleh:",
        "Menteri Ketenagakerjaan",
        "Ir. Sri Hartati, M.T.",
        "WIB",
        "Dokumen ini telah ditandatangani secara elektronik",
        "/v/TESTCODE",
    ):
        assert expected in text
    # The QR code opens the verification page: the stamp names it by that page's word.
    assert "Verifikasi: http://127.0.0.1:8000/v/TESTCODE" in text.replace("\n", " ")
    assert "Periksa keaslian" not in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "p")], check=True)
    image = Image.open(tmp_path / "p-1.png").convert("L")
    width, height = image.size
    stamp = image.crop((width // 2, height * 3 // 4, width, height))
    dark = sum(stamp.histogram()[:128])
    assert dark > 500  # the QR code's modules and the text, not a blank margin


async def test_a_ministry_in_jayapura_time_sees_wit_on_the_stamp(keys: Keys, tmp_path: Path):
    signer = keys.keystore.signer(MINISTER, keys.passphrases[MINISTER])
    signed = await add_signature(
        samples.pdf(),
        signer,
        keys.who(MINISTER, 11),
        verify_url="http://127.0.0.1:8000/v/TESTCODE",
        issuer="IKU Kemnaker Certificate Authority",
        at=datetime(2027, 3, 1, 3, 0, tzinfo=UTC),
        tz="Asia/Jayapura",
    )
    path = tmp_path / "wit.pdf"
    path.write_bytes(signed)
    text = await asyncio.to_thread(
        subprocess.run, ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    )
    assert "pukul 12.00 WIT" in text.stdout and "WIB" not in text.stdout


async def test_a_pdf_changed_after_the_karos_paraf_fails_and_the_sekjens_paraf_on_it_is_refused(
    keys: Keys, versions: list[bytes]
) -> None:
    changed = modified(versions[2])
    report = await verify_pdf(changed, keys.root)
    assert not report.valid and report.changed_after_last
    sekjen = await keys.paraf(changed, "p-004", 10)
    result = await check_added_signature(changed, sekjen, {"p-004"}, keys.root, final=False)
    assert not result.ok and result.code == "signature_invalid"


async def test_each_paraf_passes_the_chain_check_by_its_assignee_only(
    keys: Keys, versions: list[bytes]
) -> None:
    for n, (_, person) in enumerate(CHAIN, start=1):
        ok = await check_added_signature(
            versions[n - 1], versions[n], {person}, keys.root, final=False
        )
        assert ok.ok, ok.code
        other = await check_added_signature(
            versions[n - 1], versions[n], {"p-005"}, keys.root, final=False
        )
        assert other.code == "signature_wrong_signer"
    final = await check_added_signature(versions[3], versions[4], {MINISTER}, keys.root, final=True)
    assert final.ok, final.code


async def test_a_signature_added_to_an_older_version_is_refused(
    keys: Keys, versions: list[bytes]
) -> None:
    # The Sekjen initials the version before the Karo's paraf.
    stale = await keys.paraf(versions[1], "p-004", 10)
    result = await check_added_signature(versions[2], stale, {"p-004"}, keys.root, final=False)
    assert result.code == "signature_wrong_version"


async def test_the_karos_and_the_sekjens_paraf_brought_at_once_to_the_karo_are_refused(
    keys: Keys, versions: list[bytes]
) -> None:
    # Both valid, both on the version under review: one decision adds one signature.
    both = await keys.paraf(versions[2], "p-004", 10)
    result = await check_added_signature(
        versions[1], both, {"p-003", "p-004"}, keys.root, final=False
    )
    assert result.code == "signature_count"


async def test_a_signature_with_a_certificate_of_another_ca_is_refused(
    keys: Keys, versions: list[bytes], tmp_path: Path
) -> None:
    # Same names, same ids, another CA: trusted by nobody here.
    other = make_keys(tmp_path / "other", ("p-004",))
    forged = await other.paraf(versions[2], "p-004", 10)
    report = await verify_pdf(forged, keys.root)
    assert not report.signatures[-1].trusted
    result = await check_added_signature(versions[2], forged, {"p-004"}, keys.root, final=False)
    assert result.code == "signature_untrusted"


async def test_a_revoked_certificate_is_no_longer_trusted(tmp_path: Path) -> None:
    keys = make_keys(tmp_path, ("p-002",))
    signed = await keys.paraf(samples.pdf(), "p-002", 8)
    assert (await verify_pdf(signed, keys.root)).valid
    CertificateAuthority(keys.root).revoke("p-002")
    report = await verify_pdf(signed, keys.root)
    assert not report.valid and not report.signatures[0].trusted


async def test_an_auditor_years_later_finds_the_iku_valid_as_of_when_it_was_recorded(
    keys: Keys, versions: list[bytes]
) -> None:
    recorded = datetime.now(UTC)
    as_recorded = await verify_pdf(versions[-1], keys.root, recorded)
    assert as_recorded.valid and as_recorded.validated_at == recorded
    # Four years on the officials' three-year certificates have ended: as of that day the
    # signatures would not hold, and the report says why, not "another CA".
    four_years_on = await verify_pdf(versions[-1], keys.root, recorded + timedelta(days=4 * 365))
    assert not four_years_on.valid
    assert {s.problem_code for s in four_years_on.signatures} == {"not_in_force"}
    # The CRL kept in an archive runs out after a year: an archive's copy is checked as of
    # its date, not as of the day it is read.
    two_years_on = await verify_pdf(versions[-1], keys.root, recorded + timedelta(days=2 * 365))
    assert {s.problem_code for s in two_years_on.signatures} == {"no_current_crl"}


async def test_a_certificate_revoked_after_the_record_leaves_its_paraf_valid_as_recorded(
    tmp_path: Path,
) -> None:
    keys = make_keys(tmp_path, ("p-002",))
    signed = await keys.paraf(samples.pdf(), "p-002", 8)
    recorded = datetime.now(UTC)
    await asyncio.sleep(1.1)  # a CRL dates a revocation to the second
    CertificateAuthority(keys.root).revoke("p-002")  # say, the Kabag's key is lost later
    assert (await verify_pdf(signed, keys.root, recorded)).valid
    now = await verify_pdf(signed, keys.root)
    assert not now.valid and now.signatures[0].problem_code == "revoked"


async def test_an_acting_officials_paraf_says_plh_before_the_position(keys: Keys) -> None:
    signed = await keys.paraf(samples.pdf(), PLH_KABAG, 8, acting_kind="plh")
    report = await verify_pdf(signed, keys.root)
    sig = report.signatures[0]
    assert sig.valid and sig.person == PLH_KABAG
    assert sig.position == "Plh. Kepala Bagian Perencanaan Program"


def test_iku_verify_agrees_with_the_report(
    keys: Keys,
    versions: list[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKU_SIGNING_DIR", str(keys.root))
    get_settings.cache_clear()
    good, bad, junk = tmp_path / "iku.pdf", tmp_path / "changed.pdf", tmp_path / "x.pdf"
    good.write_bytes(versions[-1])
    bad.write_bytes(modified(versions[-1]))
    junk.write_bytes(b"not a pdf at all")
    try:
        assert iku(["verify", str(good)]) == 0
        out = capsys.readouterr().out
        assert out.strip().endswith("VALID") and "NOT VALID" not in out
        assert out.count(": VALID") == 4
        assert iku(["verify", str(bad)]) == 3
        assert "changed after its last signature" in capsys.readouterr().out
        assert iku(["verify", str(junk)]) == 2
        # As of a moment: the archive's date, or years on.
        now = datetime.now(UTC)
        assert iku(["verify", str(good), "--at", now.isoformat()]) == 0
        assert f"validated as of {now.isoformat()}" in capsys.readouterr().out
        years_on = (now + timedelta(days=4 * 365)).strftime("%Y-%m-%dT%H:%M")
        assert iku(["verify", str(good), "--at", years_on]) == 3
        assert "not in force" in capsys.readouterr().out
        assert iku(["verify", str(good), "--at", "kemarin"]) == 2
        assert "2027-03-01T10:00+07:00" in capsys.readouterr().err
        # Offline, with what an archive keeps beside the IKU (its data/tte/), no deployment.
        tte = tmp_path / "tte"
        tte.mkdir()
        for name in ("ca.pem", "crl.pem"):
            shutil.copyfile(keys.root / "ca" / name, tte / name)
        assert iku(["verify", str(good), "--ca", str(tte), "--at", now.isoformat()]) == 0
        foreign = make_keys(tmp_path / "another-ca", ("p-002",)).root / "ca"
        assert iku(["verify", str(good), "--ca", str(foreign)]) == 3
        assert "not from this deployment's certificate authority" in capsys.readouterr().out
        assert iku(["verify", str(good), "--ca", str(tmp_path)]) == 2
        assert "no ca.pem and crl.pem there" in capsys.readouterr().err
        (tte / "ca.pem").write_text("not a certificate")
        assert iku(["verify", str(good), "--ca", str(tte)]) == 2
        assert "is not a readable CA certificate" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_iku_ca_issue_gives_the_example_directorys_people_their_certificates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert iku(["ca", "init"]) == 0
        assert iku(["ca", "issue"]) == 0
        ca = CertificateAuthority(tmp_path / "signing")
        assert {i.person for i in ca.issued()} >= {"p-001", "p-002", "p-005", "p-011"}
        capsys.readouterr()
        ca.crl_path.unlink()
        assert iku(["ca", "issue"]) == 0  # again: nobody new, the CRL published again
        assert "already has" in capsys.readouterr().out
        assert ca.crl().next_update_utc > ca.crl().last_update_utc
        assert iku(["ca", "revoke", "p-002"]) == 0
        assert ca.current("p-002") is None
        assert iku(["ca", "revoke", "p-002"]) == 2
    finally:
        get_settings.cache_clear()


def test_iku_ca_issue_names_a_leaver_whose_certificate_still_signs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Kabag leaves and ops mark her inactive; the next deploy's `iku ca issue` says her
    key still signs until revoked, and is quiet once it is."""
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert iku(["ca", "init"]) == 0
        assert iku(["ca", "issue"]) == 0
        assert "warning" not in capsys.readouterr().err
        directory = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
        for person in directory["people"]:
            if person["id"] == "p-002":
                person["active"] = False
        directory["acting"] = [
            a for a in directory.get("acting") or [] if "p-002" not in a.values()
        ]
        left = tmp_path / "direktori.yaml"
        left.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
        assert iku(["ca", "issue", "--directory", str(left)]) == 0
        assert "iku ca revoke p-002" in capsys.readouterr().err
        assert iku(["ca", "revoke", "p-002"]) == 0
        assert iku(["ca", "issue", "--directory", str(left)]) == 0
        assert "warning" not in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_iku_ca_issue_names_a_certificate_whose_roles_the_directory_changed(
    ca_settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Kabag becomes Karo in the directory: her certificate still names kabag, which
    `iku verify` would show, so the next deploy says to renew it, and is quiet once renewed.
    A certificate issued before certificates named roles is counted in a note."""
    assert iku(["ca", "init"]) == 0
    assert iku(["ca", "issue"]) == 0
    ca = CertificateAuthority(ca_settings)
    current = ca.current("p-002")
    assert current is not None and current.roles == ("kabag",)
    assert "warning" not in capsys.readouterr().err
    directory = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    for person in directory["people"]:
        if person["id"] == "p-002":
            person["roles"] = ["karo"]
    promoted = ca_settings.parent / "direktori.yaml"
    promoted.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    assert iku(["ca", "issue", "--directory", str(promoted)]) == 0
    said = capsys.readouterr().err
    assert "names the roles kabag, the directory now karo" in said
    assert "iku ca issue --person p-002" in said
    assert iku(["ca", "issue", "--directory", str(promoted), "--person", "p-002"]) == 0
    assert iku(["ca", "issue", "--directory", str(promoted)]) == 0
    assert "warning" not in capsys.readouterr().err

    # A list written before certificates named roles: each one in force is noted.
    raw = json.loads(ca.issued_path.read_text())
    for entry in raw:
        entry.pop("roles", None)
    ca.issued_path.write_text(json.dumps(raw))
    assert iku(["ca", "issue", "--directory", str(promoted)]) == 0
    assert "name no roles" in capsys.readouterr().err


@pytest.fixture
def ca_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``iku`` run here with its data in ``tmp_path`` (the signing folder beneath it)."""
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path / "signing"
    get_settings.cache_clear()


def private_apart(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("IKU_CA_PRIVATE_DIR", str(folder))
    get_settings.cache_clear()


PRIVATE = ["ca-key.pem", "ca-passphrase", "initial-passphrases"]


def private_under(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name in PRIVATE)


@pytest.fixture
def apart(ca_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``iku ca issue`` done with the CA's private files apart: their folder."""
    folder = tmp_path / "ca-private"
    private_apart(monkeypatch, folder)
    assert iku(["ca", "issue"]) == 0
    return folder


def test_with_the_ca_private_apart_the_shared_folder_holds_nothing_that_issues_or_unlocks(
    ca_settings: Path, apart: Path
) -> None:
    assert private_under(ca_settings) == []
    assert private_under(apart) == PRIVATE
    # The web layer signs from the shared folder alone, with the sheet's first passphrase.
    passphrase = passphrases_in(ca_settings, apart)["p-002"]
    assert LocalKeystore(ca_settings).signer("p-002", passphrase) is not None
    # Revoking needs the CA's key, which iku finds apart.
    assert iku(["ca", "revoke", "p-002"]) == 0
    assert CertificateAuthority(ca_settings).current("p-002") is None


def test_an_earlier_releases_ca_secrets_move_out_of_the_shared_folder_the_ca_stays_the_same(
    ca_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert iku(["ca", "issue"]) == 0  # as before: everything in the signing folder
    ca = CertificateAuthority(ca_settings)
    before, issued = ca.cert_path.read_bytes(), ca.issued()
    first = passphrases_in(ca_settings)
    apart = tmp_path / "ca-private"
    private_apart(monkeypatch, apart)
    assert iku(["ca", "issue"]) == 0  # the next deploy, with IKU_CA_PRIVATE_DIR
    assert private_under(ca_settings) == []
    assert private_under(apart) == PRIVATE
    assert (apart / "ca-passphrase").stat().st_mode & 0o077 == 0
    assert ca.cert_path.read_bytes() == before and ca.issued() == issued
    assert passphrases_in(ca_settings, apart) == first


def test_a_ca_certificate_whose_key_is_not_found_is_not_replaced_by_a_new_ca(
    ca_settings: Path,
    apart: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = CertificateAuthority(ca_settings).cert_path.read_bytes()
    capsys.readouterr()
    private_apart(monkeypatch, tmp_path / "a-wrong-folder")
    assert iku(["ca", "issue"]) == 2
    said = capsys.readouterr().err
    assert "its key is not at" in said and "IKU_CA_PRIVATE_DIR" in said
    assert "Traceback" not in said
    assert CertificateAuthority(ca_settings).cert_path.read_bytes() == before


def test_private_files_left_in_the_shared_folder_again_join_the_private_ones_or_are_refused(
    ca_settings: Path, apart: Path
) -> None:
    # A sheet written in the shared folder meanwhile (iku run without the setting).
    sheet = ca_settings / "initial-passphrases"
    sheet.write_text("p-900 aaaaa-bbbbb-ccccc-ddddd\n")
    first = passphrases_in(ca_settings, apart)
    assert certificate_authority(get_settings()).private_dir == apart
    assert not sheet.exists()
    assert passphrases_in(ca_settings, apart) == {**first, "p-900": "aaaaa-bbbbb-ccccc-ddddd"}
    # Another CA's key there is refused, and nothing is moved or lost.
    stray = ca_settings / "ca" / "ca-key.pem"
    stray.write_bytes(b"another key")
    with pytest.raises(CaError, match="differ"):
        certificate_authority(get_settings())
    assert stray.read_bytes() == b"another key"
    assert (apart / "ca-key.pem").read_bytes() != b"another key"


def test_iku_ca_list_names_the_certificates_that_end_soon_first(
    ca_settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert iku(["ca", "issue"]) == 0
    capsys.readouterr()
    assert iku(["ca", "list", "--ending", "30"]) == 0
    said = capsys.readouterr().out
    assert "the CRL runs out" in said and "no signing certificate in force that ends" in said
    # The Kabag's certificate ends in ten days (as three years after its issue would).
    ca = CertificateAuthority(ca_settings)
    raw = json.loads(ca.issued_path.read_text())
    soon = datetime.now(UTC) + timedelta(days=10)
    for entry in raw:
        if entry["person"] == "p-002":
            entry["not_after"] = soon.isoformat()
    ca.issued_path.write_text(json.dumps(raw))
    assert iku(["ca", "list", "--ending", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines[1:]] == ["p-002"]
    assert iku(["ca", "list"]) == 0
    everyone = capsys.readouterr().out.splitlines()[1:]
    assert everyone[0].startswith("p-002\t") and len(everyone) == len(ca.issued())
