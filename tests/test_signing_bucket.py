"""The signing folder kept in the bucket (documents on S3): the CA's machine, a web machine
and a worker machine, each with a folder of its own, one real SeaweedFS between them.

The CA's machine issues with ``iku ca issue``; the Kabag initials on the web machine with
the key it fetched; the worker machine finds the paraf trusted, and after ``iku ca revoke``
on the CA's machine finds it revoked. A signed IKU's verification code written on one web
machine is found on another. The CA's private files never reach the bucket, and a bucket
that does not answer is a clear StoreUnavailable, not a stale answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import obstore
import pytest

from api.tasks.signing import remember_code, workflow_of
from commands.iku import main as iku
from common.documents import StoreUnavailable
from common.s3 import key_prefix, s3_store
from common.settings import Settings, get_settings
from signing.folder import VALIDATION, SigningFolder, key_of
from signing.keys import LocalKeystore
from signing.pdf import Signatory, add_paraf
from signing.verify import verify_pdf
from tests import samples
from tests.conftest import on_s3
from tests.s3server import S3Server
from tests.signatures import passphrases_in

KABAG = "p-002"
PRIVATE = {"ca-key.pem", "ca-passphrase", "initial-passphrases"}


@pytest.fixture
def bucket(settings: Settings, s3_server: S3Server) -> Settings:
    """The deployment's settings: documents (and so the signing folder) in the bucket."""
    return on_s3(settings, s3_server)


def machine(bucket: Settings, folder: Path) -> Settings:
    return bucket.model_copy(update={"data_dir": folder, "signing_dir": folder / "signing"})


@pytest.fixture
def ca_machine(
    bucket: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """``iku`` run as the compose file's signing-ca step: the bucket's settings, a signing
    folder of its own and the CA's private files apart."""
    ca = machine(bucket, tmp_path / "ca-machine").model_copy(
        update={"ca_private_dir": tmp_path / "ca-private"}
    )
    for name, value in {
        "IKU_DATA_DIR": ca.data_dir,
        "IKU_CA_PRIVATE_DIR": ca.ca_private_dir,
        "IKU_DOCUMENT_STORE": "s3",
        "IKU_S3_ENDPOINT_URL": ca.s3_endpoint_url,
        "IKU_S3_BUCKET": ca.s3_bucket,
        "IKU_S3_PREFIX": ca.s3_prefix,
        "IKU_S3_ACCESS_KEY_ID": ca.s3_access_key_id,
        "IKU_S3_SECRET_ACCESS_KEY": ca.s3_secret_access_key.get_secret_value(),  # type: ignore[union-attr]
    }.items():
        monkeypatch.setenv(name, str(value))
    get_settings.cache_clear()
    yield ca
    get_settings.cache_clear()


def in_bucket(settings: Settings) -> set[str]:
    prefix = key_prefix(settings, "signing")
    stream = obstore.list(s3_store(settings), prefix=prefix)
    return {meta["path"].removeprefix(prefix) for batch in stream for meta in batch}


async def test_a_paraf_made_on_the_web_machine_is_trusted_on_the_worker_until_revoked(
    ca_machine: Settings, bucket: Settings, tmp_path: Path
):
    assert iku(["ca", "issue"]) == 0
    held = in_bucket(bucket)
    assert {"ca/ca.pem", "ca/crl.pem", "ca/issued.json", key_of(KABAG)} <= held
    assert not {name.rpartition("/")[2] for name in held} & PRIVATE
    passphrase = passphrases_in(ca_machine.signing_dir, ca_machine.ca_private_dir)[KABAG]

    web = SigningFolder(machine(bucket, tmp_path / "web-machine"))
    root = web.fetch("ca/ca.pem", "ca/issued.json", key_of(KABAG))
    signer = LocalKeystore(root).signer(KABAG, passphrase)
    who = Signatory(name="Kabag", position="Kepala Bagian", step=8)
    signed = await add_paraf(samples.pdf("Draf IKU 2027"), signer, who)

    worker = SigningFolder(machine(bucket, tmp_path / "worker-machine"))
    report = await verify_pdf(signed, worker.fetch(*VALIDATION))
    assert report.valid and report.signatures[0].trusted

    # Revoked on the CA's machine: the worker's next check fetches the new CRL.
    assert iku(["ca", "revoke", KABAG]) == 0
    report = await verify_pdf(signed, worker.fetch(*VALIDATION))
    assert not report.valid and not report.signatures[0].trusted


def test_a_verification_code_written_on_one_web_machine_is_found_on_another(
    bucket: Settings, tmp_path: Path
):
    one, another = (machine(bucket, tmp_path / name) for name in ("web-1", "web-2"))
    remember_code(one, "abc123", "iku-2027-kemnaker")
    assert workflow_of(another, "abc123") == "iku-2027-kemnaker"
    assert workflow_of(another, "zzz999") is None


def test_a_bucket_that_does_not_answer_is_said_so(bucket: Settings, tmp_path: Path):
    away = machine(bucket, tmp_path / "web-machine").model_copy(
        update={"s3_endpoint_url": "http://127.0.0.1:9", "s3_timeout_seconds": 2.0}
    )
    with pytest.raises(StoreUnavailable, match="cannot be used now"):
        SigningFolder(away).fetch(*VALIDATION)
