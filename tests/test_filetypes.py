"""Media types are judged by content: real samples under misleading names, hostile files."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from common import filetypes
from common.filetypes import (
    ALLOWED_MEDIA_TYPES,
    EXTENSIONS,
    UnsupportedDocument,
    detect_media_type,
)
from tests import samples
from tests.samples import RawEntry

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


def write(tmp_path: Path, data: bytes, name: str = "lampiran.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(tmp_path: Path, data: bytes, **kwargs: int) -> UnsupportedDocument:
    with pytest.raises(UnsupportedDocument) as caught:
        detect_media_type(write(tmp_path, data), **kwargs)
    return caught.value


def refused(
    tmp_path: Path,
    data: bytes,
    code: str,
    message: str | None = None,
    message_id: str | None = None,
    **kwargs: int,
) -> UnsupportedDocument:
    """The refusal of ``data``, checked for its code and, where given, its exact words."""
    err = refusal(tmp_path, data, **kwargs)
    assert err.code == err.reason_code == code
    if message is not None:
        assert err.message == message
    if message_id is not None:
        assert err.message_id == message_id
    return err


def accepted(tmp_path: Path, data: bytes, **kwargs: int) -> str:
    return detect_media_type(write(tmp_path, data), **kwargs)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def noise(size: int) -> bytes:
    """Incompressible, deterministic bytes."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


# --- allowed types ---------------------------------------------------------------------

# Every sample under a name that lies about it.
MISLEADING = [
    ("application/pdf", samples.pdf, "gambar.png"),
    ("image/png", samples.png, "tor.pdf"),
    ("image/jpeg", samples.jpeg, "draf.docx"),
    (DOCX, samples.docx, "tabel.xlsx"),
    (XLSX, samples.xlsx, "surat.odt"),
    (ODT, samples.odt, "surat.docx"),
    (ODS, samples.ods, "foto.jpg"),
]


@pytest.mark.parametrize(("media_type", "build", "name"), MISLEADING)
def test_each_allowed_type_is_known_by_its_content(tmp_path, media_type, build, name):
    assert detect_media_type(write(tmp_path, build(), name)) == media_type


@pytest.mark.parametrize("name", ["noextension", "x.exe", ".pdf", "a.b.c"])
def test_the_name_plays_no_part(tmp_path, name):
    assert detect_media_type(write(tmp_path, samples.docx(), name)) == DOCX


def test_every_allowed_type_has_a_sample_and_an_extension():
    assert set(samples.BY_MEDIA_TYPE) == ALLOWED_MEDIA_TYPES == set(EXTENSIONS)
    assert all(re.fullmatch(r"\.[a-z]{3,4}", ext) for ext in EXTENSIONS.values())


@pytest.mark.parametrize("media_type", sorted(samples.BY_MEDIA_TYPE))
def test_samples_by_media_type(tmp_path, media_type):
    data = samples.BY_MEDIA_TYPE[media_type]()
    assert detect_media_type(write(tmp_path, data)) == media_type


def test_larger_and_varied_samples(tmp_path):
    assert detect_media_type(write(tmp_path, samples.png(64, 48))) == "image/png"
    assert detect_media_type(write(tmp_path, samples.jpeg(33, 17))) == "image/jpeg"
    rows = [["Kode", "Indikator", "Target"]] + [
        [f"IKU-{i}", f"Indikator {i}", i * 1.5] for i in range(200)
    ]
    assert detect_media_type(write(tmp_path, samples.xlsx(rows))) == XLSX
    assert detect_media_type(write(tmp_path, samples.pdf("a (b) \\ c\nbaris dua"))) == (
        "application/pdf"
    )


def test_a_docx_with_an_image_within_the_limits_is_accepted(tmp_path):
    members = unzip(samples.docx())
    members["word/media/image1.png"] = samples.png(50, 50)
    members["word/media/photo.bin"] = noise(3 * filetypes.MIB)  # incompressible: ratio ~1
    assert detect_media_type(write(tmp_path, samples.zip_of(members))) == DOCX


def test_a_zip_comment_is_fine(tmp_path):
    buffer = io.BytesIO(samples.docx())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"Dibuat oleh Biro Perencanaan"
    assert detect_media_type(write(tmp_path, buffer.getvalue())) == DOCX


def test_a_second_end_record_hidden_in_the_comment(tmp_path):
    # zipfile would read the fake (empty) archive, another program the real one.
    buffer = io.BytesIO(samples.docx())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"PK\x05\x06" + b"\x00" * 18
    assert refusal(tmp_path, buffer.getvalue()).code == "corrupt"


def test_bytes_hidden_between_the_parts_and_the_directory(tmp_path):
    data = samples.docx()
    end = bytearray(data[-22:])  # no comment: the end record is the last 22 bytes
    (directory,) = struct.unpack_from("<L", end, 16)
    struct.pack_into("<L", end, 16, directory + 100)
    hidden = data[:directory] + b"PK\x03\x04" + bytes(96) + data[directory:-22] + bytes(end)
    with zipfile.ZipFile(io.BytesIO(hidden)) as archive:
        assert archive.testzip() is None  # zipfile itself sees nothing wrong
    assert refusal(tmp_path, hidden).code == "corrupt"


def test_a_streamed_zip_with_data_descriptors_is_fine(tmp_path):
    out = samples.Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in unzip(samples.docx()).items():
            archive.writestr(name, data)
    data = bytes(out.data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())
    assert detect_media_type(write(tmp_path, data)) == DOCX


def test_trailing_bytes_after_the_zip(tmp_path):
    assert refusal(tmp_path, samples.docx() + b"MZ trailing").code == "corrupt"


# --- refused ---------------------------------------------------------------------------


def test_an_empty_file(tmp_path):
    assert refusal(tmp_path, b"").code == "empty"


def test_a_disguised_executable(tmp_path):
    err = refusal(tmp_path, samples.disguised_exe())
    assert err.code == "unsupported_type"
    assert "program" in err.message
    assert err.message_id and err.message_id != err.message


@pytest.mark.parametrize(
    "data",
    [
        b"Ini hanya teks biasa, bukan dokumen.\n",
        b"<html><body>tor</body></html>",
        b"#!/bin/sh\nrm -rf /\n",
        b"\x7fELF\x02\x01\x01" + bytes(64),
        b"GIF89a" + bytes(20),
        b"\x1f\x8b\x08\x00" + bytes(20),  # gzip
    ],
)
def test_other_files_are_unsupported(tmp_path, data):
    assert refusal(tmp_path, data).code == "unsupported_type"


def test_a_zip_bomb(tmp_path):
    bomb = samples.zip_bomb()
    assert len(bomb) < 400 * 1024
    err = refusal(tmp_path, bomb)
    assert err.code == "zip_bomb"
    assert "zip bomb" in err.message


def test_the_bomb_sample_really_inflates():
    with zipfile.ZipFile(io.BytesIO(samples.zip_bomb(2))) as archive:
        assert archive.testzip() is None
        assert archive.read("word/media/image1.png") == bytes(2 * 1024 * 1024)


def test_a_small_bomb_is_caught_by_its_ratio(tmp_path):
    # 8 MiB declared is far under the total limit; 1000:1 is not.
    assert refusal(tmp_path, samples.zip_bomb(8)).code == "zip_bomb"


def test_a_high_ratio_under_one_mib_is_fine(tmp_path):
    members = unzip(samples.docx())
    members["word/blank.xml"] = b"<a/>" + b" " * (900 * 1024)
    assert detect_media_type(write(tmp_path, samples.zip_of(members))) == DOCX


def test_the_total_declared_size_is_bounded(tmp_path):
    members = unzip(samples.docx())
    members["word/media/photo.bin"] = noise(2 * filetypes.MIB)
    data = samples.zip_of(members)
    assert detect_media_type(write(tmp_path, data)) == DOCX
    assert refusal(tmp_path, data, max_unpacked_bytes=filetypes.MIB).code == "zip_bomb"


def test_too_many_entries(tmp_path):
    members: dict[str, bytes | str] = dict(unzip(samples.docx()))
    members.update({f"word/media/p{i}.txt": b"x" for i in range(filetypes.MAX_ZIP_ENTRIES)})
    assert refusal(tmp_path, samples.zip_of(members)).code == "zip_bomb"


def test_a_declared_entry_count_over_the_limit_is_refused_before_parsing(tmp_path):
    # The end record claims 5,000 entries; zipfile alone would parse the real three.
    data = bytearray(samples.docx())
    struct.pack_into("<HH", data, len(data) - 22 + 8, 5000, 5000)
    assert refusal(tmp_path, bytes(data)).code == "zip_bomb"


def test_an_entry_that_inflates_past_what_it_declares(tmp_path):
    # It declares 1,000 bytes and the CRC of those bytes, but the stream holds 600 KiB:
    # a reader trusting the header is fine, one that inflates the stream is not.
    real = bytes(600 * 1024)
    liar = RawEntry(
        "word/media/image1.png",
        RawEntry.of("x", real).data,
        1000,
        zlib.crc32(real[:1000]),
        zipfile.ZIP_DEFLATED,
    )
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()] + [liar]
    err = refusal(tmp_path, samples.raw_zip(entries))
    assert err.code == "zip_bomb"
    assert "more than it declares" in err.message


def test_a_member_with_a_bad_crc_is_corrupt(tmp_path):
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()]
    last = entries[-1]
    entries[-1] = RawEntry(last.name, last.data, last.size, last.crc ^ 1, last.method)
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "corrupt"


def test_a_truncated_zip_is_corrupt(tmp_path):
    data = samples.docx()
    assert refusal(tmp_path, data[: len(data) // 2]).code == "corrupt"
    assert refusal(tmp_path, data[:-10]).code == "corrupt"


def test_duplicate_names_are_corrupt(tmp_path):
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()]
    entries.append(RawEntry.of("word/document.xml", "<w:document/>"))
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "corrupt"


def test_a_macro_enabled_docx(tmp_path):
    err = refusal(tmp_path, samples.docm())
    assert err.code == "macro_enabled"


def test_a_macro_enabled_workbook(tmp_path):
    members = unzip(samples.xlsx())
    types = members["[Content_Types].xml"].decode()
    members["[Content_Types].xml"] = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).encode()
    assert refusal(tmp_path, samples.zip_of(members)).code == "macro_enabled"


def test_a_docx_carrying_a_vba_project_is_refused_even_if_declared_plain(tmp_path):
    members = unzip(samples.docx())
    members["word/vbaProject.bin"] = unzip(samples.docm())["word/vbaProject.bin"]
    assert refusal(tmp_path, samples.zip_of(members)).code == "macro_enabled"


def test_an_odt_with_basic_macros(tmp_path):
    members = list(unzip(samples.odt()).items())
    members.append(("Basic/Standard/Module1.xml", b"<script:module/>"))
    entries = [RawEntry.of(n, d, stored=n == "mimetype") for n, d in members]
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "macro_enabled"


@pytest.mark.parametrize(
    "name", ["../evil", "word/../../evil", "/etc/passwd", "C:/x.xml", "..\\evil"]
)
def test_unsafe_member_names(tmp_path, name):
    members: dict[str, bytes | str] = dict(unzip(samples.docx()))
    members[name] = b"x"
    assert refusal(tmp_path, samples.zip_of(members)).code == "unsafe_path"


def test_a_password_protected_zip(tmp_path):
    data = samples.encrypted_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a real one: the password opens it
        assert b"Rahasia" in archive.read("word/document.xml", pwd=b"rahasia")
    assert refusal(tmp_path, data).code == "encrypted"


def test_a_password_protected_office_file(tmp_path):
    err = refusal(tmp_path, samples.encrypted_office())
    assert err.code == "encrypted"
    assert "password" in err.message and "sandi" in err.message_id


def test_an_encrypted_odt(tmp_path):
    members = unzip(samples.odt())
    members["META-INF/manifest.xml"] = members["META-INF/manifest.xml"].replace(
        b'manifest:media-type="text/xml"/>',
        b'manifest:media-type="text/xml"><manifest:encryption-data '
        b'manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry>',
    )
    entries = [RawEntry.of(n, d, stored=n == "mimetype") for n, d in members.items()]
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "encrypted"


def test_a_legacy_word_file(tmp_path):
    err = refusal(tmp_path, samples.legacy_doc())
    assert err.code == "unsupported_type"
    assert ".doc" in err.message


def test_a_plain_zip_is_not_a_document(tmp_path):
    data = samples.zip_of({"tor.pdf": samples.pdf()})
    assert refusal(tmp_path, data).code == "unsupported_type"


def test_an_empty_zip(tmp_path):
    assert refusal(tmp_path, samples.zip_of({})).code == "unsupported_type"


@pytest.mark.parametrize("name", ["word/embeddings/sheet.xlsx", "word/media/x.bin"])
def test_nested_archives(tmp_path, name):
    # A ZIP that is not an Office package, wherever it sits and whatever it is called.
    members = unzip(samples.docx())
    members[name] = samples.zip_of({"tor.pdf": samples.pdf()})
    assert refusal(tmp_path, samples.zip_of(members)).code == "nested_archive"


def test_nested_archive_by_name_alone(tmp_path):
    members = unzip(samples.docx())
    members["word/media/backup.7z"] = b"not really"
    assert refusal(tmp_path, samples.zip_of(members)).code == "nested_archive"


# --- embedded documents ----------------------------------------------------------------


def embedded_in(outer: bytes, name: str, data: bytes) -> bytes:
    members = unzip(outer)
    members[name] = data
    return samples.zip_of(members)


def presentation() -> bytes:
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main", b"presentationml.presentation.main"
    )
    return samples.zip_of(members)


def odf(members: dict[str, bytes]) -> bytes:
    return samples.raw_zip([RawEntry.of(n, d, stored=n == "mimetype") for n, d in members.items()])


def test_a_docx_with_a_chart_is_accepted(tmp_path):
    assert detect_media_type(write(tmp_path, samples.docx_with_chart())) == DOCX


def test_the_chart_sample_is_wired_like_word_does(tmp_path):
    members = unzip(samples.docx_with_chart())
    assert (
        b'Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument'
        b'.spreadsheetml.sheet"'
    ) in members["[Content_Types].xml"]
    assert b'Target="charts/chart1.xml"' in members["word/_rels/document.xml.rels"]
    assert b"/relationships/package" in members["word/charts/_rels/chart1.xml.rels"]
    assert (
        b'Target="../embeddings/Microsoft_Excel_Worksheet.xlsx"'
        in (members["word/charts/_rels/chart1.xml.rels"])
    )
    assert b'<c:externalData r:id="rId1">' in members["word/charts/chart1.xml"]
    workbook = write(tmp_path, members["word/embeddings/Microsoft_Excel_Worksheet.xlsx"])
    assert detect_media_type(workbook) == XLSX
    sheet = unzip(workbook.read_bytes())["xl/worksheets/sheet1.xml"]
    assert b"IKU 2" in sheet and b"80.0" in sheet


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("Microsoft_Word_Document.docx", samples.docx),
        ("Microsoft_PowerPoint_Presentation.pptx", presentation),
        ("Object.odt", lambda: odf(unzip(samples.odt()))),
    ],
)
def test_other_embedded_office_documents_are_accepted(tmp_path, name, build):
    # Embedded, any kind of Office package will do, a presentation too.
    data = samples.docx_with_chart(build(), name)
    assert detect_media_type(write(tmp_path, data)) == DOCX


def test_a_workbook_with_an_embedded_chart_workbook_is_accepted(tmp_path):
    data = embedded_in(
        samples.xlsx(), "xl/embeddings/Microsoft_Excel_Worksheet.xlsx", samples.xlsx()
    )
    assert detect_media_type(write(tmp_path, data)) == XLSX


@pytest.mark.parametrize("unpacked_mib", [256, 8])  # past the budget; past the ratio
def test_an_embedded_workbook_that_is_a_zip_bomb(tmp_path, unpacked_mib):
    data = samples.docx_with_chart(samples.zip_bomb(unpacked_mib))
    assert refusal(tmp_path, data).code == "zip_bomb"


def test_embedded_packages_share_the_document_budget(tmp_path):
    workbook = embedded_in(samples.xlsx(), "xl/media/image1.bin", noise(400 * 1024))
    data = samples.docx_with_chart(workbook)
    assert detect_media_type(write(tmp_path, data), max_unpacked_bytes=filetypes.MIB) == DOCX
    # Each alone fits in 1 MiB; the document and its workbook together do not.
    heavier = embedded_in(data, "word/media/image1.bin", noise(300 * 1024))
    assert detect_media_type(write(tmp_path, heavier)) == DOCX
    assert refusal(tmp_path, heavier, max_unpacked_bytes=filetypes.MIB).code == "zip_bomb"


def test_embedded_packages_share_the_entry_limit(tmp_path):
    per_workbook = filetypes.MAX_ZIP_ENTRIES - 10
    members: dict[str, bytes | str] = dict(unzip(samples.xlsx()))
    members.update({f"xl/media/p{i}.txt": b"x" for i in range(per_workbook - len(members))})
    workbook = samples.zip_of(members)
    one = embedded_in(samples.docx(), "word/embeddings/w0.xlsx", workbook)
    assert detect_media_type(write(tmp_path, one)) == DOCX
    many = dict(unzip(samples.docx()))
    count = filetypes.MAX_TOTAL_ENTRIES // per_workbook + 1
    many.update({f"word/embeddings/w{i}.xlsx": workbook for i in range(count)})
    err = refusal(tmp_path, samples.zip_of(many))
    assert err.code == "zip_bomb"
    assert str(filetypes.MAX_TOTAL_ENTRIES) in err.message


@pytest.mark.parametrize(
    "name", ["Microsoft_Excel_Macro-Enabled_Worksheet.xlsm", "Microsoft_Excel_Worksheet.xlsx"]
)
def test_an_embedded_macro_enabled_workbook(tmp_path, name):
    # By its name (.xlsm), or by its content under an innocent one.
    assert refusal(tmp_path, samples.docx_with_chart(samples.xlsm(), name)).code == (
        "macro_enabled"
    )


def test_an_embedded_workbook_declared_plain_but_carrying_a_vba_project(tmp_path):
    workbook = embedded_in(
        samples.xlsx(), "xl/vbaProject.bin", unzip(samples.xlsm())["xl/vbaProject.bin"]
    )
    assert refusal(tmp_path, samples.docx_with_chart(workbook)).code == "macro_enabled"


def test_an_embedded_workbook_declared_macro_enabled_by_the_document(tmp_path):
    members = unzip(samples.docx_with_chart())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"application/vnd.ms-excel.sheet.macroEnabled.12",
    )
    assert refusal(tmp_path, samples.zip_of(members)).code == "macro_enabled"


def test_an_embedded_odt_with_basic_macros(tmp_path):
    odt = odf({**unzip(samples.odt()), "Basic/Standard/Module1.xml": b"<script:module/>"})
    assert refusal(tmp_path, samples.docx_with_chart(odt, "Object.odt")).code == ("macro_enabled")


@pytest.mark.parametrize("name", ["Microsoft_Excel_Worksheet.xlsx", "oleObject1.bin"])
def test_an_embedded_plain_zip(tmp_path, name):
    plain = samples.zip_of({"tor.pdf": samples.pdf(), "catatan.txt": "Lampiran"})
    err = refusal(tmp_path, samples.docx_with_chart(plain, name))
    assert err.code == "nested_archive"
    assert name in err.message


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(b"Lampiran", mtime=0),
        b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24),
        b"Rar!\x1a\x07\x01\x00" + bytes(24),
        samples.zip_of({}),  # an empty ZIP: only its end record
    ],
)
def test_other_embedded_archives_by_content(tmp_path, data):
    data = samples.docx_with_chart(data)
    assert refusal(tmp_path, data).code == "nested_archive"


@pytest.mark.parametrize(
    ("inner", "code"),
    [
        (samples.encrypted_docx(), "encrypted"),
        (samples.zip_of({**unzip(samples.xlsx()), "../../evil.xml": "<x/>"}), "unsafe_path"),
        (
            samples.zip_of(
                {
                    **unzip(samples.xlsx()),
                    "[Content_Types].xml": b'<!DOCTYPE Types SYSTEM "http://example.invalid/t.dtd">'
                    + unzip(samples.xlsx())["[Content_Types].xml"][56:],
                }
            ),
            "corrupt",
        ),
        (samples.xlsx()[:-10], "corrupt"),
    ],
)
def test_embedded_packages_obey_the_same_rules(tmp_path, inner, code):
    assert refusal(tmp_path, samples.docx_with_chart(inner)).code == code


def test_two_levels_of_embedding_are_fine(tmp_path):
    # A document embedding a document with a chart: the workbook is two levels down.
    data = samples.docx_with_chart(samples.docx_with_chart(), "Microsoft_Word_Document.docx")
    assert detect_media_type(write(tmp_path, data)) == DOCX


def test_embedding_deeper_than_the_limit(tmp_path):
    assert filetypes.MAX_NESTING == 2
    inner = samples.docx_with_chart(samples.docx_with_chart(), "Microsoft_Word_Document.docx")
    data = samples.docx_with_chart(inner, "Microsoft_Word_Document.docx")
    err = refusal(tmp_path, data)
    assert err.code == "nested_archive"
    assert "Microsoft_Excel_Worksheet.xlsx" in err.message


def test_an_embedded_ole_object_is_accepted(tmp_path):
    data = embedded_in(samples.docx(), "word/embeddings/oleObject1.bin", samples.ole_object())
    assert detect_media_type(write(tmp_path, data)) == DOCX
    legacy = embedded_in(
        samples.docx(), "word/embeddings/Microsoft_Word_97-2003_Document.doc", samples.legacy_doc()
    )
    assert detect_media_type(write(tmp_path, legacy)) == DOCX


def test_an_embedded_ole_object_with_vba_macros(tmp_path):
    data = embedded_in(
        samples.docx(), "word/embeddings/oleObject1.bin", samples.ole_object(macros=True)
    )
    assert refusal(tmp_path, data).code == "macro_enabled"


def test_a_stream_name_across_two_chunks_is_still_found(tmp_path):
    # Stored, the object is read in chunks of exactly 256 KiB: the name straddles two.
    header = samples.ole_object()[:512]
    ole = (
        header
        + bytes(256 * 1024 - 7 - len(header))
        + "_VBA_PROJECT".encode("utf-16-le")
        + bytes(100)
    )
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()]
    entries.append(RawEntry.of("word/embeddings/oleObject1.bin", ole, stored=True))
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "macro_enabled"


def test_an_embedded_password_protected_document(tmp_path):
    data = embedded_in(samples.docx(), "word/embeddings/oleObject1.bin", samples.encrypted_office())
    assert refusal(tmp_path, data).code == "encrypted"


def test_a_dtd_in_content_types_is_refused(tmp_path):
    # The billion-laughs shape: nothing may expand an entity from an uploaded file.
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + members["[Content_Types].xml"][56:]
    )
    assert refusal(tmp_path, samples.zip_of(members)).code == "corrupt"


def test_any_dtd_is_refused(tmp_path):
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"<Types ", b'<!DOCTYPE Types SYSTEM "http://example.invalid/t.dtd"><Types ', 1
    )
    assert refusal(tmp_path, samples.zip_of(members)).code == "corrupt"


def test_a_presentation_is_not_accepted(tmp_path):
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main", b"presentationml.presentation.main"
    )
    assert refusal(tmp_path, samples.zip_of(members)).code == "unsupported_type"


def test_a_declared_main_part_that_is_missing(tmp_path):
    members = unzip(samples.docx())
    del members["word/document.xml"]
    assert refusal(tmp_path, samples.zip_of(members)).code == "corrupt"


def test_broken_content_types_xml(tmp_path):
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = b"<Types><Default"
    assert refusal(tmp_path, samples.zip_of(members)).code == "corrupt"


def test_odf_mimetype_must_be_stored(tmp_path):
    # zip_of deflates every member, "mimetype" included.
    assert refusal(tmp_path, samples.zip_of(unzip(samples.odt()))).code == "corrupt"


def test_odf_of_another_kind(tmp_path):
    members = unzip(samples.odt())
    members["mimetype"] = b"application/vnd.oasis.opendocument.presentation"
    entries = [RawEntry.of(n, d, stored=n == "mimetype") for n, d in members.items()]
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "unsupported_type"


def test_odf_without_manifest(tmp_path):
    members = unzip(samples.ods())
    del members["META-INF/manifest.xml"]
    entries = [RawEntry.of(n, d, stored=n == "mimetype") for n, d in members.items()]
    assert refusal(tmp_path, samples.raw_zip(entries)).code == "corrupt"


def test_damaged_images_and_pdf(tmp_path):
    bad_png = bytearray(samples.png())
    bad_png[20] ^= 0xFF  # inside IHDR: its CRC no longer matches
    assert refusal(tmp_path, bytes(bad_png)).code == "corrupt"
    assert refusal(tmp_path, b"\xff\xd8\xff\x00\x00").code == "corrupt"
    assert refusal(tmp_path, b"%PDF-x.y\n").code == "corrupt"


def test_unsupported_document_is_a_value_error_with_both_languages():
    err = UnsupportedDocument("zip_bomb", "too big")
    assert isinstance(err, ValueError)
    assert str(err) == err.message == "too big"
    assert err.code == err.reason_code == "zip_bomb"
    assert "keamanan" in err.message_id


# --- the samples themselves are real files ---------------------------------------------


def test_pdf_sample_cross_references_are_exact():
    data = samples.pdf("Halo (dunia)")
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
    assert data[start:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n", data[start:])
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)
    length = int(re.search(rb"/Length (\d+)", data).group(1))
    stream = data[data.index(b"stream\n") + 7 : data.index(b"\nendstream")]
    assert len(stream) == length
    assert b"(Halo \\(dunia\\)) Tj" in stream


def test_png_sample_chunks_and_pixels():
    data = samples.png(3, 2)
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">L", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">L", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert len(zlib.decompress(chunks[1][1])) == 2 * (1 + 3 * 3)


def test_jpeg_sample_segments_run_from_soi_to_eoi():
    data = samples.jpeg(16, 8)
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    pos, markers = 2, []
    while data[pos + 1] != 0xDA:
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        markers.append(data[pos + 1])
        pos += 2 + length
    assert markers == [0xE0, 0xDB, 0xC0, 0xC4, 0xC4]
    assert data[6:11] == b"JFIF\x00"


@pytest.mark.parametrize(
    "build",
    [
        samples.docx,
        samples.xlsx,
        samples.odt,
        samples.ods,
        samples.docm,
        samples.xlsm,
        samples.docx_with_chart,
    ],
)
def test_office_samples_are_sound_zips_of_well_formed_xml(build):
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(build())) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))


@pytest.mark.parametrize(
    "build",
    [
        *samples.BY_MEDIA_TYPE.values(),
        samples.docm,
        samples.xlsm,
        samples.docx_with_chart,
        samples.ole_object,
        samples.encrypted_docx,
        samples.disguised_exe,
    ],
)
def test_samples_are_deterministic(build):
    assert build() == build()
