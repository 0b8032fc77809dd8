"""Uploads through the task page: the size limit while streaming, types by content, file names
that are only names, and nothing stored when anything is refused."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

import pytest

from common.models import StatusView
from tests import samples
from tests.scenario import KABAG, KASUBAG, Scenario
from tests.support import files_under
from tests.web import Page, Web, form_parts

pytestmark = pytest.mark.devserver

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def the_proposal_page(dev_env, web: Web) -> tuple[Scenario, str, Page]:
    """Step 1, where the Kasubag uploads the Konsep Rencana Kerja and the TOR."""
    p = await Scenario(dev_env.client, web.settings).start()
    link = await web.link(p.id, KASUBAG)
    return p, link, await web.open(link)


async def nothing_applied(p: Scenario, web: Web) -> StatusView:
    """The process is still at step 1 with no document, and the store holds no file."""
    status = await p.status()
    assert status.step == 1 and status.documents == []
    assert files_under(web.settings.documents_dir) == []
    return status


async def test_a_file_over_the_size_limit_is_refused_while_streaming_and_nothing_is_kept(
    dev_env, web: Web
):
    web.settings.max_upload_bytes = 64 * 1024
    p, link, page = await the_proposal_page(dev_env, web)
    big = samples.pdf("TOR") + b"%" + b"x" * (200 * 1024)
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "tor": [("TOR.pdf", big, PDF)],
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), PDF)],
        },
    )
    assert result.status == 413
    assert "Berkas terlalu besar" in result.text and "64 KB" in result.text
    assert "Keputusan Anda belum dicatat" in result.text
    await nothing_applied(p, web)
    # Past the whole request's limit, refused before reading the body.
    huge = b"x" * (3 * 1024 * 1024)
    response = await web.http.post(
        link,
        content=huge,
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Sec-Fetch-Site": "same-origin",
        },
    )
    assert response.status_code == 413
    await nothing_applied(p, web)
    # Just under the limit is fine.
    fits = samples.pdf("TOR") + b"%" + b"x" * (60 * 1024)
    ok = await web.submit(
        link,
        await web.open(link),
        "submit",
        files={
            "tor": [("TOR.pdf", fits, PDF)],
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), PDF)],
        },
    )
    assert ok.status == 200, ok.text


async def test_an_executable_named_pdf_is_refused_by_its_content(dev_env, web: Web):
    p, link, page = await the_proposal_page(dev_env, web)
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), PDF)],
            "tor": [("TOR.pdf", samples.disguised_exe(), PDF)],
        },
    )
    assert result.status == 415
    assert "Jenis berkas tidak diterima" in result.text and "TOR.pdf" in result.text
    assert "program" in result.text and "PDF, Word (.docx)" in result.text
    # The good file sent with it was not kept either.
    await nothing_applied(p, web)


async def test_a_zip_bomb_dressed_as_a_word_document_is_refused(dev_env, web: Web):
    p, link, page = await the_proposal_page(dev_env, web)
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep.docx", samples.zip_bomb(), DOCX)],
            "tor": [("TOR.pdf", samples.pdf("TOR"), PDF)],
        },
        headers={"Accept-Language": "en"},
    )
    assert result.status == 415
    assert "zip bomb" in result.text and "Your decision has not been recorded" in result.text
    await nothing_applied(p, web)


async def test_an_empty_file_is_refused(dev_env, web: Web):
    p, link, page = await the_proposal_page(dev_env, web)
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep.pdf", b"", PDF)],
            "tor": [("TOR.pdf", samples.pdf("TOR"), PDF)],
        },
    )
    assert result.status == 422
    assert "Berkas kosong" in result.text and "Konsep.pdf" in result.text
    await nothing_applied(p, web)


async def test_every_refused_file_is_named_and_the_form_comes_back_filled_in(dev_env, web: Web):
    """The Kasubbag picks an empty Konsep and a program named TOR.pdf and writes a note: both
    files are named, the form is there again with her note, nothing is kept; with the right
    files the proposal goes up."""
    web.settings.max_upload_bytes = 64 * 1024
    p, link, page = await the_proposal_page(dev_env, web)
    note = "Mohon arahan untuk TOR."
    refused = await web.submit(
        link,
        page,
        "submit",
        note=note,
        files={
            "konsep_rencana_kerja": [("Konsep.pdf", b"", PDF)],
            "tor": [("TOR.pdf", samples.disguised_exe(), PDF)],
            "bahan": [("Lampiran.pdf", samples.pdf("L") + b"%" + b"x" * (100 * 1024), PDF)],
        },
    )
    assert refused.status == 422
    for name in ("Konsep.pdf", "TOR.pdf", "Lampiran.pdf"):
        assert name in refused.text
    assert "Berkas tidak dapat diterima" in refused.text and "64 KB" in refused.text
    assert "perlu dipilih lagi" in refused.text
    assert "submit" in refused.actions and [f.value for f in refused.named("note")] == [note]
    await nothing_applied(p, web)
    sent = await web.submit(
        link,
        refused,
        "submit",
        note=note,
        files={
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), PDF)],
            "tor": [("TOR.pdf", samples.pdf("TOR"), PDF)],
        },
    )
    assert sent.status == 200, sent.text
    assert (await p.status()).step == 2


async def test_a_path_in_the_file_name_is_only_a_name(dev_env, web: Web):
    p, link, page = await the_proposal_page(dev_env, web)
    tor = samples.pdf("TOR")
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "tor": [("../../etc/passwd.pdf", tor, PDF)],
            "konsep_rencana_kerja": [
                ("..\\..\\Windows\\konsep\u202efdp.exe", samples.docx("K"), DOCX)
            ],
        },
    )
    assert result.status == 200, result.text
    status = await p.status()
    refs = {d.kind: d.ref for d in status.documents}
    digest = hashlib.sha256(tor).hexdigest()
    assert refs["tor"].name == "passwd.pdf" and refs["tor"].sha256 == digest
    # Stored under its hash, and nowhere else.
    root = web.settings.documents_dir
    assert (root / "sha256" / digest[:2] / digest).read_bytes() == tor
    assert sorted(f.name for f in files_under(web.settings.documents_dir)) == sorted(
        [digest, refs["konsep_rencana_kerja"].sha256]
    )
    assert not any(web.settings.data_dir.parent.rglob("passwd*"))
    # The right-to-left override is gone from the shown name, and the download of the Word
    # document is named as one.
    assert "\u202e" not in refs["konsep_rencana_kerja"].name
    kabag = await web.link(p.id, KABAG)
    got = await web.http.get(f"{kabag}/dokumen/{refs['konsep_rencana_kerja'].sha256}")
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="konsepfdp.exe.docx"')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "konsepfdp.exe.docx"
    assert got.headers["content-type"] == DOCX
    assert got.headers["x-content-type-options"] == "nosniff"


async def test_a_name_in_any_script_downloads_with_an_ascii_fallback(dev_env, web: Web):
    p, link, page = await the_proposal_page(dev_env, web)
    name = 'Kerangka "Acuan"; Kerja – Dinas Tenaga Kerja Bekasi ü 指标.pdf'
    await web.submit(
        link,
        page,
        "submit",
        files={
            "tor": [(name, samples.pdf("TOR"), PDF)],
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("K"), PDF)],
        },
    )
    ref = next(d.ref for d in (await p.status()).documents if d.kind == "tor")
    got = await web.http.get(f"{await web.link(p.id, KABAG)}/dokumen/{ref.sha256}")
    disposition = got.headers["content-disposition"]
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and ";" not in fallback and '"' not in fallback
    assert fallback.endswith(".pdf")
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == ref.name


async def test_a_decision_the_workflow_refuses_after_the_upload_applies_nothing(dev_env, web: Web):
    p, link, page = await the_proposal_page(dev_env, web)
    # A document this step does not take, besides the two it does: the workflow refuses.
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "tor": [("TOR.pdf", samples.pdf("TOR"), PDF)],
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("K"), PDF)],
            "iku": [("IKU.pdf", samples.pdf("IKU palsu"), PDF)],
        },
    )
    assert result.status == 422
    assert "Dokumen tersebut tidak dapat dilampirkan pada langkah ini" in result.text
    assert "Keputusan Anda belum dicatat" in result.text and "perlu dipilih lagi" in result.text
    # The form is offered again, with a fresh nonce.
    assert result.nonce and result.nonce != page.nonce and result.actions == ["submit"]
    status = await p.status()
    assert status.step == 1 and status.documents == []  # referenced by no process


async def test_a_file_field_of_no_known_kind_is_refused_before_anything_is_stored(
    dev_env, web: Web
):
    p, link, page = await the_proposal_page(dev_env, web)
    parts = form_parts(page, "submit")
    parts.insert(1, ("doc.virus", ("a.pdf", samples.pdf("x"), PDF)))
    result = await web.post(link, parts)
    assert result.status == 422
    await nothing_applied(p, web)
