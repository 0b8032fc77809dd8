"""Where a signing key comes from: the ``KeySource`` interface and the local encrypted
keystore that implements it.

The signer unlocks their key with the passphrase they type at the moment of approving; the
key exists decrypted only inside the web process, for the one signature. Another source (a
PKCS#11 token through ``pyhanko.sign.pkcs11.PKCS11Signer``, or a remote signing service)
implements the same method; see README, "Electronic signatures".
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.signers import Signer, SimpleSigner

from signing.ca import CertificateAuthority


class NoSigningKey(Exception):
    """The person has no signing certificate in force."""


class WrongPassphrase(Exception):
    """The passphrase does not unlock the person's key. Says nothing more, on purpose."""


class KeySource(Protocol):
    def signer(self, person: str, passphrase: str) -> Signer:
        """The person's signer, unlocked with ``passphrase``; raises NoSigningKey or
        WrongPassphrase."""
        ...


class LocalKeystore:
    """PKCS#12 files encrypted with each person's passphrase, issued by the local CA."""

    def __init__(self, root: Path) -> None:
        self.ca = CertificateAuthority(root)

    def has_key(self, person: str) -> bool:
        return self.ca.current(person) is not None and self.ca.key_path_of(person).exists()

    def signer(self, person: str, passphrase: str) -> Signer:
        path = self.ca.key_path_of(person)
        if self.ca.current(person) is None or not path.exists():
            raise NoSigningKey(person)
        ca_cert = asn1_x509.Certificate.load(self.ca.certificate().public_bytes(Encoding.DER))
        try:
            return SimpleSigner.load_pkcs12_data(
                path.read_bytes(), other_certs=[ca_cert], passphrase=passphrase.encode()
            )
        except ValueError:
            raise WrongPassphrase() from None
