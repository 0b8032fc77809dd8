"""The signing folder where every machine finds it.

With documents on S3 (``IKU_DOCUMENT_STORE=s3``) the bucket holds the folder's shared part
under ``<IKU_S3_PREFIX>/signing/``, and each machine's ``IKU_SIGNING_DIR`` is a copy
brought up to date before each use: the web layer and the worker share no disk, and a
certificate revoked on one machine is refused on every other at its next check. Only
``iku ca`` writes the CA's files and the officials' keys there; the web layer writes the
verification codes of signed IKUs. The CA's private files (its key, its passphrase, the
first passphrases) are never sent. With the local store the folder is simply the folder.
"""

from __future__ import annotations

from pathlib import Path

from common.s3 import BucketArea
from common.settings import Settings
from signing.ca import write_private

CA_FILES = ("ca/ca.pem", "ca/crl.pem", "ca/issued.json")
# What validating a signature reads: the CA certificate and its revocation list.
VALIDATION = CA_FILES[:2]
KEYS = "keys/"
CODES = "verification-codes/"


def key_of(person: str) -> str:
    return f"{KEYS}{person}.p12"


def code_file(code: str) -> str:
    return f"{CODES}{code}"


class SigningFolder:
    def __init__(self, settings: Settings) -> None:
        self.root = settings.signing_dir
        self._bucket = BucketArea(settings, "signing") if settings.document_store == "s3" else None

    def fetch(self, *names: str) -> Path:
        """These files (paths in the folder) as the bucket has them now (one it does not
        hold is left as it is here: nothing is ever deleted there). The folder's path."""
        if self._bucket is not None:
            for name in names:
                try:
                    data = self._bucket.get(name)
                except FileNotFoundError:
                    continue
                write_private(self.root / name, data)
        return self.root

    def fetch_all(self) -> Path:
        """Every file the bucket holds for the folder (``iku ca``, before it changes any)."""
        if self._bucket is not None:
            self.fetch(*(name for name, _ in self._bucket.listing()))
        return self.root

    def publish(self, *names: str) -> None:
        """These files, as they are here, for every other machine."""
        if self._bucket is not None:
            for name in names:
                self._bucket.put(name, (self.root / name).read_bytes())

    def publish_ca(self) -> None:
        """What ``iku ca`` changes: the CA's certificate, CRL and list, and every key."""
        keys = sorted((self.root / KEYS).glob("*.p12")) if (self.root / KEYS).is_dir() else []
        present = [name for name in CA_FILES if (self.root / name).exists()]
        self.publish(*present, *(KEYS + key.name for key in keys))
