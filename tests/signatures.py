"""Test helpers for electronic signatures: a CA with the example directory's officials,
and the paraf chain signed as the web process signs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.directory import Directory, load_directory
from common.settings import EXAMPLE_DIRECTORY
from signing.ca import CertificateAuthority
from signing.keys import LocalKeystore
from signing.pdf import Signatory, add_paraf, add_signature, position_as_signed

# Kabag, Karo, Sekjen initial at 8, 9, 10; the Minister signs at 11.
CHAIN = ((8, "p-002"), (9, "p-003"), (10, "p-004"))
MINISTER = "p-005"
PLH_KABAG = "p-011"
OFFICIALS = ("p-002", "p-003", "p-004", "p-005", "p-011")


@dataclass
class Keys:
    root: Path
    directory: Directory
    passphrases: dict[str, str]

    @property
    def keystore(self) -> LocalKeystore:
        return LocalKeystore(self.root)

    def who(self, person: str, step: int, acting_kind: str | None = None) -> Signatory:
        found = self.directory.person(person)
        assert found is not None
        position = found.position
        if acting_kind is not None:
            # An acting official signs in the capacity of the one they stand in for.
            holder = self.directory.person("p-002")
            assert holder is not None
            position = position_as_signed(holder.position, acting_kind)
        return Signatory(found.name, position, step)

    async def paraf(
        self, pdf: bytes, person: str, step: int, acting_kind: str | None = None
    ) -> bytes:
        signer = self.keystore.signer(person, self.passphrases[person])
        return await add_paraf(pdf, signer, self.who(person, step, acting_kind))

    async def sign(self, pdf: bytes, person: str = MINISTER) -> bytes:
        signer = self.keystore.signer(person, self.passphrases[person])
        return await add_signature(
            pdf,
            signer,
            self.who(person, 11),
            verify_url="http://127.0.0.1:8000/v/TESTCODE",
            issuer="IKU Kemnaker Certificate Authority",
            at=datetime.now(UTC),
        )


def make_keys(root: Path, people: tuple[str, ...] = OFFICIALS) -> Keys:
    """A CA in ``root`` and certificates for ``people`` of the example directory; a CA
    already there (the session's, copied into every test's data folder) is used as it is,
    with a certificate issued only to whom it lacks."""
    directory = load_directory(EXAMPLE_DIRECTORY)
    ca = CertificateAuthority(root)
    ca.init()
    known = passphrases_in(root)
    passphrases = {}
    for person_id in people:
        if person_id in known and ca.current(person_id) is not None:
            passphrases[person_id] = known[person_id]
            continue
        person = directory.person(person_id)
        assert person is not None
        _, secret = ca.issue(person)
        assert secret is not None
        passphrases[person_id] = secret
    return Keys(root, directory, passphrases)


def passphrases_in(root: Path, private: Path | None = None) -> dict[str, str]:
    """The first passphrases the CA in ``root`` (its private files in ``private``, if
    apart) generated: its operator's sheet."""
    sheet = CertificateAuthority(root, private).initial_passphrases_path
    if not sheet.exists():
        return {}
    pairs = (line.split(" ", 1) for line in sheet.read_text().splitlines() if " " in line)
    return {person: secret for person, secret in pairs}


def everyone() -> tuple[str, ...]:
    """Every active person of the example directory: whoever a test puts at 8–11 (an
    assignee, a Plh, someone the bureau reassigns the task to) can sign."""
    directory = load_directory(EXAMPLE_DIRECTORY)
    return tuple(p.id for p in directory.people if p.active)
