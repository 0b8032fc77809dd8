"""``iku store``, run as a real subprocess against a store in tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.documents import open_document_store
from common.models import Attachment, DocumentRef
from tests import samples
from tests.conftest import on_s3
from tests.s3server import ACCESS_KEY, SECRET_KEY
from tests.support import files_under, free_port
from workflows.sop import DOC_KINDS

REPO = Path(__file__).resolve().parent.parent
ENTRY_POINT = Path(sys.executable).with_name("iku")


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, script: bool = False
) -> subprocess.CompletedProcess[str]:
    # Only our IKU_* settings: a developer's own environment must not leak in.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
    clean["IKU_DATA_DIR"] = str(tmp_path / "data")
    clean.update(env or {})
    command = [str(ENTRY_POINT)] if script else [sys.executable, "-m", "commands.iku"]
    return subprocess.run(
        [*command, *args],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def document(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def test_storing_a_pdf_prints_its_ref(tmp_path):
    data = samples.pdf("Kerangka Acuan Kerja 2027")
    source = document(tmp_path, "tor-2027.pdf", data)
    result = run(tmp_path, "store", str(source))
    assert result.returncode == 0, result.stderr
    ref = DocumentRef.model_validate_json(result.stdout)
    digest = hashlib.sha256(data).hexdigest()
    assert (ref.sha256, ref.size, ref.name, ref.media_type) == (
        digest,
        len(data),
        "tor-2027.pdf",
        "application/pdf",
    )
    stored = tmp_path / "data" / "documents" / "sha256" / digest[:2] / digest
    assert stored.read_bytes() == data
    assert files_under(tmp_path / "data" / "documents") == [stored]
    # stdout is one line of JSON and nothing else; the human summary goes to stderr.
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout) == ref.model_dump()
    assert "stored" in result.stderr


def test_with_a_kind_it_prints_an_attachment(tmp_path):
    source = document(tmp_path, "tor.docx", samples.docx("TOR"))
    result = run(tmp_path, "store", str(source), "--kind", "tor")
    assert result.returncode == 0, result.stderr
    attachment = Attachment.model_validate_json(result.stdout)
    assert attachment.kind == "tor"
    assert attachment.ref.media_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert attachment.ref.name == "tor.docx"


def test_the_type_comes_from_the_content_and_the_name_from_the_option(tmp_path):
    source = document(tmp_path, "scan.pdf", samples.png())
    result = run(tmp_path, "store", str(source), "--name", "../../Disposisi Karo.png")
    assert result.returncode == 0, result.stderr
    ref = DocumentRef.model_validate_json(result.stdout)
    assert ref.media_type == "image/png"
    assert ref.name == "Disposisi Karo.png"


def test_the_same_file_twice_is_one_document(tmp_path):
    source = document(tmp_path, "draf.xlsx", samples.xlsx())
    first, second = run(tmp_path, "store", str(source)), run(tmp_path, "store", str(source))
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert len(files_under(tmp_path / "data" / "documents")) == 1


def test_iku_documents_dir_is_respected(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    source = document(tmp_path, "a.pdf", samples.pdf())
    result = run(tmp_path, "store", str(source), env={"IKU_DOCUMENTS_DIR": str(elsewhere)})
    assert result.returncode == 0, result.stderr
    ref = DocumentRef.model_validate_json(result.stdout)
    assert (elsewhere / "sha256" / ref.sha256[:2] / ref.sha256).exists()
    assert not (tmp_path / "data" / "documents").exists()


@pytest.mark.parametrize(
    ("name", "build", "code"),
    [
        ("laporan.pdf", samples.disguised_exe, "unsupported_type"),
        ("draf.docx", samples.docm, "macro_enabled"),
        ("lampiran.docx", samples.zip_bomb, "zip_bomb"),
        ("catatan.pdf", lambda: b"just some text\n", "unsupported_type"),
    ],
)
def test_a_refused_file_exits_2_and_stores_nothing(tmp_path, name, build, code):
    source = document(tmp_path, name, build())
    result = run(tmp_path, "store", str(source), "--kind", "draf_iku")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "not stored" in result.stderr and code in result.stderr
    assert files_under(tmp_path / "data" / "documents") == []


def test_an_unknown_kind_exits_2_and_lists_the_kinds(tmp_path):
    source = document(tmp_path, "a.pdf", samples.pdf())
    result = run(tmp_path, "store", str(source), "--kind", "laporan")
    assert result.returncode == 2
    assert "laporan" in result.stderr
    assert all(kind in result.stderr for kind in DOC_KINDS)
    assert result.stdout == ""
    assert files_under(tmp_path / "data") == []


@pytest.mark.parametrize("case", ["missing", "directory", "empty"])
def test_what_is_not_a_document_file(tmp_path, case):
    target = tmp_path / "in" / "x.pdf"
    target.parent.mkdir()
    if case == "directory":
        target.mkdir()
    elif case == "empty":
        target.write_bytes(b"")
    result = run(tmp_path, "store", str(target))
    assert result.returncode == 2
    assert {"missing": "no such file", "directory": "folder", "empty": "empty"}[case] in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert files_under(tmp_path / "data") == []


def test_a_file_over_the_upload_limit(tmp_path):
    source = document(tmp_path, "besar.pdf", samples.pdf("x" * 2000))
    result = run(tmp_path, "store", str(source), env={"IKU_MAX_UPLOAD_BYTES": "1000"})
    assert result.returncode == 2
    assert "limit" in result.stderr
    assert files_under(tmp_path / "data") == []


def test_help_explains_the_command(tmp_path):
    top = run(tmp_path, "--help")
    assert top.returncode == 0
    assert "store" in top.stdout
    store = run(tmp_path, "store", "--help")
    assert store.returncode == 0
    for words in ("--kind", "--name", "IKU_DATA_DIR", "content", "draf_iku"):
        assert words in store.stdout


def test_no_command_is_a_usage_error(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_the_installed_iku_script(tmp_path):
    # `uv sync` installs [project.scripts]; a broken entry there must fail here.
    source = document(tmp_path, "a.ods", samples.ods())
    result = run(tmp_path, "store", str(source), "--kind", "bahan", script=True)
    assert result.returncode == 0, result.stderr
    assert Attachment.model_validate_json(result.stdout).ref.media_type == (
        "application/vnd.oasis.opendocument.spreadsheet"
    )


def test_iku_store_puts_the_file_in_the_s3_bucket_when_the_settings_say_so(
    tmp_path, settings, s3_server
):
    on = on_s3(settings, s3_server)
    data = samples.pdf("SK Tim Penyusunan")
    source = document(tmp_path, "sk-tim.pdf", data)
    env = {
        "IKU_DOCUMENT_STORE": "s3",
        "IKU_S3_ENDPOINT_URL": s3_server.endpoint,
        "IKU_S3_BUCKET": s3_server.bucket,
        "IKU_S3_PREFIX": on.s3_prefix,
        "IKU_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "IKU_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "IKU_S3_REGION": "us-east-1",
    }
    result = run(tmp_path, "store", str(source), "--kind", "sk_tim", env=env)
    assert result.returncode == 0, result.stderr
    ref = Attachment.model_validate_json(result.stdout).ref
    assert f"s3://{s3_server.bucket}/{on.s3_prefix}/documents/" in result.stderr
    assert open_document_store(on).holds(ref)
    # No document kept on this machine (the deployment's CA lives here, by design).
    assert files_under(tmp_path / "data", but="signing") == []

    down = {**env, "IKU_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    result = run(tmp_path, "store", str(source), env=down)
    assert result.returncode != 0 and result.stdout == ""
    assert "cannot be used now" in result.stderr and "try again later" in result.stderr
    assert SECRET_KEY not in result.stderr
