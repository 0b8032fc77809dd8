"""The deployment's certificate authority: its key pair, the signing certificates of the
people in the directory, and the revocation list (CRL) it publishes, all as files.

Layout under ``signing_dir`` (by default ``<IKU_DATA_DIR>/signing``)::

    ca/ca.pem              the CA certificate (public; every validator trusts this)
    ca/ca-key.pem          the CA private key, PKCS#8, encrypted with ca/ca-passphrase
    ca/ca-passphrase       generated once, readable by the operator only (0600)
    ca/crl.pem             the CRL, re-published on every issue and revocation
    ca/issued.json         every certificate issued: serial, person, validity, revoked,
                           the sha256 of the key file issued with it
    keys/<person>.p12      the person's key and certificate, PKCS#12 encrypted with
                           their passphrase (AES-256, PBKDF2)
    initial-passphrases    person -> first passphrase, for the operator to hand out (0600)

With a private folder (``IKU_CA_PRIVATE_DIR``), ``ca-key.pem``, ``ca-passphrase`` and
``initial-passphrases`` live there instead, so that the folder the web layer and the worker
share holds nothing that issues a certificate or unlocks a key.

Each change (an issue, a revocation, a CRL) writes its files all or not at all: a failure
or Ctrl-C half-way leaves the official's key, its passphrase and the CA's records as they
were.

Certificates carry the person's name (CN), NIP (serialNumber) and directory id (UID): the
id is how a signature is tied to the record without a name ever entering workflow history.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from common.directory import Person
from common.files import PRIVATE, PUBLIC, staged, write_whole
from common.settings import Settings

CA_NAME = "IKU Kemnaker Certificate Authority"
ORGANISATION = "Kementerian Ketenagakerjaan"
# A certificate's organisational unit naming its holder's roles ("roles:kabag", "roles:"
# for none); certificates issued before it have no such unit.
ROLES_UNIT_PREFIX = "roles:"


def roles_unit(roles: Iterable[str]) -> str:
    return ROLES_UNIT_PREFIX + ",".join(sorted(roles))[:58]


def roles_in(units: str | list[str] | None) -> list[str] | None:
    """The roles a certificate's organisational units name; None when none names them."""
    values = [units] if isinstance(units, str) else list(units or [])
    named = [v for v in values if v.startswith(ROLES_UNIT_PREFIX)]
    if not named:
        return None
    return [r for r in named[0].removeprefix(ROLES_UNIT_PREFIX).split(",") if r]


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
    # sha256 of the key file issued with it (keys/<person>.p12): a key file that is not
    # this one is an issue cut short (None: issued before the CA recorded it).
    key_sha256: str | None = None
    # The SOP roles its certificate names (None: issued before certificates named them).
    roles: tuple[str, ...] | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "person": self.person,
            "serial": str(self.serial),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
        if self.key_sha256 is not None:
            out["key_sha256"] = self.key_sha256
        if self.roles is not None:
            out["roles"] = list(self.roles)
        return out

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> Issued:
        revoked = raw.get("revoked_at")
        return cls(
            person=str(raw["person"]),
            serial=int(str(raw["serial"])),
            not_before=datetime.fromisoformat(str(raw["not_before"])),
            not_after=datetime.fromisoformat(str(raw["not_after"])),
            revoked_at=datetime.fromisoformat(str(revoked)) if revoked else None,
            key_sha256=str(raw["key_sha256"]) if raw.get("key_sha256") else None,
            roles=tuple(str(r) for r in roles)
            if isinstance(roles := raw.get("roles"), list)
            else None,
        )

    def revoked(self, at: datetime) -> Issued:
        return dataclasses.replace(self, revoked_at=at)


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read, atomically: a reader (in another thread too)
    sees the old file or the new one."""
    write_whole(path, data, PRIVATE)


def _write_all(writes: Sequence[tuple[Path, bytes, int]]) -> None:
    """Write these files (path, bytes, mode) all, or leave every one as it was.

    Each is written beside its place first; then they are moved into place in order, with
    Ctrl-C and a termination signal held until the last is; a move that fails puts back the
    files moved before it. So the order is the order a crash would leave them in."""
    pending: list[tuple[Path, Path, bytes | None, int]] = []
    try:
        for path, data, mode in writes:
            before = path.read_bytes() if path.exists() else None
            pending.append((path, staged(path, data, mode), before, mode))
        with _signals_held():
            moved: list[tuple[Path, bytes | None, int]] = []
            try:
                for path, tmp, before, mode in pending:
                    os.replace(tmp, path)
                    moved.append((path, before, mode))
            except BaseException:
                for path, before, mode in reversed(moved):
                    _put_back(path, before, mode)
                raise
    finally:
        for _, tmp, _, _ in pending:
            tmp.unlink(missing_ok=True)  # any not moved into place


def _put_back(path: Path, before: bytes | None, mode: int) -> None:
    try:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            write_whole(path, before, mode)
    except OSError:
        pass  # the failure that made us put it back is the one to report


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM wait until the block is done, then act as they would
    have. Only where they would interrupt it: in the main thread (elsewhere no signal
    arrives), with Python's own handling (a program's own handler, asyncio's, is its own)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler in (signal.default_int_handler, signal.SIG_DFL):
            previous[signum] = handler
            signal.signal(signum, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)


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

    def require(self) -> None:
        """Refuse (CaError) unless both the CA certificate and its key are found, saying
        which is missing and what to do about it."""
        if self.exists():
            return
        if self.cert_path.exists():
            raise CaError(
                f"the CA certificate is in {self.ca_dir} but its key is not at "
                f"{self.key_path}: point IKU_CA_PRIVATE_DIR at the folder that holds "
                "ca-key.pem (a new CA would leave every signature untrusted)"
            )
        if self.key_path.exists():
            raise CaError(
                f"a CA key is at {self.key_path} but its certificate is not in {self.ca_dir} "
                "(with documents on S3: is this the bucket and prefix the CA was made in?); "
                "a new CA would replace that key"
            )
        raise CaError(f"no certificate authority in {self.root} (run: iku ca init)")

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
        A CA certificate whose key is not found, or that cannot be read, is refused: a new
        CA would leave every certificate issued, and every signature made, untrusted."""
        if self.exists():
            self.certificate()  # an unreadable one is no CA to keep
            return False
        if self.key_path.exists() or self.cert_path.exists():
            self.require()  # says which half is missing
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
        _write_all(
            [
                (self.issued_path, self._listing([]), PUBLIC),
                (self.crl_path, self._crl_pem([], cert, key), PUBLIC),
            ]
        )
        return True

    def certificate(self) -> x509.Certificate:
        if not self.cert_path.exists():
            raise CaError(f"no certificate authority in {self.root} (run: iku ca init)")
        try:
            return x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        except ValueError:
            raise CaError(f"{self.cert_path} is not a readable CA certificate") from None

    def _key(self) -> rsa.RSAPrivateKey:
        self.require()
        passphrase = os.environ.get("IKU_CA_PASSPHRASE")
        if passphrase:
            secret, source = passphrase.encode(), "IKU_CA_PASSPHRASE"
        else:
            source = str(self.passphrase_path)
            try:
                secret = self.passphrase_path.read_bytes().strip()
            except FileNotFoundError:
                raise CaError(
                    f"the CA key's passphrase is not at {source} (nor in IKU_CA_PASSPHRASE)"
                ) from None
            if not secret:
                raise CaError(f"{source} is empty: it should hold the CA key's passphrase")
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), secret)
        except (ValueError, TypeError):
            raise CaError(
                f"the CA key {self.key_path} cannot be unlocked with the passphrase from "
                f"{source}: the passphrase is not this key's, or the key file is damaged"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CaError(f"{self.key_path} is not the CA's RSA key")
        return key

    # --- people ------------------------------------------------------------------------

    def issued(self) -> list[Issued]:
        try:
            raw = json.loads(self.issued_path.read_bytes())
        except FileNotFoundError:
            return []
        except ValueError as err:  # not JSON, not text
            raise self._damaged_list(err) from None
        if not isinstance(raw, list):
            raise self._damaged_list("not a list")
        try:
            return [Issued.from_json(entry) for entry in raw]
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise self._damaged_list(f"an entry is damaged: {type(err).__name__} {err}") from None

    def _damaged_list(self, why: object) -> CaError:
        return CaError(
            f"{self.issued_path} cannot be read as the CA's list of certificates issued "
            f"({str(why)[:100]}); restore it from a backup"
        )

    def _listing(self, issued: list[Issued]) -> bytes:
        return (json.dumps([i.as_json() for i in issued], indent=2) + "\n").encode()

    def in_force(self) -> list[Issued]:
        """The certificates neither revoked nor ended, in the order they were issued."""
        now = _now()
        return [i for i in self.issued() if i.revoked_at is None and i.not_after > now]

    def current(self, person: str) -> Issued | None:
        """The person's certificate in force now, if any."""
        return next((i for i in reversed(self.in_force()) if i.person == person), None)

    def key_path_of(self, person: str) -> Path:
        return self.keys_dir / f"{person}.p12"

    def issue(self, person: Person, passphrase: str | None = None) -> tuple[Issued, str | None]:
        """A signing certificate and encrypted key for ``person``; an earlier certificate is
        revoked (superseded). Returns the record and the passphrase when one was generated
        (it is also written to ``initial-passphrases``)."""
        ca_cert = self.certificate()
        ca_key = self._key()
        before = self.issued()
        generated = passphrase is None
        secret = passphrase if passphrase is not None else _passphrase()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        attributes = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            # The SOP roles the directory gave them as the CA issued it, so a file checked
            # with no record at hand shows whether the Minister's field holds the Minister.
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, roles_unit(person.roles)),
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
        record = Issued(
            person.id,
            serial,
            cert.not_valid_before_utc,
            not_after,
            key_sha256=hashlib.sha256(bundle).hexdigest(),
            roles=tuple(sorted(person.roles)),
        )
        issued = [
            i.revoked(now) if i.person == person.id and i.revoked_at is None else i for i in before
        ]
        issued.append(record)
        # All or nothing, in this order: the passphrase is on the sheet before the list
        # counts the certificate in force, and the key replaces the old one last (until
        # then the old key, its passphrase and its certificate hold).
        writes = []
        if generated:
            writes.append(
                (self.initial_passphrases_path, self._sheet_with(person.id, secret), PRIVATE)
            )
        writes += [
            (self.issued_path, self._listing(issued), PUBLIC),
            (self.crl_path, self._crl_pem(issued, ca_cert, ca_key), PUBLIC),
            (self.key_path_of(person.id), bundle, PRIVATE),
        ]
        _write_all(writes)
        return record, secret if generated else None

    def revoke(self, person: str) -> int:
        """Revoke every certificate of ``person`` still in force; how many were (none:
        nothing is written). The list and the CRL change together or not at all."""
        issued = self.issued()
        count = sum(1 for i in issued if i.person == person and i.revoked_at is None)
        if not count:
            return 0
        ca_cert, ca_key = self.certificate(), self._key()
        now = _now()
        issued = [
            i.revoked(now) if i.person == person and i.revoked_at is None else i for i in issued
        ]
        _write_all(
            [
                (self.issued_path, self._listing(issued), PUBLIC),
                (self.crl_path, self._crl_pem(issued, ca_cert, ca_key), PUBLIC),
            ]
        )
        return count

    def _sheet(self) -> dict[str, str] | None:
        """The first passphrases on the operator's sheet, by person (None: no sheet)."""
        try:
            text = self.initial_passphrases_path.read_text()
        except FileNotFoundError:
            return None
        pairs = (line.split(" ", 1) for line in text.splitlines() if " " in line)
        return {person: secret for person, secret in pairs}

    def _sheet_with(self, person: str, passphrase: str) -> bytes:
        lines = []
        if self.initial_passphrases_path.exists():
            lines = [
                line
                for line in self.initial_passphrases_path.read_text().splitlines()
                if line.split(" ", 1)[0] != person
            ]
        lines.append(f"{person} {passphrase}")
        return ("\n".join(lines) + "\n").encode()

    # --- revocation --------------------------------------------------------------------

    def publish_crl(self) -> x509.CertificateRevocationList:
        ca_cert, ca_key = self.certificate(), self._key()
        pem = self._crl_pem(self.issued(), ca_cert, ca_key)
        _write_all([(self.crl_path, pem, PUBLIC)])
        return x509.load_pem_x509_crl(pem)

    def _crl_pem(
        self, issued: list[Issued], ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey
    ) -> bytes:
        """The CRL listing every certificate revoked in ``issued``, signed."""
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
        for i in issued:
            if i.revoked_at is not None:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(i.serial)
                    .revocation_date(i.revoked_at)
                    .build()
                )
        return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def crl(self) -> x509.CertificateRevocationList:
        if not self.crl_path.exists():
            raise CaError(f"no CRL in {self.root} (run: iku ca init)")
        try:
            return x509.load_pem_x509_crl(self.crl_path.read_bytes())
        except ValueError:
            raise CaError(f"{self.crl_path} is not a readable revocation list (CRL)") from None

    def ensure_people(self, people: list[Person]) -> list[tuple[str, str]]:
        """Create the CA if missing and a certificate for each active person without a
        usable one in force; (person, generated passphrase) for each issued."""
        self.init()
        out = []
        for person in people:
            if person.active and not self.usable(person.id):
                _, secret = self.issue(person)
                assert secret is not None
                out.append((person.id, secret))
        return out

    def usable(self, person: str) -> bool:
        """Whether ``person`` has a certificate in force whose issue was done: its key file
        is the one issued with it, and (issued before the CA recorded its key file) their
        first passphrase is on the sheet, when the operator keeps one."""
        current = self.current(person)
        path = self.key_path_of(person)
        if current is None or not path.is_file():
            return False
        if current.key_sha256 is not None:
            return hashlib.sha256(path.read_bytes()).hexdigest() == current.key_sha256
        sheet = self._sheet()
        return sheet is None or person in sheet


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
