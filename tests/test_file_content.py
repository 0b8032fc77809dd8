"""A PDF is pages and an image is a picture: scripts, attachments and hidden data refused."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from common import image_content
from common.filetypes import UnsupportedDocument, detect_media_type
from tests import samples


def write(tmp_path: Path, data: bytes, name: str = "lampiran") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(tmp_path: Path, data: bytes) -> UnsupportedDocument:
    with pytest.raises(UnsupportedDocument) as caught:
        detect_media_type(write(tmp_path, data))
    return caught.value


# --- PDF -------------------------------------------------------------------------------


def test_a_plain_pdf_with_a_link_to_a_page_is_accepted(tmp_path):
    data = samples.pdf_with(
        page=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
        b"/A << /S /GoTo /D [3 0 R /Fit] >> >>] "
    )
    assert detect_media_type(write(tmp_path, data)) == "application/pdf"


@pytest.mark.parametrize("where", ["open_action", "names", "page_action", "link"])
def test_a_pdf_with_javascript_is_refused(tmp_path, where):
    data = samples.pdf_with_javascript(where)
    with pikepdf.open(io.BytesIO(data)) as pdf:  # the sample is a real, readable PDF
        assert len(pdf.pages) == 1
    err = refusal(tmp_path, data)
    assert err.code == "active_content"
    assert "JavaScript" in err.message and "JavaScript" in err.message_id
    assert "tidak diterima" in err.message_id


def test_a_script_in_an_object_nothing_refers_to_is_still_refused(tmp_path):
    data = samples.pdf_with(objects=[b"<< /S /JavaScript /JS (this.print\\(\\);) >>"])
    assert refusal(tmp_path, data).code == "active_content"


@pytest.mark.parametrize("action", [b"/Launch /F (cmd.exe)", b"/SubmitForm /F (http://x)"])
def test_a_pdf_that_launches_or_submits_is_refused(tmp_path, action):
    data = samples.pdf_with(catalog=b"/OpenAction << /S %s >> " % action)
    assert refusal(tmp_path, data).code == "active_content"


def test_a_pdf_with_automatic_actions_is_refused(tmp_path):
    err = refusal(tmp_path, samples.pdf_with_automatic_action())
    assert err.code == "active_content"
    assert "berjalan sendiri" in err.message_id


def test_an_xfa_form_is_refused(tmp_path):
    data = samples.pdf_with(catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >> ", objects=[_XFA])
    assert refusal(tmp_path, data).code == "active_content"


_XFA = b"<< /Length 9 >>\nstream\n<xdp:xdp>\nendstream"


@pytest.mark.parametrize("how", ["names", "annotation"])
def test_a_pdf_carrying_a_file_is_refused(tmp_path, how):
    data = samples.pdf_with_embedded_file(how)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.attachments or pdf.pages[0].Annots[0].Subtype == "/FileAttachment"
    err = refusal(tmp_path, data)
    assert err.code == "embedded_file"
    assert "lampiran" in err.message_id and "attachments" in err.message


@pytest.mark.parametrize("user_password", ["", "rahasia"])
def test_an_encrypted_pdf_is_refused(tmp_path, user_password):
    err = refusal(tmp_path, samples.encrypted_pdf(user_password))
    assert err.code == "encrypted"
    assert "kata sandi" in err.message_id


def test_a_pdf_that_cannot_be_parsed_is_refused_clearly(tmp_path):
    err = refusal(tmp_path, b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert err.code == "corrupt"
    assert "PDF" in err.message and "rusak" in err.message_id


# --- images ----------------------------------------------------------------------------


@pytest.mark.parametrize("build", [samples.png, samples.jpeg])
def test_an_image_with_a_zip_appended_is_refused(tmp_path, build):
    data = build() + samples.zip_of({"index.html": "<p>halo</p>"})
    err = refusal(tmp_path, data)
    assert err.code == "hidden_data"
    assert "gambar" in err.message_id.lower() and "image" in err.message


@pytest.mark.parametrize("build", [samples.png, samples.jpeg])
def test_an_image_with_html_appended_is_refused(tmp_path, build):
    err = refusal(tmp_path, build() + b"<html><script>alert(1)</script></html>")
    assert err.code == "hidden_data"


@pytest.mark.parametrize("build", [samples.png, samples.jpeg])
def test_a_single_byte_after_the_image_is_refused(tmp_path, build):
    assert refusal(tmp_path, build() + b"\x00").code == "hidden_data"


def test_a_png_pdf_polyglot_is_refused(tmp_path):
    data = samples.png(extra=[(b"prVt", samples.pdf())])
    assert refusal(tmp_path, data).code == "hidden_data"


@pytest.mark.parametrize("compressed", [False, True])
def test_html_in_a_png_text_chunk_is_refused(tmp_path, compressed):
    data = samples.png_with_text("<script>alert(document.cookie)</script>", compressed=compressed)
    assert refusal(tmp_path, data).code == "hidden_data"


def test_an_ordinary_png_comment_is_fine(tmp_path):
    data = samples.png_with_text("Grafik capaian IKU 2026 < target", compressed=True)
    assert detect_media_type(write(tmp_path, data)) == "image/png"


def test_html_in_a_jpeg_comment_is_refused(tmp_path):
    data = samples.jpeg(comment=b"<!DOCTYPE html><body onload=alert(1)>")
    assert refusal(tmp_path, data).code == "hidden_data"


def test_a_jpeg_comment_without_markup_is_fine(tmp_path):
    data = samples.jpeg(comment=b"Foto rapat koordinasi, Biro Perencanaan")
    assert detect_media_type(write(tmp_path, data)) == "image/jpeg"


def test_images_from_pillow_are_accepted(tmp_path):
    picture = Image.new("RGB", (40, 30), (200, 30, 60))
    for fmt, media_type in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        out = io.BytesIO()
        picture.save(out, fmt, **({"progressive": True} if fmt == "JPEG" else {}))
        assert detect_media_type(write(tmp_path, out.getvalue(), fmt)) == media_type


def test_a_truncated_image_is_refused(tmp_path):
    data = samples.png(64, 48)
    assert refusal(tmp_path, data[: len(data) // 2]).code == "corrupt"
    jpeg = samples.jpeg(64, 48)
    assert refusal(tmp_path, jpeg[:-2]).code == "corrupt"


def test_pixel_data_that_does_not_decode_is_refused(tmp_path):
    assert refusal(tmp_path, samples.png_undecodable()).code == "corrupt"


def test_an_image_that_unpacks_past_the_pixel_budget_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(image_content, "MAX_PIXELS", 63 * 48)
    err = refusal(tmp_path, samples.png(64, 48))
    assert err.code == "zip_bomb"
    assert "piksel" in err.message_id
    assert detect_media_type(write(tmp_path, samples.png(63, 48))) == "image/png"
