"""The structure of ZIP-based uploads: end records, directories, local headers, parts.

Each test builds one malformed (or unusual but sound) ZIP by hand and checks exactly how
``detect_media_type`` answers: ZIP64 end records and their locator, split archives, extra
end records hidden in the comment, directory limits, local headers that disagree with the
directory, gaps and data descriptors, XML parts over their cap, and the ODF and OOXML
classification that follows.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from common import filetypes
from tests import samples
from tests.test_filetypes import (
    DOCX,
    ODS,
    ODT,
    XLSX,
    accepted,
    refusal,
    refused,
    unzip,
    write,
)

DAMAGED_ZIP = "The file looks like a ZIP-based document but is damaged."
DAMAGED_OFFICE = "The file looks like an office document but is damaged."
DAMAGED_ODF = "The file looks like an OpenDocument file but is damaged."
AMBIGUOUS = (
    "The file is not a well-formed ZIP package: it holds data outside its parts, or "
    "two different tables of contents."
)
SPLIT = "The file is one part of a split ZIP archive, not a document."
ENCRYPTED_ZIP = (
    "The file is protected by a password (encrypted). Remove the password and upload it again."
)
EOCD = struct.Struct("<4s4H2LH")
END = b"PK\x05\x06"
DIRECTORY_START = -1  # a Part.central_offset meaning "where the directory begins"
DEFLATED = zipfile.ZIP_DEFLATED
STORED = zipfile.ZIP_STORED


# --- building ZIPs field by field ------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One entry; the ``local_*`` fields make the local header disagree with the directory."""

    name: bytes
    data: bytes  # as stored
    size: int
    crc: int
    method: int = DEFLATED
    flags: int = 0
    comment: bytes = b""  # the directory entry's comment
    after: bytes = b""  # written after the data: a data descriptor, or a gap
    local_sig: bytes = b"PK\x03\x04"
    local_name: bytes | None = None
    local_method: int | None = None
    local_flags: int | None = None
    local_extra: bytes = b""
    write_local: bool = True
    central_size: int | None = None  # compressed size as the directory declares it
    central_offset: int | None = None


def part(name: str | bytes, data: bytes | str, *, stored: bool = False, flags: int = 0) -> Part:
    """An honest entry, deflated unless ``stored``."""
    raw = data.encode() if isinstance(data, str) else data
    encoded = name.encode() if isinstance(name, str) else name
    if stored:
        return Part(encoded, raw, len(raw), zlib.crc32(raw), STORED, flags)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = packer.compress(raw) + packer.flush()
    return Part(encoded, packed, len(raw), zlib.crc32(raw), DEFLATED, flags)


def local_header(p: Part) -> bytes:
    name = p.name if p.local_name is None else p.local_name
    method = p.method if p.local_method is None else p.local_method
    flags = p.flags if p.local_flags is None else p.local_flags
    fields = (20, flags, method, 0, 0x5C25, p.crc, len(p.data), p.size, len(name))
    return struct.pack("<4s5H3L2H", p.local_sig, *fields, len(p.local_extra)) + name


def build(parts: list[Part]) -> bytes:
    """Parts, then their directory, then an end record without a comment."""
    out = bytearray()
    offsets = []
    for p in parts:
        offsets.append(len(out))
        if p.write_local:
            out += local_header(p) + p.local_extra + p.data + p.after
    start = len(out)
    directory = bytearray()
    for p, offset in zip(parts, offsets, strict=True):
        if p.central_offset is not None:
            offset = start if p.central_offset == DIRECTORY_START else p.central_offset
        size = len(p.data) if p.central_size is None else p.central_size
        fields = (p.flags, p.method, 0, 0x5C25, p.crc, size, p.size, len(p.name))
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, len(p.comment), 0, 0, 0, offset
        )
        directory += p.name + p.comment
    end = EOCD.pack(END, 0, 0, len(parts), len(parts), len(directory), start, 0)
    return bytes(out + directory + end)


def parts_of(data: bytes, *, stored: tuple[str, ...] = ()) -> list[Part]:
    return [part(n, d, stored=n in stored) for n, d in unzip(data).items()]


def docx_parts() -> list[Part]:
    return parts_of(samples.docx())


def odf_parts(data: bytes) -> list[Part]:
    return parts_of(data, stored=("mimetype",))


def odf_with(data: bytes, **changes: bytes | None) -> bytes:
    """An ODF package with members replaced (``None`` drops one), "mimetype" first, stored."""
    members = unzip(data)
    for name, value in changes.items():
        key = {"manifest": "META-INF/manifest.xml", "content": "content.xml"}.get(name, name)
        if value is None:
            del members[key]
        else:
            members[key] = value
    return build([part(n, d, stored=n == "mimetype") for n, d in members.items()])


def end_record(data: bytes) -> tuple[int, ...]:
    """disk, directory disk, entries on disk, entries, directory size, directory offset."""
    return EOCD.unpack(data[-22:])[1:7]


def with_end_record(data: bytes, *fields: int, comment: bytes = b"") -> bytes:
    """``data`` (ending in a comment-less end record) with that record rewritten."""
    return data[:-22] + EOCD.pack(END, *fields, len(comment)) + comment


def with_comment(data: bytes, comment: bytes) -> bytes:
    return with_end_record(data, *end_record(data), comment=comment)


def with_fake_end_record(
    data: bytes, filler: bytes = b"", comment_size: int | None = None
) -> bytes:
    """A second end record at the very end of the comment, whose numbers add up.

    It claims the real directory runs on to where it stands, so every arithmetic check
    passes; only the first end record, still valid, shows the file has two.
    """
    _disk, _cd_disk, on_disk, entries, _size, offset = end_record(data)
    if comment_size is not None:
        filler = filler + bytes(comment_size - 22 - len(filler))
    fake_at = len(data) + len(filler)
    fake = EOCD.pack(END, 0, 0, on_disk, entries, fake_at - offset, offset, 0)
    return with_comment(data, filler + fake)


def as_zip64(data: bytes, *, counts: bool, offsets: bool, comment: bytes = b"") -> bytes:
    """``data`` with a ZIP64 end record and locator; the classic record defers to them for
    the counts (0xFFFF) and/or the directory's size and offset (0xFFFFFFFF)."""
    _disk, _cd_disk, on_disk, entries, size, offset = end_record(data)
    body = data[:-22]
    record64 = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, on_disk, entries, size, offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(body), 1)
    count = 0xFFFF if counts else entries
    where = 0xFFFFFFFF if offsets else offset
    classic = EOCD.pack(END, 0, 0, count, count, where if offsets else size, where, len(comment))
    return body + record64 + locator + classic + comment


# --- the end of central directory record -----------------------------------------------


def test_a_file_with_no_end_record_is_damaged(tmp_path: Path) -> None:
    refused(tmp_path, samples.docx()[:-22] + bytes(22), "corrupt", DAMAGED_ZIP)


def test_end_record_bytes_inside_a_part_do_not_hide_the_real_one(tmp_path: Path) -> None:
    # A stray signature earlier in the file is data: the last record is the real one.
    blob = b"lampiran " + END + bytes(18) + b" lampiran"
    data = build([*docx_parts(), part("word/media/blob.bin", blob, stored=True)])
    assert accepted(tmp_path, data) == DOCX


def test_the_longest_comment_a_zip_can_carry_is_fine(tmp_path: Path) -> None:
    # 65,535 bytes: the end record then opens the 64 KiB window the reader searches.
    data = with_comment(samples.docx(), b"c" * 0xFFFF)
    assert accepted(tmp_path, data) == DOCX


def test_a_second_end_record_that_adds_up_is_caught_as_ambiguous(tmp_path: Path) -> None:
    refused(tmp_path, with_fake_end_record(samples.docx()), "corrupt", AMBIGUOUS)


def test_a_second_end_record_behind_stray_signatures_is_caught(tmp_path: Path) -> None:
    # Stray signatures on both sides of the real record must not stop the search.
    stray = END + bytes(18)
    data = build([*docx_parts(), part("word/media/blob.bin", b"x" + stray, stored=True)])
    refused(tmp_path, with_fake_end_record(data, stray), "corrupt", AMBIGUOUS)


@pytest.mark.parametrize("filler", [b"", END + bytes(18)], ids=["plain", "stray"])
def test_a_second_end_record_when_the_first_opens_the_window(tmp_path: Path, filler: bytes) -> None:
    # The real record sits at the first byte the reader looks at.
    data = with_fake_end_record(samples.docx(), filler, comment_size=0xFFFF)
    refused(tmp_path, data, "corrupt", AMBIGUOUS)


@pytest.mark.parametrize(
    ("counts", "offsets"), [(True, False), (False, True), (True, True)], ids=str
)
def test_a_zip64_end_record_is_followed(tmp_path: Path, counts: bool, offsets: bool) -> None:
    data = as_zip64(samples.docx(), counts=counts, offsets=offsets)
    assert accepted(tmp_path, data) == DOCX


def test_a_zip64_locator_at_the_first_byte_of_the_window_is_followed(tmp_path: Path) -> None:
    comment = b"k" * (0xFFFF - 20)
    data = as_zip64(samples.docx(), counts=True, offsets=True, comment=comment)
    assert accepted(tmp_path, data) == DOCX


def test_a_zip64_end_record_whose_locator_is_missing_is_corrupt(tmp_path: Path) -> None:
    data = samples.docx()
    _disk, _cd_disk, _on_disk, _entries, size, offset = end_record(data)
    refused(
        tmp_path, with_end_record(data, 0, 0, 0xFFFF, 0xFFFF, size, offset), "corrupt", DAMAGED_ZIP
    )


def test_a_zip64_locator_without_its_signature_is_corrupt(tmp_path: Path) -> None:
    # zipfile ignores such a locator and reads on; the classic record's 0xFFFF is no count.
    data = bytearray(as_zip64(samples.docx(), counts=True, offsets=False))
    locator = len(data) - 22 - 20
    data[locator : locator + 4] = b"PK\x00\x00"
    refused(tmp_path, bytes(data), "corrupt", DAMAGED_ZIP)


def test_a_zip64_locator_pointing_at_something_else_is_corrupt(tmp_path: Path) -> None:
    data = bytearray(as_zip64(samples.docx(), counts=True, offsets=True))
    struct.pack_into("<Q", data, len(data) - 22 - 20 + 8, 0)  # at the first local header
    refused(tmp_path, bytes(data), "corrupt", DAMAGED_ZIP)


def test_a_zip64_locator_pointing_past_the_end_is_corrupt(tmp_path: Path) -> None:
    data = bytearray(as_zip64(samples.docx(), counts=True, offsets=True))
    struct.pack_into("<Q", data, len(data) - 22 - 20 + 8, len(data) - 10)
    refused(tmp_path, bytes(data), "corrupt", DAMAGED_ZIP)


@pytest.mark.parametrize(
    ("disk", "cd_disk", "missing"), [(1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1)], ids=str
)
def test_one_part_of_a_split_archive_is_not_a_document(
    tmp_path: Path, disk: int, cd_disk: int, missing: int
) -> None:
    data = samples.docx()
    _d, _c, on_disk, entries, size, offset = end_record(data)
    split = with_end_record(data, disk, cd_disk, on_disk - missing, entries, size, offset)
    refused(tmp_path, split, "corrupt", SPLIT)


def test_a_declared_entry_count_over_the_limit_is_named(tmp_path: Path) -> None:
    data = samples.docx()
    _d, _c, _on, _entries, size, offset = end_record(data)
    err = refusal(tmp_path, with_end_record(data, 0, 0, 5000, 5000, size, offset))
    assert err.code == "zip_bomb"
    assert "it holds 5000 parts (at most 2000 are allowed)" in err.message


def many_parts(total: int) -> bytes:
    members: dict[str, bytes | str] = dict(unzip(samples.docx()))
    members.update({f"word/media/p{i}.txt": b"x" for i in range(total - len(members))})
    return samples.zip_of(members)


def test_exactly_the_most_entries_allowed_is_fine(tmp_path: Path) -> None:
    assert accepted(tmp_path, many_parts(filetypes.MAX_ZIP_ENTRIES)) == DOCX


def test_a_directory_holding_more_entries_than_its_end_record_declares(tmp_path: Path) -> None:
    # zipfile reads the directory by its size, not its count: the count is checked again.
    data = many_parts(filetypes.MAX_ZIP_ENTRIES + 1)
    _d, _c, _on, _entries, size, offset = end_record(data)
    limit = filetypes.MAX_ZIP_ENTRIES
    err = refusal(tmp_path, with_end_record(data, 0, 0, limit, limit, size, offset))
    assert err.code == "zip_bomb"
    assert "it holds 2001 parts (at most 2000 are allowed)" in err.message


def padded_directory(size: int) -> bytes:
    """A DOCX whose directory is exactly ``size`` bytes, padded with entry comments."""
    parts = docx_parts()
    base = sum(46 + len(p.name) for p in parts)
    pads = []
    left = size - base
    index = 0
    while left:
        name = f"word/media/pad{index:02}.txt".encode()
        comment = min(left - 46 - len(name), 0xFFFF)
        pads.append(replace(part(name, b"x"), comment=b"c" * comment))
        left -= 46 + len(name) + comment
        index += 1
    data = build(parts + pads)
    assert end_record(data)[4] == size
    return data


def test_a_directory_of_exactly_the_largest_size_allowed_is_fine(tmp_path: Path) -> None:
    assert accepted(tmp_path, padded_directory(filetypes.MAX_CENTRAL_DIRECTORY)) == DOCX


def test_a_directory_one_byte_too_large_is_a_bomb(tmp_path: Path) -> None:
    err = refusal(tmp_path, padded_directory(filetypes.MAX_CENTRAL_DIRECTORY + 1))
    assert err.code == "zip_bomb"
    assert err.message == (
        "The file is refused for safety: its table of contents is unreasonably large "
        "(a 'zip bomb')."
    )


def test_a_directory_zipfile_cannot_parse_is_damaged(tmp_path: Path) -> None:
    data = bytearray(build(docx_parts()))
    start = end_record(bytes(data))[5]
    data[start : start + 4] = b"PK\x01\x09"
    refused(tmp_path, bytes(data), "corrupt", DAMAGED_ZIP)


# --- what the directory declares -------------------------------------------------------


def test_a_budget_of_exactly_the_declared_size_is_enough(tmp_path: Path) -> None:
    data = samples.docx()
    total = sum(len(v) for v in unzip(data).values())
    assert accepted(tmp_path, data, max_unpacked_bytes=total) == DOCX
    assert refusal(tmp_path, data, max_unpacked_bytes=total - 1).code == "zip_bomb"


def test_embedded_packages_count_each_entry_once(tmp_path: Path) -> None:
    # Over half the total entry limit, in three workbooks: each entry counts once.
    members: dict[str, bytes | str] = dict(unzip(samples.xlsx()))
    members.update({f"xl/media/p{i}.txt": b"x" for i in range(1800)})
    workbook = samples.zip_of(members)
    outer: dict[str, bytes | str] = dict(unzip(samples.docx()))
    outer.update({f"word/embeddings/w{i}.xlsx": workbook for i in range(3)})
    assert accepted(tmp_path, samples.zip_of(outer)) == DOCX


def test_an_unsafe_name_is_quoted_in_the_refusal(tmp_path: Path) -> None:
    err = refusal(tmp_path, build([*docx_parts(), part("../evil.xml", "<x/>")]))
    assert err.code == "unsafe_path"
    assert err.message == "The file contains a part with an unsafe name ('../evil.xml')."


def test_a_part_named_twice_is_quoted_in_the_refusal(tmp_path: Path) -> None:
    data = build([*docx_parts(), part("word/document.xml", "<w:document/>")])
    refused(tmp_path, data, "corrupt", "The file contains the part 'word/document.xml' twice.")


def test_a_password_protected_zip_says_so(tmp_path: Path) -> None:
    refused(tmp_path, samples.encrypted_docx(), "encrypted", ENCRYPTED_ZIP)


def test_strong_encryption_alone_is_encrypted(tmp_path: Path) -> None:
    parts = docx_parts()
    parts[-1] = replace(parts[-1], flags=0x40)
    refused(tmp_path, build(parts), "encrypted", ENCRYPTED_ZIP)


@pytest.mark.parametrize("method", [12, 14, 99])  # bzip2, LZMA, AES
def test_a_compression_method_office_does_not_use(tmp_path: Path, method: int) -> None:
    parts = docx_parts()
    parts[-1] = replace(parts[-1], method=method)
    refused(
        tmp_path,
        build(parts),
        "unsupported_type",
        "The file uses a compression method that office documents do not use.",
    )


def test_a_stored_part_whose_sizes_differ_is_damaged(tmp_path: Path) -> None:
    liar = part("word/media/a.bin", b"abcdef", stored=True)
    data = build([*docx_parts(), replace(liar, size=7)])
    refused(tmp_path, data, "corrupt", DAMAGED_ZIP)


def test_a_bomb_names_the_part_and_its_sizes(tmp_path: Path) -> None:
    data = samples.zip_bomb(8)
    compressed = zipfile.ZipFile(write(tmp_path, data)).getinfo("word/media/image1.png")
    err = refusal(tmp_path, data)
    assert err.code == "zip_bomb"
    assert (
        f"the part 'word/media/image1.png' unpacks from {compressed.compress_size} bytes to 8388608"
    ) in err.message


def test_an_archive_known_by_its_name_is_named(tmp_path: Path) -> None:
    err = refusal(tmp_path, build([*docx_parts(), part("word/media/backup.7z", b"not really")]))
    assert err.code == "nested_archive"
    assert "('word/media/backup.7z')" in err.message


def test_a_macro_part_is_named(tmp_path: Path) -> None:
    err = refusal(tmp_path, build([*docx_parts(), part("word/vbaProject.bin", b"\x00" * 64)]))
    assert err.code == "macro_enabled"
    assert "('word/vbaProject.bin')" in err.message


def test_a_part_whose_header_sits_where_the_directory_begins(tmp_path: Path) -> None:
    ghost = replace(part("word/media/a.bin", b"x"), write_local=False)
    data = build([*docx_parts(), replace(ghost, central_offset=DIRECTORY_START)])
    refused(tmp_path, data, "corrupt", AMBIGUOUS)


# --- local headers and data ------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"local_sig": b"PK\x03\x05"},
        {"local_name": b"word/other.xml"},
        {"local_method": STORED},
        {"local_flags": 0x01},
        {"local_flags": 0x40},
    ],
    ids=["signature", "name", "method", "encrypted", "strongly-encrypted"],
)
def test_a_local_header_disagreeing_with_the_directory_is_corrupt(
    tmp_path: Path, change: dict[str, object]
) -> None:
    parts = docx_parts()
    parts[-1] = replace(parts[-1], **change)  # type: ignore[arg-type]
    refused(tmp_path, build(parts), "corrupt", DAMAGED_ZIP)


def test_a_local_name_that_is_not_utf8_is_corrupt(tmp_path: Path) -> None:
    # Flagged UTF-8 in both headers, but only the directory's name decodes.
    odd = part("word/media/a.bin", b"x", flags=0x800)
    data = build([*docx_parts(), replace(odd, local_name=b"word/media/\xff.bin")])
    refused(tmp_path, data, "corrupt", DAMAGED_ZIP)


def test_a_utf8_part_name_is_accepted(tmp_path: Path) -> None:
    name = "word/media/gambar-Jawa-Barat-é.png".encode()
    assert accepted(tmp_path, build([*docx_parts(), part(name, b"x", flags=0x800)])) == DOCX


def test_a_cp437_part_name_is_accepted(tmp_path: Path) -> None:
    # Without the UTF-8 flag a name is CP437, as old Windows tools write it.
    name = b"word/media/caf\x82.bin"
    assert accepted(tmp_path, build([*docx_parts(), part(name, b"x")])) == DOCX


def test_a_local_extra_field_is_skipped(tmp_path: Path) -> None:
    parts = docx_parts()
    extra = struct.pack("<HH", 0xCAFE, 4) + b"abcd"
    parts = [replace(p, local_extra=extra) for p in parts]
    assert accepted(tmp_path, build(parts)) == DOCX


def test_a_part_running_past_the_end_of_the_file_is_damaged(tmp_path: Path) -> None:
    parts = docx_parts()
    parts[-1] = replace(parts[-1], central_size=10_000_000)
    refused(tmp_path, build(parts), "corrupt", DAMAGED_ZIP)


@pytest.mark.parametrize(
    ("flags", "gap", "fine"),
    [(0x08, 16, True), (0x08, 24, True), (0x08, 25, False), (0, 1, False), (0, 16, False)],
    ids=str,
)
def test_bytes_after_a_part_fit_only_a_data_descriptor(
    tmp_path: Path, flags: int, gap: int, fine: bool
) -> None:
    parts = docx_parts()
    first = parts[0]
    descriptor = (b"PK\x07\x08" + struct.pack("<LQQ", first.crc, len(first.data), first.size))[:gap]
    parts[0] = replace(first, flags=flags, after=descriptor.ljust(gap, b"\x00"))
    if fine:
        assert accepted(tmp_path, build(parts)) == DOCX
    else:
        refused(tmp_path, build(parts), "corrupt", AMBIGUOUS)


def test_parts_that_overlap_are_a_bomb(tmp_path: Path) -> None:
    # The second part's header and data lie inside the first part's data.
    inner = part("word/media/b.bin", b"bbbb", stored=True)
    lead = b"gambar "  # so the first part does not itself start like a ZIP
    outer = part("word/media/a.bin", lead + local_header(inner) + inner.data, stored=True)
    parts = docx_parts()
    inner_at = sum(30 + len(p.name) + len(p.data) for p in parts) + 30 + len(outer.name)
    ghost = replace(inner, write_local=False, central_offset=inner_at + len(lead))
    err = refusal(tmp_path, build([*parts, outer, ghost]))
    assert err.code == "zip_bomb"
    assert err.message == "The file is refused for safety: its parts overlap (a 'zip bomb')."


def content_types_of_size(size: int) -> bytes:
    types = unzip(samples.docx())["[Content_Types].xml"]
    return types + b" " * (size - len(types))  # whitespace after the root is well-formed


def test_content_types_of_exactly_the_largest_size_allowed_is_fine(tmp_path: Path) -> None:
    parts = docx_parts()
    parts[0] = part(
        "[Content_Types].xml", content_types_of_size(filetypes.MAX_XML_PART), stored=True
    )
    assert accepted(tmp_path, build(parts)) == DOCX


def test_content_types_one_byte_over_the_cap_is_refused(tmp_path: Path) -> None:
    parts = docx_parts()
    big = content_types_of_size(filetypes.MAX_XML_PART + 1)
    parts[0] = part("[Content_Types].xml", big, stored=True)
    refused(tmp_path, build(parts), "corrupt", DAMAGED_OFFICE)


def test_a_part_with_a_bad_crc_is_damaged(tmp_path: Path) -> None:
    parts = docx_parts()
    parts[-1] = replace(parts[-1], crc=parts[-1].crc ^ 1)
    refused(tmp_path, build(parts), "corrupt", DAMAGED_ZIP)


def test_an_archive_known_by_its_content_is_named(tmp_path: Path) -> None:
    gz = b"\x1f\x8b\x08\x00" + bytes(20)
    err = refusal(tmp_path, build([*docx_parts(), part("word/media/x.bin", gz)]))
    assert err.code == "nested_archive"
    assert "('word/media/x.bin')" in err.message


def test_an_archive_whose_signature_inflates_alone_is_still_found(tmp_path: Path) -> None:
    # The ZIP signature is inflated from the first 256 KiB read, the rest from the next
    # one: the start of the part is still what is looked at.
    inner = samples.zip_of({"tor.pdf": samples.pdf()})
    first = b"\x00" + struct.pack("<HH", 4, 0xFFFB) + inner[:4]  # a stored deflate block
    empty = b"\x00\x00\x00\xff\xff" * ((256 * 1024 - len(first)) // 5)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = first + empty + packer.compress(inner[4:]) + packer.flush()
    assert len(first + empty) == 256 * 1024
    data_part = Part(b"word/media/data.bin", stream, len(inner), zlib.crc32(inner))
    err = refusal(tmp_path, build([*docx_parts(), data_part]))
    assert err.code == "nested_archive"


# --- inflating --------------------------------------------------------------------------

CHUNK = 256 * 1024  # what the inspector reads at a time


def stored_block(data: bytes, *, final: bool = False) -> bytes:
    """A deflate block holding ``data`` as is (an empty one is 5 bytes)."""
    return bytes([int(final)]) + struct.pack("<HH", len(data), 0xFFFF ^ len(data)) + data


def raw_part(name: str, stream: bytes, content: bytes) -> Part:
    return Part(name.encode(), stream, len(content), zlib.crc32(content))


def test_a_stream_that_is_not_deflate_is_damaged(tmp_path: Path) -> None:
    garbage = raw_part("word/media/a.bin", b"\xff" * 16, b"x")
    refused(tmp_path, build([*docx_parts(), garbage]), "corrupt", DAMAGED_ZIP)


def test_a_stream_that_stops_short_is_damaged(tmp_path: Path) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    content = b"Capaian indikator kinerja"
    unfinished = packer.compress(content) + packer.flush(zlib.Z_SYNC_FLUSH)  # no final block
    data = build([*docx_parts(), raw_part("word/media/a.bin", unfinished, content)])
    refused(tmp_path, data, "corrupt", DAMAGED_ZIP)


def test_a_deflated_part_with_no_bytes_at_all_is_damaged(tmp_path: Path) -> None:
    refused(
        tmp_path, build([*docx_parts(), raw_part("word/a.bin", b"", b"")]), "corrupt", DAMAGED_ZIP
    )


def test_an_empty_deflated_part_is_fine(tmp_path: Path) -> None:
    assert accepted(tmp_path, build([*docx_parts(), part("word/media/empty.bin", b"")])) == DOCX


def test_bytes_after_the_end_of_the_stream_are_damaged(tmp_path: Path) -> None:
    honest = part("word/media/a.bin", b"Lampiran")
    junk = replace(honest, data=honest.data + b"junk")
    refused(tmp_path, build([*docx_parts(), junk]), "corrupt", DAMAGED_ZIP)


def test_bytes_after_a_stream_ending_on_a_read_boundary_are_damaged(tmp_path: Path) -> None:
    # The stream ends exactly where one read ends; the junk waits for the next read.
    head = stored_block(b"abcd")
    empties = stored_block(b"") * ((CHUNK - len(head) - 5) // 5)
    stream = head + empties + stored_block(b"", final=True)
    assert len(stream) == CHUNK
    data = build([*docx_parts(), raw_part("word/media/a.bin", stream + b"junk", b"abcd")])
    refused(tmp_path, data, "corrupt", DAMAGED_ZIP)


def test_a_stream_with_reads_that_inflate_to_nothing_is_fine(tmp_path: Path) -> None:
    # The second read holds only empty blocks, the last only the final (empty) block:
    # neither yields a byte, and neither is the stream stopping short.
    first, second = stored_block(b"abcd"), stored_block(b"efg")
    filler = (3 * CHUNK - len(first) - len(second)) // 5 - 105_000
    stream = (
        first
        + stored_block(b"") * 105_000
        + second
        + stored_block(b"") * filler
        + stored_block(b"", final=True)
    )
    assert len(stream) == 3 * CHUNK + 5
    assert len(first) + 5 * 105_000 > 2 * CHUNK
    data = build([*docx_parts(), raw_part("word/media/sparse.bin", stream, b"abcdefg")])
    assert accepted(tmp_path, data) == DOCX


def test_an_embedded_ole_object_with_macros_is_named(tmp_path: Path) -> None:
    ole = part("word/embeddings/oleObject1.bin", samples.ole_object(macros=True))
    err = refusal(tmp_path, build([*docx_parts(), ole]))
    assert err.code == "macro_enabled"
    assert "('word/embeddings/oleObject1.bin')" in err.message


def test_an_embedded_password_protected_object_is_named(tmp_path: Path) -> None:
    ole = part("word/embeddings/oleObject1.bin", samples.encrypted_office())
    refused(
        tmp_path,
        build([*docx_parts(), ole]),
        "encrypted",
        "The document holds a password-protected object ('word/embeddings/oleObject1.bin'). "
        "Remove the password and upload it again.",
    )


# --- OpenDocument ----------------------------------------------------------------------


def test_an_odf_mimetype_that_is_compressed_is_damaged(tmp_path: Path) -> None:
    refused(tmp_path, samples.zip_of(unzip(samples.odt())), "corrupt", DAMAGED_ODF)


def test_an_empty_odf_mimetype_is_not_accepted(tmp_path: Path) -> None:
    refused(
        tmp_path,
        odf_with(samples.odt(), mimetype=b""),
        "unsupported_type",
        "OpenDocument files of type '' are not accepted; only text (.odt) and spreadsheet "
        "(.ods) documents are.",
    )


def test_an_odf_mimetype_that_is_not_ascii_is_not_accepted(tmp_path: Path) -> None:
    data = odf_with(samples.odt(), mimetype=b"application/vnd.oasis.opendocument.t\xe9xt")
    err = refusal(tmp_path, data)
    assert err.code == "unsupported_type"
    assert "opendocument.t\ufffdxt" in err.message


def test_an_odf_presentation_is_named_in_the_refusal(tmp_path: Path) -> None:
    data = odf_with(samples.odt(), mimetype=b"application/vnd.oasis.opendocument.presentation")
    refused(
        tmp_path,
        data,
        "unsupported_type",
        "OpenDocument files of type 'application/vnd.oasis.opendocument.presentation' are "
        "not accepted; only text (.odt) and spreadsheet (.ods) documents are.",
    )


def test_an_embedded_package_calling_itself_something_else_than_odf(tmp_path: Path) -> None:
    inner = odf_with(samples.odt(), mimetype=b"application/epub+zip")
    err = refusal(tmp_path, samples.docx_with_chart(inner, "Object.odt"))
    assert err.code == "nested_archive"
    assert "('word/embeddings/Object.odt')" in err.message


@pytest.mark.parametrize("name", ["Scripts/python/tugas.py", "Basic/Standard/Module1.xml"])
def test_an_odt_with_scripts_is_macro_enabled(tmp_path: Path, name: str) -> None:
    members = unzip(samples.odt())
    members[name] = b"print('x')"
    data = build([part(n, d, stored=n == "mimetype") for n, d in members.items()])
    refused(
        tmp_path,
        data,
        "macro_enabled",
        "The document contains macros and is not accepted. Save it without macros, or as PDF.",
    )


def test_an_odt_without_content_is_damaged(tmp_path: Path) -> None:
    refused(tmp_path, odf_with(samples.odt(), content=None), "corrupt", DAMAGED_ODF)


def test_an_odt_whose_manifest_is_broken_is_damaged(tmp_path: Path) -> None:
    refused(
        tmp_path, odf_with(samples.ods(), manifest=b"<manifest:manifest"), "corrupt", DAMAGED_ODF
    )


def test_an_encrypted_odt_says_so(tmp_path: Path) -> None:
    manifest = unzip(samples.odt())["META-INF/manifest.xml"].replace(
        b'manifest:media-type="text/xml"/>',
        b'manifest:media-type="text/xml"><manifest:encryption-data '
        b'manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry>',
    )
    refused(
        tmp_path,
        odf_with(samples.odt(), manifest=manifest),
        "encrypted",
        "The document is protected by a password. Remove the password and upload it again.",
    )


def test_odt_and_ods_built_here_are_accepted(tmp_path: Path) -> None:
    # The builder itself writes sound packages: the refusals above are the changes.
    assert accepted(tmp_path, build(odf_parts(samples.odt()))) == ODT
    assert accepted(tmp_path, build(odf_parts(samples.ods()))) == ODS


# --- Office Open XML -------------------------------------------------------------------


def docx_with_types(types: bytes) -> bytes:
    members = unzip(samples.docx())
    members["[Content_Types].xml"] = types
    return build([part(n, d) for n, d in members.items()])


def docx_types() -> bytes:
    return unzip(samples.docx())["[Content_Types].xml"]


def test_broken_content_types_are_damaged(tmp_path: Path) -> None:
    refused(tmp_path, docx_with_types(b"<Types><Default"), "corrupt", DAMAGED_OFFICE)


def test_elements_of_another_namespace_in_content_types_are_ignored(tmp_path: Path) -> None:
    foreign = (
        b'<x:Override xmlns:x="urn:example:x" PartName="/word/other.xml" Extension="bin" '
        b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document'
        b'.main+xml"/></Types>'
    )
    assert accepted(tmp_path, docx_with_types(docx_types().replace(b"</Types>", foreign))) == DOCX


def test_part_names_are_matched_whatever_their_case(tmp_path: Path) -> None:
    members = unzip(samples.xlsx())
    renamed = {n.replace("xl/", "XL/"): d for n, d in members.items()}
    renamed["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b'"/xl/', b'"/XL/')
    renamed["_rels/.rels"] = members["_rels/.rels"].replace(b'"xl/', b'"XL/')
    assert any(n.startswith("XL/") for n in renamed)
    assert accepted(tmp_path, build([part(n, d) for n, d in renamed.items()])) == XLSX


def test_a_macro_enabled_main_type_says_so(tmp_path: Path) -> None:
    # Content types are compared without regard to case, as Office writes "macroEnabled".
    types = docx_types().replace(
        b"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"vnd.ms-word.document.macroEnabled.main+xml",
    )
    refused(
        tmp_path,
        docx_with_types(types),
        "macro_enabled",
        "The document is macro-enabled (such as .docm or .xlsm) and is not accepted. "
        "Save it as .docx/.xlsx without macros, or as PDF.",
    )


def test_a_presentation_says_what_is_accepted(tmp_path: Path) -> None:
    types = docx_types().replace(b"wordprocessingml.document.main", b"presentationml.slide")
    refused(
        tmp_path,
        docx_with_types(types),
        "unsupported_type",
        "This kind of office file (for example a presentation or a template) is not "
        "accepted. Upload a Word (.docx) or Excel (.xlsx) document, or a PDF.",
    )


def test_an_embedded_package_with_no_main_part_is_a_nested_archive(tmp_path: Path) -> None:
    members = unzip(samples.xlsx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"sheet.main+xml", b"sheet+xml"
    )
    err = refusal(tmp_path, samples.docx_with_chart(samples.zip_of(members)))
    assert err.code == "nested_archive"
    assert "('word/embeddings/Microsoft_Excel_Worksheet.xlsx')" in err.message


def test_two_main_parts_are_damaged(tmp_path: Path) -> None:
    second = (
        b'<Override PartName="/word/document2.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    refused(
        tmp_path,
        docx_with_types(docx_types().replace(b"</Types>", second)),
        "corrupt",
        DAMAGED_OFFICE,
    )


def test_a_declared_main_part_that_is_missing_is_damaged(tmp_path: Path) -> None:
    members = unzip(samples.docx())
    del members["word/document.xml"]
    refused(tmp_path, build([part(n, d) for n, d in members.items()]), "corrupt", DAMAGED_OFFICE)


def test_a_plain_zip_says_so_in_both_languages(tmp_path: Path) -> None:
    err = refusal(tmp_path, build([part("tor.pdf", samples.pdf())]))
    assert err.code == "unsupported_type"
    assert err.message == (
        "The file is a ZIP archive, not a Word, Excel or OpenDocument file. Archives are "
        "not accepted: upload the documents themselves."
    )
    assert err.message_id == (
        "Berkas ini arsip ZIP, bukan dokumen Word, Excel atau OpenDocument. Arsip tidak "
        "diterima: unggah dokumennya langsung."
    )


def test_the_builder_writes_a_sound_docx(tmp_path: Path) -> None:
    data = build(docx_parts())
    assert accepted(tmp_path, data) == DOCX
