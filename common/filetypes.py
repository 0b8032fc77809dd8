"""Media types by content, never by name.

``detect_media_type(path)`` says which allowed kind of document a file is, or raises
``UnsupportedDocument`` with a short machine code and a message a person understands (in
English, ``message``, and Indonesian, ``message_id``). The web layer (uploads) and the
``iku store`` command both use it; a file's name and extension are never consulted.

Allowed: PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS. A PDF is opened and walked for scripts,
automatic actions and embedded files (``common.pdf_content``); a PNG or JPEG is decoded in
full and must end where the image ends, with no web page, PDF or ZIP hidden in or after it
(``common.image_content``). The last four are ZIP packages, which are
treated as hostile until proven otherwise: the end of central directory record is read with
``struct`` before ``zipfile`` parses anything (so a file declaring a million entries costs
nothing), every entry's declared sizes, flags and name are checked, and then every entry is
inflated once, bounded by what it declares, so an entry that inflates past its declared size
or fails its CRC is caught, not trusted. Only then are the few small XML parts that name
the document type read.

Office documents embed other Office documents: a Word chart keeps its data in an embedded
workbook (``word/embeddings/Microsoft_Excel_Worksheet.xlsx``). Such an embedded package is
checked like the document itself, by the same rules (macros, encryption, names, XML
declarations), with its parts counted against the same budget of entries and unpacked
bytes, at most ``MAX_NESTING`` levels deep. Any other archive inside a document (a plain
ZIP, 7z, gzip, ...) is refused. Embedded OLE objects (compound files such as
``oleObject1.bin``) are kept as opaque data, unless their stream names show VBA macros or
an encrypted package.
"""

from __future__ import annotations

import io
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Final
from xml.parsers import expat

from common.image_content import check_image
from common.pdf_content import check_pdf
from common.unsupported import UnsupportedDocument

PDF: Final = "application/pdf"
PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT: Final = "application/vnd.oasis.opendocument.text"
ODS: Final = "application/vnd.oasis.opendocument.spreadsheet"

EXTENSIONS: Final[dict[str, str]] = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    DOCX: ".docx",
    XLSX: ".xlsx",
    ODT: ".odt",
    ODS: ".ods",
}
ALLOWED_MEDIA_TYPES: Final[frozenset[str]] = frozenset(EXTENSIONS)

MIB: Final = 1024 * 1024
MAX_ZIP_ENTRIES: Final = 2000
MAX_RATIO: Final = 100  # compressed : uncompressed, for entries larger than RATIO_FLOOR
RATIO_FLOOR: Final = MIB
# 2,000 entries with generous names fit in far less; a larger directory is padding.
MAX_CENTRAL_DIRECTORY: Final = MIB
# The XML parts read to learn the type are a few KiB in any real document.
MAX_XML_PART: Final = MIB
# A document, its embedded packages and theirs: a chart's workbook inside an embedded
# document is two levels down. One level deeper is refused as a nested archive.
MAX_NESTING: Final = 2
# Entries in a document and all its embedded packages together (each alone: MAX_ZIP_ENTRIES).
MAX_TOTAL_ENTRIES: Final = 5 * MAX_ZIP_ENTRIES
_READ_CHUNK: Final = 256 * 1024


def detect_media_type(path: Path, *, max_unpacked_bytes: int = 200 * MIB) -> str:
    """The media type of the allowed document at ``path``, judged by its bytes alone.

    Raises ``UnsupportedDocument`` for anything else. ``max_unpacked_bytes`` bounds the
    total a ZIP-based document may declare (and inflate to).
    """
    with Path(path).open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(4096)
        if not head:
            raise UnsupportedDocument("empty", "The file is empty.")
        for check in _SNIFFERS:
            media_type = check(head, handle, size, max_unpacked_bytes)
            if media_type is not None:
                return media_type
    raise UnsupportedDocument(
        "unsupported_type",
        "This kind of file is not accepted. Upload a PDF, Word (.docx), Excel (.xlsx), "
        "OpenDocument (.odt/.ods), PNG or JPEG file.",
    )


# --- single-part formats ---------------------------------------------------------------

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_CFB_SIGNATURE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _corrupt(what: str) -> UnsupportedDocument:
    return UnsupportedDocument("corrupt", f"The file looks like {what} but is damaged.")


def _sniff_pdf(head: bytes, handle: BinaryIO, _s: int, _m: int) -> str | None:
    if not head.startswith(b"%PDF-"):
        return None
    if not re.match(rb"%PDF-[12]\.\d", head):
        raise _corrupt("a PDF")
    check_pdf(handle)
    return PDF


def _sniff_png(head: bytes, handle: BinaryIO, size: int, _m: int) -> str | None:
    if not head.startswith(_PNG_SIGNATURE):
        return None
    # The first chunk must be a 13-byte IHDR with a good CRC and a non-zero size.
    if len(head) < 33 or head[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise _corrupt("a PNG image")
    (crc,) = struct.unpack(">L", head[29:33])
    width, height = struct.unpack(">LL", head[16:24])
    if zlib.crc32(head[12:29]) != crc or not width or not height:
        raise _corrupt("a PNG image")
    check_image(handle, size, "png")
    return PNG


def _sniff_jpeg(head: bytes, handle: BinaryIO, size: int, _m: int) -> str | None:
    if not head.startswith(b"\xff\xd8\xff"):
        return None
    # After SOI: an APPn segment (JFIF, Exif, ...), a quantisation table or a comment.
    if len(head) < 6 or not (0xE0 <= head[3] <= 0xEF or head[3] in (0xDB, 0xFE)):
        raise _corrupt("a JPEG image")
    (length,) = struct.unpack(">H", head[4:6])
    if length < 2:
        raise _corrupt("a JPEG image")
    check_image(handle, size, "jpeg")
    return JPEG


def _sniff_cfb(head: bytes, handle: BinaryIO, _s: int, _m: int) -> str | None:
    """OLE2 compound files: legacy .doc/.xls, or a password-protected .docx/.xlsx."""
    if not head.startswith(_CFB_SIGNATURE):
        return None
    # An encrypted OOXML file is a compound file holding an "EncryptedPackage" stream. Its
    # name sits in a directory sector, near the start in practice; a bounded scan suffices
    # because either way the file is refused, only the explanation differs.
    handle.seek(0)
    window = handle.read(4 * MIB)
    if "EncryptedPackage".encode("utf-16-le") in window:
        raise UnsupportedDocument(
            "encrypted",
            "The document is protected by a password. Remove the password and upload it again.",
        )
    raise UnsupportedDocument(
        "unsupported_type",
        "Old Word/Excel 97-2003 files (.doc/.xls) are not accepted. Save the document as "
        ".docx/.xlsx or PDF.",
        "Format lama Word/Excel 97-2003 (.doc/.xls) tidak diterima. Simpan sebagai "
        ".docx/.xlsx atau PDF.",
    )


def _sniff_executable(head: bytes, _h: BinaryIO, _s: int, _m: int) -> str | None:
    if head.startswith(
        (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")
    ):
        raise UnsupportedDocument(
            "unsupported_type",
            "The file is a program or script, not a document, and is not accepted.",
            "Berkas ini adalah program atau skrip, bukan dokumen, sehingga tidak diterima.",
        )
    return None


def _sniff_zip(head: bytes, handle: BinaryIO, size: int, max_unpacked: int) -> str | None:
    if head.startswith(b"PK\x05\x06"):
        raise UnsupportedDocument("unsupported_type", "The file is an empty ZIP archive.")
    if not head.startswith(b"PK\x03\x04"):
        return None
    return _ZipInspector(handle, size, _Budget(max_unpacked)).media_type()


_SNIFFERS: Final[tuple[Callable[[bytes, BinaryIO, int, int], str | None], ...]] = (
    _sniff_pdf,
    _sniff_png,
    _sniff_jpeg,
    _sniff_zip,
    _sniff_cfb,
    _sniff_executable,
)


# --- ZIP packages ----------------------------------------------------------------------

_EOCD: Final = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR: Final = struct.Struct("<4sLQL")
_ZIP64_EOCD: Final = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER: Final = struct.Struct("<4s5H3L2H")
_FLAG_ENCRYPTED: Final = 0x0001
_FLAG_STRONG_ENCRYPTION: Final = 0x0040
_FLAG_UTF8: Final = 0x0800

# Office packages (.docx, .xlsx, .pptx, .odt, ...) are not here: they are opened and checked.
_ARCHIVE_EXTENSIONS: Final = frozenset(
    {
        ".zip",
        ".jar",
        ".war",
        ".apk",
        ".rar",
        ".7z",
        ".gz",
        ".tgz",
        ".bz2",
        ".tbz2",
        ".xz",
        ".txz",
        ".lz",
        ".lzma",
        ".zst",
        ".tar",
        ".cab",
        ".iso",
        ".arj",
        ".z",
    }
)
_MACRO_EXTENSIONS: Final = frozenset(
    {
        ".docm",
        ".dotm",
        ".xlsm",
        ".xltm",
        ".xlam",
        ".pptm",
        ".potm",
        ".ppsm",
        ".ppam",
        ".sldm",
    }
)
_MACRO_PARTS: Final = frozenset({"vbaproject.bin", "vbadata.xml"})
# Stream names in an OLE compound file's directory (UTF-16): VBA macros ("Macros/VBA/
# _VBA_PROJECT" in Word, "_VBA_PROJECT_CUR" in Excel), or a password-protected package.
_OLE_VBA: Final = "_VBA_PROJECT".encode("utf-16-le")
_OLE_ENCRYPTED: Final = "EncryptedPackage".encode("utf-16-le")
_SPOOL_IN_MEMORY: Final = 8 * MIB  # an embedded package larger than this is copied to disk
_ARCHIVE_MAGIC: Final = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xfd7zXZ\x00",
    b"MSCF\x00\x00\x00\x00",
    b"\x28\xb5\x2f\xfd",
    b"LZIP",
)

_CT_NS: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
_MANIFEST_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_OOXML_MAIN: Final[dict[str, str]] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_OOXML_MACRO_TYPES: Final = frozenset(
    {
        "application/vnd.ms-word.document.macroenabled.main+xml",
        "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
        "application/vnd.ms-excel.sheet.macroenabled.main+xml",
        "application/vnd.ms-excel.template.macroenabled.main+xml",
        "application/vnd.ms-excel.addin.macroenabled.main+xml",
        "application/vnd.ms-excel.sheet.binary.macroenabled.main",
        "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml",
        "application/vnd.ms-office.vbaproject",
        # What a document declares for a macro-enabled document embedded in it.
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.ms-powerpoint.presentation.macroenabled.12",
        # Excel 4.0 macro sheets: an old macro language still abused by malware.
        "application/vnd.ms-excel.macrosheet+xml",
        "application/vnd.ms-excel.intlmacrosheet+xml",
    }
)
_ODF_TYPES: Final = frozenset({ODT, ODS})
_ODF_PREFIX: Final = "application/vnd.oasis.opendocument."


def _ratio_exceeded(declared: int, compressed: int) -> bool:
    return declared > RATIO_FLOOR and declared > MAX_RATIO * max(compressed, 1)


def _unsafe_name(name: str) -> bool:
    normal = name.replace("\\", "/")
    if "\x00" in name or normal.startswith("/") or re.match(r"[A-Za-z]:", normal):
        return True
    return any(part == ".." for part in normal.split("/"))


def _macro_name(name: str) -> bool:
    base = name.lower().rsplit("/", 1)[-1]
    return base in _MACRO_PARTS or os.path.splitext(base)[1] in _MACRO_EXTENSIONS


def _is_archive(name: str, head: bytes) -> bool:
    if name.endswith("/"):
        return False
    if os.path.splitext(name.lower())[1] in _ARCHIVE_EXTENSIONS:
        return True
    if head.startswith(_ARCHIVE_MAGIC) or re.match(rb"BZh[1-9]1AY&SY", head):
        return True
    return head[257:262] == b"ustar"


@dataclass
class _Budget:
    """What a document and the packages embedded in it may hold, all together."""

    max_unpacked: int
    unpacked: int = 0
    entries: int = 0

    def take(self, entries: int, unpacked: int) -> None:
        self.entries += entries
        self.unpacked += unpacked
        if self.entries > MAX_TOTAL_ENTRIES:
            raise _bomb(
                f"it and the documents embedded in it hold more than {MAX_TOTAL_ENTRIES} parts"
            )
        if self.unpacked > self.max_unpacked:
            raise _bomb(f"it unpacks to more than {self.max_unpacked} bytes")


@dataclass
class _Member:
    """What reading one entry in full taught us."""

    head: bytes = b""
    content: bytes | None = None  # kept only for the small XML parts we need


@dataclass
class _ZipInspector:
    handle: IO[bytes]
    size: int
    budget: _Budget
    depth: int = 0  # 0 for the uploaded file, 1 for a package embedded in it, ...
    name: str = ""  # the part an embedded package was found in
    members: dict[str, _Member] = field(default_factory=dict)
    directory_start: int = 0
    data_end: int = 0  # where the previous entry's data ended, to find overlaps and gaps
    descriptor_room: int = 0

    def media_type(self) -> str:
        self._check_end_record()
        try:
            archive = zipfile.ZipFile(self.handle)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            ValueError,
            EOFError,
            OSError,
            struct.error,
        ) as err:
            raise _corrupt("a ZIP-based document") from err
        with archive:
            infos = archive.infolist()
            self._check_directory(infos, archive.start_dir)
            for info in sorted(infos, key=lambda i: i.header_offset):
                self.members[info.filename] = self._read_member(info)
            self._check_gap(self.directory_start)
            return self._classify(infos)

    # Step 1: the end record, parsed by hand so a huge directory is refused unparsed.
    def _check_end_record(self) -> None:
        tail_size = min(self.size, _EOCD.size + 0xFFFF)
        self.handle.seek(self.size - tail_size)
        tail = self.handle.read(tail_size)
        pos = tail.rfind(b"PK\x05\x06")
        if pos < 0 or pos + _EOCD.size > len(tail):
            raise _corrupt("a ZIP-based document")
        record = _EOCD.unpack_from(tail, pos)
        # The record's comment must run exactly to the end of the file. Otherwise there is
        # trailing data, or a second record hidden in the comment: zipfile takes the last
        # one, other programs the first, and they would be reading different documents.
        if pos + _EOCD.size + record[7] != len(tail) or self._another_end_record(tail, pos):
            raise _ambiguous()
        _sig, disk, cd_disk, on_disk, entries, cd_size, cd_offset, _ = record
        directory_end = self.size - len(tail) + pos
        if 0xFFFF in (entries, on_disk) or 0xFFFFFFFF in (cd_size, cd_offset):
            start = pos - _ZIP64_LOCATOR.size
            if start < 0 or tail[start : start + 4] != b"PK\x06\x07":
                raise _corrupt("a ZIP-based document")
            _sig, _disk, directory_end, _disks = _ZIP64_LOCATOR.unpack_from(tail, start)
            self.handle.seek(directory_end)
            raw = self.handle.read(_ZIP64_EOCD.size)
            if len(raw) != _ZIP64_EOCD.size or raw[:4] != b"PK\x06\x06":
                raise _corrupt("a ZIP-based document")
            (_sig, _size, _made, _needed, disk, cd_disk, on_disk, entries, cd_size, cd_offset) = (
                _ZIP64_EOCD.unpack(raw)
            )
        # The directory ends where the end record begins: nothing hides between them, and
        # zipfile reads the offsets as written (it shifts them when they do not add up).
        if cd_offset + cd_size != directory_end:
            raise _ambiguous()
        self.directory_start = cd_offset
        if disk or cd_disk or on_disk != entries:
            raise UnsupportedDocument(
                "corrupt", "The file is one part of a split ZIP archive, not a document."
            )
        if entries > MAX_ZIP_ENTRIES:
            raise _bomb(f"it holds {entries} parts (at most {MAX_ZIP_ENTRIES} are allowed)")
        if cd_size > MAX_CENTRAL_DIRECTORY:
            raise _bomb("its table of contents is unreasonably large")

    @staticmethod
    def _another_end_record(tail: bytes, pos: int) -> bool:
        """Whether an earlier end record in the tail would also be read as the real one."""
        earlier = tail.rfind(b"PK\x05\x06", 0, pos)
        while earlier >= 0:
            if earlier + _EOCD.size <= len(tail):
                comment = _EOCD.unpack_from(tail, earlier)[7]
                if earlier + _EOCD.size + comment == len(tail):
                    return True
            earlier = tail.rfind(b"PK\x05\x06", 0, earlier)
        return False

    # Step 2: what every entry declares, before any of it is read.
    def _check_directory(self, infos: list[zipfile.ZipInfo], start_dir: int) -> None:
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _bomb(f"it holds {len(infos)} parts (at most {MAX_ZIP_ENTRIES} are allowed)")
        self.budget.take(len(infos), 0)
        seen: set[str] = set()
        for info in infos:
            if _unsafe_name(info.orig_filename):
                raise UnsupportedDocument(
                    "unsafe_path",
                    f"The file contains a part with an unsafe name ({info.orig_filename!r}).",
                )
            # Two entries of one name are read differently by different programs.
            if info.filename in seen:
                raise UnsupportedDocument(
                    "corrupt", f"The file contains the part {info.filename!r} twice."
                )
            seen.add(info.filename)
            # A folder holds no bytes: any it carried would be read by programs that open
            # it, and never looked at by the checks below (they skip folders).
            if info.filename.endswith("/") and info.file_size:
                raise _ambiguous()
            if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
                raise UnsupportedDocument(
                    "encrypted",
                    "The file is protected by a password (encrypted). Remove the password "
                    "and upload it again.",
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnsupportedDocument(
                    "unsupported_type",
                    "The file uses a compression method that office documents do not use.",
                )
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise _corrupt("a ZIP-based document")
            if _ratio_exceeded(info.file_size, info.compress_size):
                raise _bomb(
                    f"the part {info.filename!r} unpacks from {info.compress_size} bytes "
                    f"to {info.file_size}"
                )
            self.budget.take(0, info.file_size)
            if _is_archive(info.filename, b""):
                raise _nested(info.filename)
            if _macro_name(info.filename):
                raise _macros(info.filename)
        if any(info.header_offset >= start_dir for info in infos):
            raise _ambiguous()

    # Step 3: inflate every entry once, never past what it declares.
    def _read_member(self, info: zipfile.ZipInfo) -> _Member:
        self.handle.seek(info.header_offset)
        raw = self.handle.read(_LOCAL_HEADER.size)
        if len(raw) != _LOCAL_HEADER.size:
            raise _corrupt("a ZIP-based document")
        sig, _ver, flags, method, _t, _d, _crc, _cs, _us, name_len, extra_len = (
            _LOCAL_HEADER.unpack(raw)
        )
        raw_name = self.handle.read(name_len)
        local_name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", "replace")
        # The local header must agree with the directory: readers that trust one or the
        # other must see the same document.
        if (
            sig != b"PK\x03\x04"
            or local_name != info.orig_filename
            or method != info.compress_type
            or flags & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION)
        ):
            raise _corrupt("a ZIP-based document")
        data_start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        self._check_gap(info.header_offset)
        self.data_end = data_start + info.compress_size
        # A data descriptor (at most 24 bytes) may follow the data when flag bit 3 is set.
        self.descriptor_room = 24 if flags & 0x0008 else 0
        if self.data_end > self.size:
            raise _corrupt("a ZIP-based document")
        self.handle.seek(data_start)

        keep = info.filename in _WANTED_PARTS
        if keep and info.file_size > MAX_XML_PART:
            raise _corrupt("an office document")
        member = _Member()
        collected = io.BytesIO() if keep else None
        crc = 0
        produced = 0
        for chunk in _inflate(self.handle, info):
            produced += len(chunk)
            if produced > info.file_size:
                raise _bomb(f"the part {info.filename!r} unpacks to more than it declares")
            crc = zlib.crc32(chunk, crc)
            if len(member.head) < 512:
                member.head += chunk[: 512 - len(member.head)]
            if collected is not None:
                collected.write(chunk)
        if produced != info.file_size or crc != info.CRC:
            raise _corrupt("a ZIP-based document")
        if member.head.startswith(b"PK\x03\x04"):
            self._check_package(info, data_start)
        elif _is_archive(info.filename, member.head):
            raise _nested(info.filename)
        elif member.head.startswith(_CFB_SIGNATURE):
            self._check_ole_object(info, data_start)
        if collected is not None:
            member.content = collected.getvalue()
        return member

    def _inflate_again(self, info: zipfile.ZipInfo, data_start: int) -> Iterator[bytes]:
        """The bytes of an entry already read once, so known to match its size and CRC."""
        self.handle.seek(data_start)
        return _inflate(self.handle, info)

    def _check_package(self, info: zipfile.ZipInfo, data_start: int) -> None:
        """An embedded ZIP passes only as an Office package that passes every check here."""
        if self.depth >= MAX_NESTING:
            raise _nested(info.filename)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as copy:
            for chunk in self._inflate_again(info, data_start):
                copy.write(chunk)
            embedded = _ZipInspector(
                copy, info.file_size, self.budget, self.depth + 1, info.filename
            )
            embedded.media_type()

    def _check_ole_object(self, info: zipfile.ZipInfo, data_start: int) -> None:
        """An embedded OLE object is opaque data, unless its directory names VBA macros or
        an encrypted package (a stream name can straddle two chunks: keep an overlap)."""
        overlap = b""
        for chunk in self._inflate_again(info, data_start):
            window = overlap + chunk
            if _OLE_VBA in window:
                raise _macros(info.filename)
            if _OLE_ENCRYPTED in window:
                raise UnsupportedDocument(
                    "encrypted",
                    f"The document holds a password-protected object ({info.filename!r}). "
                    "Remove the password and upload it again.",
                )
            overlap = window[-len(_OLE_ENCRYPTED) :]

    def _check_gap(self, next_start: int) -> None:
        """Entries tile the file from offset 0 to the directory, with nothing in between."""
        if next_start < self.data_end:
            # Overlapping entries reuse one compressed stream many times over.
            raise _bomb("its parts overlap")
        if next_start - self.data_end > self.descriptor_room:
            # Bytes no entry accounts for: what a streaming reader would see, we did not.
            raise _ambiguous()

    # Step 4: the parts that say what the document is.
    def _classify(self, infos: list[zipfile.ZipInfo]) -> str:
        first = infos[0] if infos else None
        if first is not None and first.filename == "mimetype":
            return self._classify_odf(first)
        if "[Content_Types].xml" in self.members:
            return self._classify_ooxml()
        if self.depth:
            raise _nested(self.name)
        raise UnsupportedDocument(
            "unsupported_type",
            "The file is a ZIP archive, not a Word, Excel or OpenDocument file. Archives are "
            "not accepted: upload the documents themselves.",
            "Berkas ini arsip ZIP, bukan dokumen Word, Excel atau OpenDocument. Arsip tidak "
            "diterima: unggah dokumennya langsung.",
        )

    def _classify_odf(self, first: zipfile.ZipInfo) -> str:
        mimetype = self.members["mimetype"].content or b""
        if first.header_offset != 0 or first.compress_type != zipfile.ZIP_STORED:
            raise _corrupt("an OpenDocument file")
        media_type = mimetype.decode("ascii", "replace")
        if self.depth and not media_type.startswith(_ODF_PREFIX):
            raise _nested(self.name)
        if media_type not in _ODF_TYPES and not self.depth:
            raise UnsupportedDocument(
                "unsupported_type",
                f"OpenDocument files of type {media_type!r} are not accepted; only text "
                "(.odt) and spreadsheet (.ods) documents are.",
            )
        names = set(self.members)
        if any(n.startswith(("Basic/", "Scripts/")) for n in names):
            raise UnsupportedDocument(
                "macro_enabled",
                "The document contains macros and is not accepted. Save it without macros, "
                "or as PDF.",
            )
        manifest = self.members.get("META-INF/manifest.xml")
        if manifest is None or manifest.content is None or "content.xml" not in names:
            raise _corrupt("an OpenDocument file")
        elements = _xml_elements(manifest.content, "an OpenDocument file")
        if any(tag == f"{_MANIFEST_NS} encryption-data" for tag, _ in elements):
            raise UnsupportedDocument(
                "encrypted",
                "The document is protected by a password. Remove the password and upload it again.",
            )
        return media_type

    def _classify_ooxml(self) -> str:
        content = self.members["[Content_Types].xml"].content or b""
        types: dict[str, str] = {}  # part name or "*.ext" -> content type (lower case)
        for tag, attrs in _xml_elements(content, "an office document"):
            content_type = attrs.get("ContentType", "").strip().lower()
            if tag == f"{_CT_NS} Override" and "PartName" in attrs:
                types[attrs["PartName"].lstrip("/").lower()] = content_type
            elif tag == f"{_CT_NS} Default" and "Extension" in attrs:
                types["*." + attrs["Extension"].lower()] = content_type
        lower_names = {n.lower() for n in self.members}
        # (Parts named like macros were refused with the directory.)
        if any(t in _OOXML_MACRO_TYPES for t in types.values()):
            raise UnsupportedDocument(
                "macro_enabled",
                "The document is macro-enabled (such as .docm or .xlsm) and is not accepted. "
                "Save it as .docx/.xlsx without macros, or as PDF.",
            )
        if self.depth:  # embedded, any kind will do: a workbook, a presentation, a drawing
            mains = {(part, t) for part, t in types.items() if t.endswith(".main+xml")}
        else:
            mains = {(part, _OOXML_MAIN[t]) for part, t in types.items() if t in _OOXML_MAIN}
        if len(mains) != 1:
            if not mains and self.depth:
                raise _nested(self.name)
            if not mains:
                raise UnsupportedDocument(
                    "unsupported_type",
                    "This kind of office file (for example a presentation or a template) is "
                    "not accepted. Upload a Word (.docx) or Excel (.xlsx) document, or a PDF.",
                )
            raise _corrupt("an office document")
        ((part, media_type),) = mains
        # The declared main part (normally word/document.xml or xl/workbook.xml) must exist.
        if part not in lower_names:
            raise _corrupt("an office document")
        return media_type


_WANTED_PARTS: Final = frozenset({"mimetype", "META-INF/manifest.xml", "[Content_Types].xml"})


def _inflate(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The bytes of one entry, in chunks, never more than its declared size + 1.

    The caller counts: one byte past the declared size is enough to call it a bomb, so
    inflation is capped there and a lying entry never costs more than it declared.
    """
    left_in = info.compress_size

    def read() -> bytes:
        nonlocal left_in
        data = handle.read(min(_READ_CHUNK, left_in))
        if not data:
            raise _corrupt("a ZIP-based document")  # the file ends inside the entry
        left_in -= len(data)
        return data

    if info.compress_type == zipfile.ZIP_STORED:
        while left_in:
            yield read()
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    room = info.file_size + 1
    pending = b""
    while not inflater.eof:
        if not pending and left_in:
            pending = read()
        try:
            out = inflater.decompress(pending, room)
        except zlib.error as err:
            raise _corrupt("a ZIP-based document") from err
        pending = inflater.unconsumed_tail
        if out:
            room = max(room - len(out), 1)
            yield out
        elif not pending and not left_in and not inflater.eof:
            raise _corrupt("a ZIP-based document")  # the stream stops short
    # Bytes after the end of the stream, inside the entry, are not part of any document.
    if inflater.unused_data or pending or left_in:
        raise _corrupt("a ZIP-based document")


def _ambiguous() -> UnsupportedDocument:
    # Programs that read ZIP files differently would see different documents in this one.
    return UnsupportedDocument(
        "corrupt",
        "The file is not a well-formed ZIP package: it holds data outside its parts, or "
        "two different tables of contents.",
    )


def _bomb(why: str) -> UnsupportedDocument:
    return UnsupportedDocument("zip_bomb", f"The file is refused for safety: {why} (a 'zip bomb').")


def _nested(name: str) -> UnsupportedDocument:
    return UnsupportedDocument(
        "nested_archive",
        f"The file contains another archive ({name!r}): a ZIP or similar file, or documents "
        f"embedded more than {MAX_NESTING} levels deep. Save it without embedded files, or "
        "as PDF.",
    )


def _macros(name: str) -> UnsupportedDocument:
    return UnsupportedDocument(
        "macro_enabled",
        f"The document contains macros ({name!r}) and is not accepted. Save it without "
        "macros (as .docx/.xlsx), or as PDF.",
    )


def _xml_elements(data: bytes, what: str) -> list[tuple[str, dict[str, str]]]:
    """Every element's namespaced tag (``"<ns> <local>"``) and attributes.

    Parts of an office package may not carry a DTD (ISO/IEC 29500-2, ODF 1.2), so any DTD
    or entity declaration is refused outright: no entity is ever expanded.
    """
    elements: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args: object) -> None:
        raise UnsupportedDocument(
            "corrupt", f"The file looks like {what} but carries a forbidden XML declaration."
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        # Attributes without a namespace keep their plain name, as we look them up.
        elements.append((tag, attrs))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise _corrupt(what) from err
    return elements
