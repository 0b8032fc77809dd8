"""The certificate authority when something goes wrong: a write that fails, Ctrl-C in the
middle, a wrong passphrase, a damaged file, a damaged signature. Each leaves the officials'
keys and the CA's records as they were (or the new ones whole), and says what is wrong in
one line naming the file, never a traceback."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from commands.iku import main as iku
from common.directory import load_directory
from common.settings import EXAMPLE_DIRECTORY, get_settings
from signing.ca import CaError, CertificateAuthority, roles_in, roles_unit
from signing.verify import verify_pdf
from tests import samples
from tests.scenario import write_directory
from tests.signatures import make_keys, passphrases_in


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA with the example directory's active people issued, made once (keys take time)."""
    root = tmp_path_factory.mktemp("prepared") / "signing"
    ca = CertificateAuthority(root)
    ca.ensure_people(list(load_directory(EXAMPLE_DIRECTORY).people))
    return root


@pytest.fixture
def signing(prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``iku`` run with its data in ``tmp_path``, the prepared CA's copy in its signing
    folder; that folder."""
    root = tmp_path / "signing"
    shutil.copytree(prepared, root)
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IKU_CA_PASSPHRASE", raising=False)
    monkeypatch.delenv("IKU_CA_PRIVATE_DIR", raising=False)
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: a file written again, even with the same
    bytes, shows."""
    return {
        str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def opens(key: Path, passphrase: str) -> x509.Certificate | None:
    try:
        _, cert, _ = pkcs12.load_key_and_certificates(key.read_bytes(), passphrase.encode())
    except ValueError:
        return None
    return cert


def refuse_writes_to(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Writing the file called ``name`` fails as an unwritable one does, however it is
    written (moved into place, or written over)."""
    error = PermissionError(13, "Permission denied")

    def guarded(write: Callable[..., Any], target: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if Path(target(*args)).name == name:
                error.filename = str(target(*args))
                raise error
            return write(*args, **kwargs)

        return run

    monkeypatch.setattr(os, "replace", guarded(os.replace, lambda src, dst: dst))
    monkeypatch.setattr(Path, "write_text", guarded(Path.write_text, lambda path, *_: path))
    monkeypatch.setattr(Path, "write_bytes", guarded(Path.write_bytes, lambda path, *_: path))


def no_leftovers(root: Path) -> None:
    assert [p.name for p in root.rglob(".*")] == []


# --- 1. a renewal that fails -----------------------------------------------------------


@pytest.mark.parametrize(
    "unwritable", ["issued.json", "crl.pem", "initial-passphrases", "p-002.p12"]
)
def test_a_renewal_that_cannot_record_its_certificate_leaves_the_officials_key_as_it_was(
    signing: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    unwritable: str,
) -> None:
    ca = CertificateAuthority(signing)
    before = files(signing)
    passphrase = passphrases_in(signing)["p-002"]
    with monkeypatch.context() as patch:
        refuse_writes_to(patch, unwritable)
        assert iku(["ca", "issue", "--person", "p-002"]) == 1
    assert unwritable in capsys.readouterr().err
    assert files(signing) == before  # the key, its passphrase, the list and the CRL
    assert opens(ca.key_path_of("p-002"), passphrase) is not None
    no_leftovers(signing)
    # Once it can be written, the renewal is whole: a new key, its passphrase on the
    # sheet, the old certificate revoked in the list and in the CRL.
    old = ca.current("p-002")
    assert old is not None
    assert iku(["ca", "issue", "--person", "p-002"]) == 0
    new = passphrases_in(signing)["p-002"]
    cert = opens(ca.key_path_of("p-002"), new)
    assert new != passphrase and cert is not None
    assert ca.current("p-002") is not None and cert.serial_number == ca.current("p-002").serial
    assert ca.crl().get_revoked_certificate_by_serial_number(old.serial) is not None


# --- 2. Ctrl-C, and what an interrupted run left -----------------------------------------


def test_ctrl_c_while_a_person_is_issued_completes_theirs_and_a_rerun_issues_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    people = [p for p in load_directory(EXAMPLE_DIRECTORY).people if p.active][:3]
    ca = CertificateAuthority(tmp_path / "signing")
    ca.init()
    lists_written = 0
    replace = os.replace

    def pressed_during_the_second(src: Any, dst: Any) -> None:
        nonlocal lists_written
        if Path(dst).name == "issued.json":
            lists_written += 1
            if lists_written == 2:
                signal.raise_signal(signal.SIGINT)  # the operator presses Ctrl-C
        replace(src, dst)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", pressed_during_the_second)
        with pytest.raises(KeyboardInterrupt):
            ca.ensure_people(people)
    first, second, third = (p.id for p in people)
    sheet = passphrases_in(ca.root)
    for person in (first, second):  # the one interrupted too: whole
        assert ca.usable(person)
        assert opens(ca.key_path_of(person), sheet[person]) is not None
    assert ca.current(third) is None and third not in sheet
    no_leftovers(ca.root)
    assert [p for p, _ in ca.ensure_people(people)] == [third]


def test_a_certificate_whose_issue_was_cut_short_is_issued_again_on_the_next_run(
    signing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = CertificateAuthority(signing)
    ca.key_path_of("p-002").unlink()  # the key never written
    # The key file is another one than was issued with the certificate.
    shutil.copyfile(ca.key_path_of("p-005"), ca.key_path_of("p-004"))
    # As an earlier release left it when interrupted: the certificate listed, its
    # passphrase never put on the sheet (and no record of which key file it came with).
    raw = json.loads(ca.issued_path.read_text())
    for entry in raw:
        if entry["person"] in ("p-003", "p-011"):
            entry.pop("key_sha256", None)
    ca.issued_path.write_text(json.dumps(raw))
    sheet = ca.initial_passphrases_path
    sheet.write_text(
        "".join(
            f"{line}\n" for line in sheet.read_text().splitlines() if not line.startswith("p-003 ")
        )
    )
    capsys.readouterr()
    assert iku(["ca", "issue"]) == 0
    said = capsys.readouterr().out
    assert sorted(re.findall(r"issued a signing certificate to (\S+)", said)) == [
        "p-002",
        "p-003",
        "p-004",
    ]  # p-011's passphrase is on the sheet: theirs was done
    for person, passphrase in passphrases_in(signing).items():
        if ca.current(person) is not None:
            assert opens(ca.key_path_of(person), passphrase) is not None, person
    # An operator who removed the sheet after handing it out is not taken for one.
    sheet.unlink()
    assert iku(["ca", "issue"]) == 0
    assert "already has" in capsys.readouterr().out


# --- 3. a revocation that cannot be done -------------------------------------------------


def test_a_revocation_with_a_wrong_ca_passphrase_changes_nothing_and_says_why(
    signing: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = CertificateAuthority(signing)
    before = stamps(signing)
    monkeypatch.setenv("IKU_CA_PASSPHRASE", "wrong")
    assert iku(["ca", "revoke", "p-003"]) == 2
    said = capsys.readouterr().err
    assert str(ca.key_path) in said and "IKU_CA_PASSPHRASE" in said
    assert stamps(signing) == before
    assert ca.current("p-003") is not None
    monkeypatch.delenv("IKU_CA_PASSPHRASE")
    # Nobody of that id, or nobody in force: refused before anything is written.
    assert iku(["ca", "revoke", "p-999"]) == 2
    assert "no certificate in force" in capsys.readouterr().err
    assert stamps(signing) == before


def test_a_revocation_whose_crl_cannot_be_published_leaves_the_certificate_in_force(
    signing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = CertificateAuthority(signing)
    before = files(signing)
    with monkeypatch.context() as patch:
        refuse_writes_to(patch, "crl.pem")
        assert iku(["ca", "revoke", "p-003"]) == 1
    # The list and the CRL agree: still in force in both (it was not revoked).
    assert files(signing) == before and ca.current("p-003") is not None
    assert iku(["ca", "revoke", "p-003"]) == 0
    serial = next(i.serial for i in ca.issued() if i.person == "p-003")
    assert ca.current("p-003") is None
    assert ca.crl().get_revoked_certificate_by_serial_number(serial) is not None


# --- 4. damaged files --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", ["", "not json", "{}", '[{"person": "p-002"}]', '[{"serial": []}]']
)
@pytest.mark.parametrize("command", [["ca", "list"], ["ca", "revoke", "p-002"], ["ca", "issue"]])
def test_a_damaged_list_of_certificates_is_named_not_a_traceback(
    signing: Path, capsys: pytest.CaptureFixture[str], content: str, command: list[str]
) -> None:
    issued = CertificateAuthority(signing).issued_path
    issued.write_text(content)
    assert iku(command) == 2
    assert str(issued) in capsys.readouterr().err
    assert issued.read_text() == content


def test_the_local_run_names_the_damaged_list_too(signing: Path) -> None:
    ca = CertificateAuthority(signing)
    ca.issued_path.write_text("")
    with pytest.raises(CaError, match=re.escape(str(ca.issued_path))):
        ca.ensure_people(list(load_directory(EXAMPLE_DIRECTORY).people))


@pytest.mark.parametrize(
    ("name", "content"), [("ca-key.pem", "junk"), ("ca-passphrase", ""), ("ca-passphrase", "x")]
)
@pytest.mark.parametrize(
    "command", [["ca", "revoke", "p-002"], ["ca", "issue", "--person", "p-002"]]
)
def test_a_damaged_ca_key_or_passphrase_is_named_and_nothing_changes(
    signing: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    command: list[str],
) -> None:
    (signing / "ca" / name).write_text(content)
    before = stamps(signing)
    assert iku(command) == 2
    said = capsys.readouterr().err
    assert str(signing / "ca" / name) in said or str(signing / "ca" / "ca-key.pem") in said
    assert stamps(signing) == before


def test_ca_init_over_an_unreadable_ca_certificate_says_so(
    signing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cert = CertificateAuthority(signing).cert_path
    cert.write_text("junk")
    assert iku(["ca", "init"]) == 2
    said = capsys.readouterr()
    assert f"{cert} is not a readable CA certificate" in said.err and "kept" not in said.out


# --- 8. the private files not found ------------------------------------------------------


def test_with_the_ca_private_files_elsewhere_revoke_says_where_to_point_not_init(
    signing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = tmp_path / "ca-private"
    moved.mkdir()
    for name in ("ca-key.pem", "ca-passphrase"):
        shutil.move(signing / "ca" / name, moved / name)
    assert iku(["ca", "revoke", "p-002"]) == 2
    said = capsys.readouterr().err
    assert "IKU_CA_PRIVATE_DIR" in said and "ca init" not in said
    assert iku(["ca", "init"]) == 2  # which would have refused the advice
    assert "IKU_CA_PRIVATE_DIR" in capsys.readouterr().err


# --- 9. someone no longer active ---------------------------------------------------------


def test_renewing_the_certificate_of_someone_no_longer_active_is_refused(
    signing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def p001_left(data: dict[str, Any]) -> None:
        for person in data["people"]:
            if person["id"] == "p-001":
                person["active"] = False

    directory = write_directory(tmp_path, change=p001_left)
    before = stamps(signing)
    assert iku(["ca", "issue", "--directory", str(directory), "--person", "p-001"]) == 2
    assert "p-001 is not active" in capsys.readouterr().err
    assert stamps(signing) == before


# --- 10. the list written whole or not at all --------------------------------------------


def test_a_disk_full_while_the_list_is_written_leaves_the_old_list_whole(
    signing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = CertificateAuthority(signing)
    before = ca.issued_path.read_bytes()
    opened: dict[int, str] = {}
    real_open, real_io_open = os.open, io.open

    def tracked_open(path: Any, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, *args, **kwargs)
        opened[fd] = os.fspath(path)
        return fd

    class HalfWritten:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: Any) -> int:
            self.handle.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    def full_for_the_list(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_io_open(file, mode, *args, **kwargs)
        name = opened.get(file, "") if isinstance(file, int) else os.fspath(file)
        return HalfWritten(handle) if "w" in mode and "issued.json" in str(name) else handle

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", tracked_open)
        patch.setattr(io, "open", full_for_the_list)
        with pytest.raises(OSError, match="No space"):
            ca.revoke("p-002")
    assert ca.issued_path.read_bytes() == before
    assert ca.current("p-002") is not None
    no_leftovers(signing)


# --- 5–7. iku verify ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A CA and a PDF the Kabag initialled with its key."""
    import asyncio

    root = tmp_path_factory.mktemp("verify") / "signing"
    keys = make_keys(root, ("p-002",))
    return root, asyncio.run(keys.paraf(samples.pdf(), "p-002", 8))


@pytest.fixture
def verifying(
    signed: tuple[Path, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKU_SIGNING_DIR", str(signed[0]))
    get_settings.cache_clear()
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed[1])
    yield pdf
    get_settings.cache_clear()


@pytest.mark.parametrize("damaged", ["ca.pem", "crl.pem"])
def test_iku_verify_with_a_damaged_ca_folder_names_the_file_in_it(
    signed: tuple[Path, bytes],
    verifying: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damaged: str,
) -> None:
    tte = tmp_path / "tte"
    tte.mkdir()
    for name in ("ca.pem", "crl.pem"):
        shutil.copyfile(signed[0] / "ca" / name, tte / name)
    (tte / damaged).write_text("junk")
    assert iku(["verify", str(verifying), "--ca", str(tte)]) == 2
    said = capsys.readouterr().err
    assert str(tte / damaged) in said and "iku-verify-" not in said


def damaged_signature(pdf: bytes) -> bytes:
    """``pdf`` with its signature's CMS blob overwritten, the signed bytes untouched."""
    found = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", pdf)
    assert found is not None
    start = found.start(1)
    return pdf[:start] + b"0" * 64 + pdf[start + 64 :]


async def test_a_damaged_signature_in_a_readable_pdf_is_a_malformed_signature(
    signed: tuple[Path, bytes],
) -> None:
    report = await verify_pdf(damaged_signature(signed[1]), signed[0])
    assert not report.valid and len(report.signatures) == 1
    assert report.signatures[0].problem_code == "malformed"
    assert "cannot be read" in report.signatures[0].problem


async def test_any_one_damaged_byte_of_a_signature_is_a_finding_never_a_crash(
    signed: tuple[Path, bytes],
) -> None:
    """One changed byte anywhere in the CMS blob (a disk's bit rot, a careless editor): the
    report says what it finds, and a signature it cannot read is "malformed". The blob's
    certificate set is not signed, so a change there may leave the signature valid."""
    pdf = signed[1]
    found = re.search(rb"/Contents\s*<([0-9a-fA-F]+?)0*>", pdf)
    assert found is not None
    codes = set()
    for at in range(found.start(1), found.end(1), 53):
        damaged = pdf[:at] + (b"1" if pdf[at : at + 1] == b"0" else b"0") + pdf[at + 1 :]
        report = await verify_pdf(damaged, signed[0])
        [signature] = report.signatures
        assert report.valid == signature.valid == (signature.problem_code == ""), at
        codes.add(signature.problem_code)
    assert "malformed" in codes, codes


async def test_a_signature_whose_sub_filter_was_damaged_is_reported_not_left_out(
    signed: tuple[Path, bytes],
) -> None:
    # pyHanko skips a signature whose /SubFilter it does not know: the report would have
    # had no signature at all, and so no reason why the file is not valid.
    report = await verify_pdf(signed[1].replace(b"detached", b"detachee"), signed[0])
    assert not report.valid
    assert [s.problem_code for s in report.signatures] == ["malformed"]


def test_iku_verify_says_a_file_without_the_ministers_signature_is_a_draft(
    signed: tuple[Path, bytes], verifying: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert iku(["verify", str(verifying)]) == 0  # the Kabag's paraf is valid
    assert "no signature of the Minister: a draft" in capsys.readouterr().out
    verifying.write_bytes(samples.pdf())
    assert iku(["verify", str(verifying)]) == 3
    said = capsys.readouterr().out
    assert "the file has no signature" in said and "NOT VALID" in said


def test_iku_verify_finds_a_damaged_signature_not_valid_rather_than_the_pdf_unreadable(
    signed: tuple[Path, bytes], verifying: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verifying.write_bytes(damaged_signature(signed[1]))
    assert iku(["verify", str(verifying), "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert [s["problem_code"] for s in report["signatures"]] == ["malformed"]


def test_iku_verify_as_of_before_the_certificate_says_it_was_not_yet_in_force(
    verifying: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert iku(["verify", str(verifying), "--at", "2020-01-01"]) == 3
    said = capsys.readouterr().out
    assert "not yet in force" in said and "not from this deployment" not in said
    assert iku(["verify", str(verifying), "--at", "2020-01-01", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert [s["problem_code"] for s in report["signatures"]] == ["not_in_force"]
    assert report["validated_at"].startswith("2020-01-01")
    assert datetime.fromisoformat(report["validated_at"]) < datetime.now(UTC)


def test_the_roles_a_certificate_names_are_read_back_and_an_older_one_names_none() -> None:
    assert roles_in(roles_unit(["menteri", "kabag"])) == ["kabag", "menteri"]
    assert roles_in(roles_unit([])) == []  # issued with none: a staff member, say
    assert roles_in(None) is None and roles_in("Biro Perencanaan") is None  # before roles


@pytest.fixture(scope="module")
def tte_by_the_kabag(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, bytes]:
    """A CA, a PDF the Minister signed, and one the Kabag signed in the Minister's field."""
    import asyncio

    root = tmp_path_factory.mktemp("tte") / "signing"
    keys = make_keys(root, ("p-002", "p-005"))
    by_the_minister = asyncio.run(keys.sign(samples.pdf(), "p-005"))
    by_the_kabag = asyncio.run(keys.sign(samples.pdf(), "p-002"))
    return root, by_the_minister, by_the_kabag


async def test_a_signature_names_the_roles_its_certificate_gives(
    tte_by_the_kabag: tuple[Path, bytes, bytes],
) -> None:
    root, by_the_minister, by_the_kabag = tte_by_the_kabag
    minister = await verify_pdf(by_the_minister, root)
    assert [s.roles for s in minister.signatures] == [["menteri"]]
    assert minister.signed_by_minister and minister.minister_certified is True
    kabag = await verify_pdf(by_the_kabag, root)
    # Valid as a signature, in the field named for the Minister, by someone who is not.
    assert (
        kabag.valid
        and kabag.signed_by_minister
        and [s.roles for s in kabag.signatures] == [["kabag"]]
    )
    assert kabag.minister_certified is False


def test_iku_verify_says_when_the_ministers_field_holds_someone_elses_certificate(
    tte_by_the_kabag: tuple[Path, bytes, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, by_the_minister, by_the_kabag = tte_by_the_kabag
    monkeypatch.setenv("IKU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IKU_SIGNING_DIR", str(root))
    get_settings.cache_clear()
    try:
        pdf = tmp_path / "iku.pdf"
        pdf.write_bytes(by_the_kabag)
        assert iku(["verify", str(pdf)]) == 0
        said = capsys.readouterr().out
        assert "certificate roles: kabag" in said
        assert "does not give the Minister's role" in said
        pdf.write_bytes(by_the_minister)
        assert iku(["verify", str(pdf)]) == 0
        said = capsys.readouterr().out
        assert "certificate roles: menteri" in said and "Minister's role" not in said
        assert iku(["verify", str(pdf), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["minister_certified"] is True
    finally:
        get_settings.cache_clear()
