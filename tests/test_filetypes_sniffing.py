"""The first bytes of an upload: how each format is recognised, and what a refusal says.

Each test builds one image, program, compound file or ZIP whose first bytes sit on an
edge of a sniffer in ``common.filetypes`` (a marker one off, a header one byte short, a
stream name one byte past the scanned window) and checks the exact answer: the media type
of an accepted file, or the code and the words a person reads.
"""

from __future__ import annotations

import bz2
import gzip
import io
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from common import filetypes
from common.filetypes import UnsupportedDocument
from tests import samples
from tests.samples import RawEntry
from tests.test_filetypes import DOCX, accepted, noise, refusal, refused, unzip
from tests.test_filetypes_structure import AMBIGUOUS

PNG = "image/png"
JPEG = "image/jpeg"
DAMAGED_PNG = "The file looks like a PNG image but is damaged."
DAMAGED_JPEG = "The file looks like a JPEG image but is damaged."
# What common.image_content says once the sniffer has let the file through.
DAMAGED_IMAGE = (
    "The image is damaged or incomplete and cannot be shown. Save it again and upload that."
)
CORRUPT_ID = "Berkas rusak atau tidak lengkap sehingga tidak dapat dibaca."
UNSUPPORTED_ID = (
    "Jenis berkas ini tidak diterima. Unggah PDF, Word (.docx), Excel (.xlsx), "
    "OpenDocument (.odt/.ods), PNG, atau JPEG."
)
PROGRAM = "The file is a program or script, not a document, and is not accepted."
PROGRAM_ID = "Berkas ini adalah program atau skrip, bukan dokumen, sehingga tidak diterima."
LEGACY_OFFICE = (
    "Old Word/Excel 97-2003 files (.doc/.xls) are not accepted. Save the document as "
    ".docx/.xlsx or PDF."
)
LEGACY_OFFICE_ID = (
    "Format lama Word/Excel 97-2003 (.doc/.xls) tidak diterima. Simpan sebagai "
    ".docx/.xlsx atau PDF."
)
PASSWORD = "The document is protected by a password. Remove the password and upload it again."
PASSWORD_ID = (
    "Berkas ini dilindungi kata sandi (terenkripsi). Hapus kata sandinya, lalu unggah kembali."
)
NESTED = (
    "The file contains another archive ({!r}): a ZIP or similar file, or documents "
    "embedded more than 2 levels deep. Save it without embedded files, or as PDF."
)
MIB = filetypes.MIB


# --- JPEG ------------------------------------------------------------------------------


def jpeg_segment(marker: int, body: bytes, *, length: int | None = None) -> bytes:
    """One marker segment; ``length`` overrides the declared length."""
    declared = len(body) + 2 if length is None else length
    return struct.pack(">BBH", 0xFF, marker, declared) + body


def jpeg_opening_with(marker: int, body: bytes = b"") -> bytes:
    """The sample JPEG with one more segment right after its start-of-image marker."""
    return b"\xff\xd8" + jpeg_segment(marker, body) + samples.jpeg()[2:]


def jpeg_without_jfif() -> bytes:
    """The sample JPEG minus its APP0 (JFIF) header: a quantisation table comes first."""
    data = samples.jpeg()
    (length,) = struct.unpack(">H", data[4:6])
    return b"\xff\xd8" + data[4 + length :]


@pytest.mark.parametrize(
    ("marker", "body"),
    [
        (0xE1, b"Exif\x00\x00"),  # the second APPn: how cameras start
        (0xEF, b"x"),  # APP15, the last APPn
        (0xFE, b"Dibuat oleh pemindai"),  # a comment
        (0xFE, b""),  # an empty comment: a length of exactly 2
    ],
)
def test_a_jpeg_opening_with_any_allowed_segment_is_accepted(
    tmp_path: Path, marker: int, body: bytes
) -> None:
    assert accepted(tmp_path, jpeg_opening_with(marker, body)) == JPEG


def test_a_jpeg_opening_with_a_comment_over_32_kib_is_accepted(tmp_path: Path) -> None:
    # Segment lengths are unsigned: 40,002 is a long comment, not a negative length.
    data = jpeg_opening_with(0xFE, b"a" * 40_000)
    assert data[4:6] == struct.pack(">H", 40_002)
    assert accepted(tmp_path, data) == JPEG


def test_a_jpeg_opening_with_its_quantisation_table_is_accepted(tmp_path: Path) -> None:
    data = jpeg_without_jfif()
    assert data[3] == 0xDB
    assert accepted(tmp_path, data) == JPEG


@pytest.mark.parametrize(
    "marker",
    [
        0xDF,  # just below APP0 (EXP)
        0xF0,  # just past APP15 (JPG0)
        0xDA,  # start of scan with no tables before it
        0xDC,  # just past DQT (DNL)
        0xFD,  # just below COM
        0xC0,  # a frame header before any table
    ],
)
def test_a_jpeg_opening_with_any_other_segment_is_damaged(tmp_path: Path, marker: int) -> None:
    data = b"\xff\xd8" + jpeg_segment(marker, b"\x00" * 4) + samples.jpeg()[2:]
    refused(tmp_path, data, "corrupt", DAMAGED_JPEG, CORRUPT_ID)


@pytest.mark.parametrize("length", [0, 1])
def test_a_jpeg_whose_first_segment_is_shorter_than_its_length_field_is_damaged(
    tmp_path: Path, length: int
) -> None:
    data = b"\xff\xd8" + jpeg_segment(0xE0, b"", length=length) + samples.jpeg()[2:]
    refused(tmp_path, data, "corrupt", DAMAGED_JPEG)


def test_a_jpeg_cut_inside_its_first_length_field_is_damaged(tmp_path: Path) -> None:
    refused(tmp_path, samples.jpeg()[:5], "corrupt", DAMAGED_JPEG)


def test_a_jpeg_cut_right_after_its_first_length_field_is_left_to_the_decoder(
    tmp_path: Path,
) -> None:
    # Six bytes are enough for the sniffer; the image check finds the rest missing.
    refused(tmp_path, samples.jpeg()[:6], "corrupt", DAMAGED_IMAGE)


def test_a_jpeg_that_stops_before_its_end_marker_is_damaged(tmp_path: Path) -> None:
    refused(tmp_path, samples.jpeg()[:-2], "corrupt", DAMAGED_IMAGE)


# --- PNG -------------------------------------------------------------------------------


def png_with_header(width: int, height: int) -> bytes:
    """The sample PNG with another IHDR, its CRC correct."""
    header = struct.pack(">LLBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + samples.png_chunk(b"IHDR", header) + samples.png()[33:]


@pytest.mark.parametrize(("width", "height"), [(0, 2), (2, 0), (0, 0)])
def test_a_png_with_no_pixels_is_damaged(tmp_path: Path, width: int, height: int) -> None:
    refused(tmp_path, png_with_header(width, height), "corrupt", DAMAGED_PNG, CORRUPT_ID)


def test_a_png_header_with_a_bad_crc_is_damaged(tmp_path: Path) -> None:
    data = bytearray(samples.png())
    data[32] ^= 0x01  # the last byte of the IHDR CRC
    refused(tmp_path, bytes(data), "corrupt", DAMAGED_PNG)


def test_a_png_whose_first_chunk_is_not_its_header_is_damaged(tmp_path: Path) -> None:
    text = samples.png_chunk(b"tEXt", b"Comment\x00abcde")  # 13 bytes, like an IHDR
    refused(tmp_path, b"\x89PNG\r\n\x1a\n" + text + samples.png()[8:], "corrupt", DAMAGED_PNG)


def test_a_png_header_of_the_wrong_length_is_damaged(tmp_path: Path) -> None:
    header = struct.pack(">LLBBBBBB", 2, 2, 8, 2, 0, 0, 0, 0)  # 14 bytes
    data = b"\x89PNG\r\n\x1a\n" + samples.png_chunk(b"IHDR", header) + samples.png()[33:]
    refused(tmp_path, data, "corrupt", DAMAGED_PNG)


@pytest.mark.parametrize("cut", [9, 20, 32])
def test_a_png_cut_inside_its_header_is_damaged(tmp_path: Path, cut: int) -> None:
    refused(tmp_path, samples.png()[:cut], "corrupt", DAMAGED_PNG)


def test_a_png_that_is_only_its_header_is_left_to_the_decoder(tmp_path: Path) -> None:
    # Signature and IHDR (33 bytes) satisfy the sniffer; the image check wants the rest.
    refused(tmp_path, samples.png()[:33], "corrupt", DAMAGED_IMAGE)


def test_a_one_pixel_png_is_accepted(tmp_path: Path) -> None:
    # The smallest size the header check lets through.
    assert accepted(tmp_path, samples.png(1, 1)) == PNG


# --- programs and scripts --------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        samples.disguised_exe(),  # Windows (MZ)
        b"\x7fELF\x02\x01\x01\x00" + bytes(56),  # Linux
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + bytes(40),  # macOS universal binary
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(40),  # macOS 64-bit
        b"\xce\xfa\xed\xfe\x07\x00\x00\x00" + bytes(40),  # macOS 32-bit
        b"#!/usr/bin/env python3\nimport os\n",  # a script
    ],
    ids=["windows", "linux", "macos-universal", "macos-64", "macos-32", "script"],
)
def test_a_program_renamed_to_pdf_is_refused_as_a_program(tmp_path: Path, data: bytes) -> None:
    refused(tmp_path, data, "unsupported_type", PROGRAM, PROGRAM_ID)


def test_text_that_merely_mentions_a_program_is_not_called_one(tmp_path: Path) -> None:
    refused(
        tmp_path,
        b"Lampiran: MZ ELF #! bukan program\n",
        "unsupported_type",
        "This kind of file is not accepted. Upload a PDF, Word (.docx), Excel (.xlsx), "
        "OpenDocument (.odt/.ods), PNG or JPEG file.",
        UNSUPPORTED_ID,
    )


# --- legacy Office compound files ------------------------------------------------------


def test_a_legacy_word_file_says_how_to_save_it(tmp_path: Path) -> None:
    refused(tmp_path, samples.legacy_doc(), "unsupported_type", LEGACY_OFFICE, LEGACY_OFFICE_ID)


def test_a_password_protected_office_file_says_so_in_both_languages(tmp_path: Path) -> None:
    refused(tmp_path, samples.encrypted_office(), "encrypted", PASSWORD, PASSWORD_ID)


def compound_file_naming_at(offset: int) -> bytes:
    """A compound file whose "EncryptedPackage" stream name starts ``offset`` bytes in."""
    head = samples.legacy_doc()
    name = "EncryptedPackage".encode("utf-16-le")
    return head + bytes(offset - len(head)) + name + bytes(512)


def test_a_stream_name_ending_where_the_scan_ends_is_found(tmp_path: Path) -> None:
    name_size = len("EncryptedPackage".encode("utf-16-le"))
    data = compound_file_naming_at(4 * MIB - name_size)
    refused(tmp_path, data, "encrypted", PASSWORD)


def test_a_stream_name_past_the_scanned_window_only_costs_the_explanation(
    tmp_path: Path,
) -> None:
    # One byte past the first 4 MiB: still refused, as an old Office file.
    name_size = len("EncryptedPackage".encode("utf-16-le"))
    data = compound_file_naming_at(4 * MIB - name_size + 1)
    refused(tmp_path, data, "unsupported_type", LEGACY_OFFICE)


def test_a_stream_name_in_big_endian_is_not_an_encrypted_package(tmp_path: Path) -> None:
    data = samples.legacy_doc() + "EncryptedPackage".encode("utf-16-be")
    refused(tmp_path, data, "unsupported_type", LEGACY_OFFICE)


# --- ZIP -------------------------------------------------------------------------------


def test_an_empty_zip_says_it_is_empty(tmp_path: Path) -> None:
    refused(
        tmp_path,
        samples.zip_of({}),
        "unsupported_type",
        "The file is an empty ZIP archive.",
        UNSUPPORTED_ID,
    )


def test_the_default_budget_is_two_hundred_mib(tmp_path: Path) -> None:
    # The part declares one byte more than 200 MiB, from enough bytes to pass the ratio
    # check: refused from the directory alone, before anything is inflated.
    declared = 200 * MIB + 1
    stored = noise(declared // filetypes.MAX_RATIO + 1024)
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()]
    entries.append(RawEntry("word/media/video.bin", stored, declared, 0, zipfile.ZIP_DEFLATED))
    refused(
        tmp_path,
        samples.raw_zip(entries),
        "zip_bomb",
        "The file is refused for safety: it unpacks to more than 209715200 bytes (a 'zip bomb').",
    )


def docx_with(name: str, data: bytes) -> bytes:
    return samples.zip_of({**unzip(samples.docx()), name: data})


def tar_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        tar_of("tor.pdf", samples.pdf()),
        bz2.compress(b"Lampiran rapat"),
    ],
    ids=["tar", "bzip2"],
)
def test_a_tar_or_bzip2_archive_under_an_innocent_name_is_found(
    tmp_path: Path, data: bytes
) -> None:
    name = "word/media/image1.bin"
    refused(tmp_path, docx_with(name, data), "nested_archive", NESTED.format(name))


def test_an_archive_named_in_capitals_is_found(tmp_path: Path) -> None:
    name = "word/media/CADANGAN.ZIP"
    refused(tmp_path, docx_with(name, b"bukan zip"), "nested_archive", NESTED.format(name))


def test_bytes_that_only_resemble_a_tar_header_are_fine(tmp_path: Path) -> None:
    # "ustar" one byte off where a tar header keeps it is just data.
    data = bytes(258) + b"ustar" + bytes(100)
    assert accepted(tmp_path, docx_with("word/media/image1.bin", data)) == DOCX


def test_a_docx_with_folder_entries_is_accepted(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in unzip(samples.docx()).items():
            archive.writestr(name, data)
        archive.mkdir("word/media")
    assert any(n.endswith("/") for n in unzip(buffer.getvalue()))
    assert accepted(tmp_path, buffer.getvalue()) == DOCX


@pytest.mark.parametrize(
    "hidden", [gzip.compress(b"Lampiran rahasia", mtime=0), b"teks biasa"], ids=["gzip", "text"]
)
def test_bytes_hidden_in_a_folder_entry_are_refused(tmp_path: Path, hidden: bytes) -> None:
    # The checks skip folders; zipfile.read() returns a folder's bytes all the same.
    data = samples.zip_of({**unzip(samples.docx()), "word/media/": hidden})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("word/media/").is_dir()
        assert archive.read("word/media/") == hidden
    refused(tmp_path, data, "corrupt", AMBIGUOUS)


def padded(build: bytes, folder: str, total: int) -> dict[str, bytes | str]:
    """The members of ``build`` plus tiny parts under ``folder``, ``total`` in all."""
    members: dict[str, bytes | str] = dict(unzip(build))
    members.update({f"{folder}/p{i}.txt": b"x" for i in range(total - len(members))})
    return members


def test_exactly_the_most_entries_allowed_across_embedded_packages_is_fine(
    tmp_path: Path,
) -> None:
    # Five workbooks of 1,990 parts in a document of 50: 10,000 parts in all, the limit.
    workbook = samples.zip_of(padded(samples.xlsx(), "xl/media", 1990))
    outer = dict(unzip(samples.docx()))
    outer.update({f"word/embeddings/w{i}.xlsx": workbook for i in range(5)})
    outer = padded(samples.zip_of(outer), "word/media", 50)
    assert filetypes.MAX_TOTAL_ENTRIES == 50 + 5 * 1990
    assert accepted(tmp_path, samples.zip_of(outer)) == DOCX


def test_a_dtd_is_refused_in_words_a_person_reads(tmp_path: Path) -> None:
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"<Types ", b'<!DOCTYPE Types SYSTEM "http://example.invalid/t.dtd"><Types ', 1
    )
    refused(
        tmp_path,
        samples.zip_of(members),
        "corrupt",
        "The file looks like an office document but carries a forbidden XML declaration.",
        CORRUPT_ID,
    )


def test_a_vba_project_is_named_in_the_refusal(tmp_path: Path) -> None:
    name = "word/vbaProject.bin"
    refused(
        tmp_path,
        docx_with(name, unzip(samples.docm())[name]),
        "macro_enabled",
        f"The document contains macros ({name!r}) and is not accepted. Save it without "
        "macros (as .docx/.xlsx), or as PDF.",
        "Berkas berisi makro dan tidak diterima. Simpan sebagai .docx/.xlsx tanpa makro, "
        "atau sebagai PDF.",
    )


def test_a_vba_project_two_folders_down_is_found_by_its_name(tmp_path: Path) -> None:
    # Only the last part of the name counts, however deep the folder.
    name = "word/sub/vbaProject.bin"
    err = refused(
        tmp_path,
        docx_with(name, bytes(64)),
        "macro_enabled",
        f"The document contains macros ({name!r}) and is not accepted. Save it without "
        "macros (as .docx/.xlsx), or as PDF.",
    )
    assert "makro" in (err.message_id or "")


@pytest.mark.parametrize(
    "name", ["c:/windows/win.ini", "word/media/image1.png\x00.exe"], ids=["drive", "nul"]
)
def test_a_part_named_for_a_drive_or_cut_by_a_nul_is_unsafe(tmp_path: Path, name: str) -> None:
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()]
    entries.append(RawEntry.of(name, b"x"))
    err = refusal(tmp_path, samples.raw_zip(entries))
    assert err.code == "unsafe_path"
    assert f"({name!r})" in err.message


def test_a_part_of_exactly_one_mib_may_compress_as_well_as_it_likes(tmp_path: Path) -> None:
    # The ratio limit applies only above 1 MiB: a blank page of zeros is fine.
    data = docx_with("word/media/blank.bin", bytes(MIB))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/media/blank.bin")
    assert info.file_size > filetypes.MAX_RATIO * info.compress_size
    assert accepted(tmp_path, data) == DOCX


def deflated_exactly(content: bytes, compressed_size: int) -> bytes:
    """``content`` as a raw deflate stream of exactly ``compressed_size`` bytes: empty
    stored blocks (five bytes each) pad the front."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = packer.compress(content) + packer.flush()
    padding, rest = divmod(compressed_size - len(stream), 5)
    assert padding >= 0 and rest == 0, "choose another size"
    return b"\x00\x00\x00\xff\xff" * padding + stream


def test_a_part_of_exactly_the_largest_ratio_allowed_is_fine(tmp_path: Path) -> None:
    # 1,200,000 bytes from 12,000: 100 to 1, the limit, and over the 1 MiB floor.
    content = bytes(1_200_000)
    stream = deflated_exactly(content, len(content) // filetypes.MAX_RATIO)
    assert zlib.decompress(stream, -zlib.MAX_WBITS) == content
    entries = [RawEntry.of(n, d) for n, d in unzip(samples.docx()).items()]
    entries.append(
        RawEntry(
            "word/media/blank.bin", stream, len(content), zlib.crc32(content), zipfile.ZIP_DEFLATED
        )
    )
    assert accepted(tmp_path, samples.raw_zip(entries)) == DOCX


# --- PDF -------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [b"%PDF-x.y\n", b"%PDF-3.0\n", b"%PDF-1\n"])
def test_a_pdf_with_an_unknown_version_is_damaged(tmp_path: Path, header: bytes) -> None:
    refused(
        tmp_path,
        header + samples.pdf()[9:],
        "corrupt",
        "The file looks like a PDF but is damaged.",
        CORRUPT_ID,
    )


# --- refusals themselves ---------------------------------------------------------------


def test_a_refusal_with_a_code_of_its_own_falls_back_to_the_generic_indonesian() -> None:
    err = UnsupportedDocument("virus", "The file carries a virus.")
    assert err.message_id == UNSUPPORTED_ID
    assert (err.code, err.reason_code, str(err)) == ("virus", "virus", "The file carries a virus.")


# --- an empty file ---------------------------------------------------------------------


def test_an_empty_upload_says_it_is_empty(tmp_path: Path) -> None:
    refused(tmp_path, b"", "empty", "The file is empty.", "Berkas kosong.")
