"""The deployment's certificate authority: its key pair, the signing certificates of the
people in the directory, and the revocation list (CRL) it publishes, all as files.

Layout under ``signing_dir`` (by default ``<IKU_DATA_DIR>/signing``)::

    ca/ca.pem              the CA certificate (public; every validator trusts this)
    ca/ca-key.pem          the CA private key, PKCS#8, encrypted with ca/ca-passphrase
    ca/ca-passphrase       generated once, readable by the operator only (0600)
    ca/crl.pem             the CRL, re-published on every issue and revocation
    ca/issued.json         every certificate issued: serial, person, validity, revoked
    keys/<person>.p12      the person's key and certificate, PKCS#12 encrypted with
                           their passphrase (AES-256, PBKDF2)
    initial-passphrases    person -> first passphrase, for the operator to hand out (0600)

With a private folder (``IKU_CA_PRIVATE_DIR``), ``ca-key.pem``, ``ca-passphrase`` and
``initial-passphrases`` live there instead, so that the folder the web layer and the worker
share holds nothing that issues a certificate or unlocks a key.

Certificates carry the person's name (CN), NIP (serialNumber) and directory id (UID): the
id is how a signature is tied to the record without a name ever entering workflow history.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from common.directory import Person
from common.settings import Settings

CA_NAME = "IKU Kemnaker Certificate Authority"
ORGANISATION = "Kementerian Ketenagakerjaan"
CA_YEARS = 20
PERSON_YEARS = 3
# A CRL says until when it is current; it is re-published well before (every issue, every
# revocation, every start of the local run).
CRL_DAYS = 365
_KEY_BITS = 3072


class CaError(Exception):
    """The CA cannot do what was asked (missing, already there, unreadable)."""


@dataclass(frozen=True)
class Issued:
    person: str
    serial: int
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "person": self.person,
            "serial": str(self.serial),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> Issued:
        revoked = raw.get("revoked_at")
        return cls(
            person=str(raw["person"]),
            serial=int(str(raw["serial"])),
            not_before=datetime.fromisoformat(str(raw["not_before"])),
            not_after=datetime.fromisoformat(str(raw["not_after"])),
            revoked_at=datetime.fromisoformat(str(revoked)) if revoked else None,
        )


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read, atomically: a reader (in another thread too)
    sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.replace(path)


def certificate_authority(settings: Settings) -> CertificateAuthority:
    """The CA as ``iku ca`` and the local run keep it: its private files where the settings
    put them (validating and signing need only ``CertificateAuthority(signing_dir)``)."""
    ca = CertificateAuthority(settings.signing_dir, settings.ca_private_dir)
    ca.take_private_files_apart()
    return ca


class CertificateAuthority:
    """The CA kept in ``root``, its private files in ``private`` or else in ``root`` too
    (see the module's docstring for the files)."""

    def __init__(self, root: Path, private: Path | None = None) -> None:
        self.root = Path(root)
        self.ca_dir = self.root / "ca"
        self.keys_dir = self.root / "keys"
        self.cert_path = self.ca_dir / "ca.pem"
        self.crl_path = self.ca_dir / "crl.pem"
        self.issued_path = self.ca_dir / "issued.json"
        self.private_dir = Path(private) if private is not None else None
        self._shared_private = (
            self.ca_dir / "ca-key.pem",
            self.ca_dir / "ca-passphrase",
            self.root / "initial-passphrases",
        )
        self.key_path, self.passphrase_path, self.initial_passphrases_path = (
            self._shared_private
            if self.private_dir is None
            else tuple(self.private_dir / path.name for path in self._shared_private)
        )

    # --- the CA itself -----------------------------------------------------------------

    def exists(self) -> bool:
        return self.cert_path.exists() and self.key_path.exists()

    def take_private_files_apart(self) -> list[Path]:
        """Private files that an earlier release (or a run without the private folder)
        left in the shared folder, moved to the private folder; the files moved. Two sheets
        of first passphrases become one; two different keys are refused, nothing moved."""
        if self.private_dir is None:
            return []
        moved = []
        for old in self._shared_private:
            new = self.private_dir / old.name
            if not old.exists():
                continue
            data = old.read_bytes()
            if new.exists() and new.read_bytes() != data:
                if old != self._shared_private[-1]:
                    raise CaError(
                        f"{old} and {new} differ: keep the one that belongs to "
                        f"{self.cert_path} and remove the other"
                    )
                data = _merged_sheets(new.read_bytes(), data)
            write_private(new, data)
            old.unlink()
            moved.append(new)
        return moved

    def init(self, name: str = CA_NAME) -> bool:
        """Create the CA and an empty CRL; False when it already exists (kept as it is).
        A CA certificate whose key is not found is refused: a new CA would leave every
        certificate issued, and every signature made, untrusted."""
        if self.exists():
            return False
        if self.key_path.exists():
            raise CaError(
                f"a CA key is at {self.key_path} but its certificate is not in {self.ca_dir} "
                "(with documents on S3: is this the bucket and prefix the CA was made in?); "
                "a new CA would replace that key"
            )
        if self.cert_path.exists():
            raise CaError(
                f"the CA certificate is in {self.ca_dir} but its key is not at "
                f"{self.key_path}: point IKU_CA_PRIVATE_DIR at the folder that holds "
                "ca-key.pem (a new CA would leave every signature untrusted)"
            )
        key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        passphrase = secrets.token_urlsafe(32)
        write_private(self.passphrase_path, passphrase.encode())
        write_private(
            self.key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase.encode()),
            ),
        )
        self.ca_dir.mkdir(parents=True, exist_ok=True)
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._save_issued([])
        self.publish_crl()
        return True

    def certificate(self) -> x509.Certificate:
        if not self.cert_path.exists():
            raise CaError(f"no certificate authority in {self.root} (run: iku ca init)")
        try:
            return x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        except ValueError:
            raise CaError(f"{self.cert_path} is not a readable CA certificate") from None

    def _key(self) -> rsa.RSAPrivateKey:
        if not self.exists():
            raise CaError(f"no CA key at {self.key_path} (run: iku ca init)")
        passphrase = os.environ.get("IKU_CA_PASSPHRASE")
        secret = passphrase.encode() if passphrase else self.passphrase_path.read_bytes().strip()
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), secret)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    # --- people ------------------------------------------------------------------------

    def issued(self) -> list[Issued]:
        if not self.issued_path.exists():
            return []
        return [Issued.from_json(raw) for raw in json.loads(self.issued_path.read_text())]

    def _save_issued(self, issued: list[Issued]) -> None:
        self.issued_path.parent.mkdir(parents=True, exist_ok=True)
        self.issued_path.write_text(json.dumps([i.as_json() for i in issued], indent=2) + "\n")

    def current(self, person: str) -> Issued | None:
        """The person's certificate in force now, if any."""
        now = _now()
        return next(
            (
                i
                for i in reversed(self.issued())
                if i.person == person and i.revoked_at is None and i.not_after > now
            ),
            None,
        )

    def key_path_of(self, person: str) -> Path:
        return self.keys_dir / f"{person}.p12"

    def issue(self, person: Person, passphrase: str | None = None) -> tuple[Issued, str | None]:
        """A signing certificate and encrypted key for ``person``; an earlier certificate is
        revoked (superseded). Returns the record and the passphrase when one was generated
        (it is also written to ``initial-passphrases``)."""
        ca_cert = self.certificate()
        ca_key = self._key()
        generated = passphrase is None
        secret = passphrase if passphrase is not None else _passphrase()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        attributes = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, person.name[:64]),
            x509.NameAttribute(NameOID.USER_ID, person.id),
        ]
        if person.nip:
            attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, person.nip))
        if person.position:
            attributes.append(x509.NameAttribute(NameOID.TITLE, person.position[:64]))
        now = _now()
        serial = x509.random_serial_number()
        not_after = min(now + timedelta(days=365 * PERSON_YEARS), ca_cert.not_valid_after_utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # nonRepudiation
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), False
            )
        )
        if person.email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(person.email)]), critical=False
            )
        cert = builder.sign(ca_key, hashes.SHA256())
        bundle = pkcs12.serialize_key_and_certificates(
            person.id.encode(),
            key,
            cert,
            [ca_cert],
            serialization.BestAvailableEncryption(secret.encode()),
        )
        write_private(self.key_path_of(person.id), bundle)
        record = Issued(person.id, serial, cert.not_valid_before_utc, not_after)
        issued = [
            Issued(i.person, i.serial, i.not_before, i.not_after, now)
            if i.person == person.id and i.revoked_at is None
            else i
            for i in self.issued()
        ]
        self._save_issued([*issued, record])
        self.publish_crl()
        if generated:
            self._remember_passphrase(person.id, secret)
        return record, secret if generated else None

    def revoke(self, person: str) -> int:
        """Revoke every certificate of ``person`` still in force; how many were."""
        now = _now()
        count = 0
        issued = []
        for i in self.issued():
            if i.person == person and i.revoked_at is None:
                i = Issued(i.person, i.serial, i.not_before, i.not_after, now)
                count += 1
            issued.append(i)
        self._save_issued(issued)
        self.publish_crl()
        return count

    def _remember_passphrase(self, person: str, passphrase: str) -> None:
        lines = []
        if self.initial_passphrases_path.exists():
            lines = [
                line
                for line in self.initial_passphrases_path.read_text().splitlines()
                if line.split(" ", 1)[0] != person
            ]
        lines.append(f"{person} {passphrase}")
        write_private(self.initial_passphrases_path, ("\n".join(lines) + "\n").encode())

    # --- revocation --------------------------------------------------------------------

    def publish_crl(self) -> x509.CertificateRevocationList:
        ca_cert = self.certificate()
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca_cert.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=CRL_DAYS))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), False
            )
            .add_extension(x509.CRLNumber(int(now.timestamp())), False)
        )
        for i in self.issued():
            if i.revoked_at is not None:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(i.serial)
                    .revocation_date(i.revoked_at)
                    .build()
                )
        crl = builder.sign(self._key(), hashes.SHA256())
        self.crl_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.crl_path.with_name(f".crl.{os.getpid()}")
        tmp.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        tmp.replace(self.crl_path)
        return crl

    def crl(self) -> x509.CertificateRevocationList:
        if not self.crl_path.exists():
            raise CaError(f"no CRL in {self.root} (run: iku ca init)")
        try:
            return x509.load_pem_x509_crl(self.crl_path.read_bytes())
        except ValueError:
            raise CaError(f"{self.crl_path} is not a readable revocation list (CRL)") from None

    def ensure_people(self, people: list[Person]) -> list[tuple[str, str]]:
        """Create the CA if missing and a certificate for each active person without one
        in force; (person, generated passphrase) for each issued."""
        self.init()
        out = []
        for person in people:
            if person.active and self.current(person.id) is None:
                _, secret = self.issue(person)
                assert secret is not None
                out.append((person.id, secret))
        return out


def _merged_sheets(kept: bytes, found: bytes) -> bytes:
    """One sheet of first passphrases from two, a person's line in ``found`` (the later
    one) in place of theirs in ``kept``."""
    lines = {}
    for line in (kept + b"\n" + found).decode().splitlines():
        if " " in line:
            lines[line.split(" ", 1)[0]] = line
    return ("\n".join(lines.values()) + "\n").encode()


def _passphrase() -> str:
    # Four groups a person can type from a sheet of paper.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
