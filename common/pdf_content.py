"""What a PDF holds beyond its pages: scripts, automatic actions and embedded files.

A PDF is accepted by ``common.filetypes`` only if ``check_pdf`` finds none of these. The
file is opened with pikepdf (qpdf), and every object in it, referenced or not, is walked:
an object a viewer never reaches today may be reached by an incremental update tomorrow,
and there is no good reason for an IKU document to carry one.

Refused:
- JavaScript anywhere: a ``/JS`` entry, a ``/JavaScript`` name tree, an action of type
  ``/JavaScript``, and XFA forms (which carry scripts);
- actions that run or fetch something: ``/Launch``, ``/ImportData``, ``/SubmitForm``,
  ``/RichMediaExecute``, and every ``/AA`` (additional actions run on open, close, page
  view or focus, without a click);
- embedded files: an ``/EmbeddedFiles`` name tree, a file specification with ``/EF``, an
  ``/EmbeddedFile`` stream, a ``/FileAttachment`` annotation, rich media;
- a PDF qpdf cannot open, or one that is encrypted (even with an empty user password).
"""

from __future__ import annotations

from typing import BinaryIO, Final

import pikepdf

from common.unsupported import UnsupportedDocument

# Dictionaries and arrays visited at most: a real document of a few hundred pages holds far
# fewer; a file built to hold millions would only cost time.
MAX_NODES: Final = 2_000_000

_SCRIPT_KEYS: Final = frozenset({"/JS", "/JavaScript", "/XFA"})
_EMBEDDING_KEYS: Final = frozenset({"/EmbeddedFiles", "/EF", "/RichMediaContent"})
_SCRIPT_ACTIONS: Final = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm"})
_SCRIPT_ACTIONS_ALSO: Final = frozenset({"/RichMediaExecute", "/Rendition"})
_EMBEDDING_TYPES: Final = frozenset({"/EmbeddedFile"})
_EMBEDDING_SUBTYPES: Final = frozenset({"/FileAttachment", "/RichMedia"})


def check_pdf(handle: BinaryIO) -> None:
    """Raise ``UnsupportedDocument`` unless the PDF at ``handle`` is pages and nothing else."""
    handle.seek(0)
    try:
        pdf = pikepdf.open(handle)
    except pikepdf.PasswordError as err:
        raise _encrypted() from err
    except (pikepdf.PdfError, ValueError, OSError, RuntimeError) as err:
        raise _unreadable() from err
    with pdf:
        if pdf.is_encrypted:
            raise _encrypted()
        try:
            _walk(pdf)
        except (pikepdf.PdfError, RuntimeError) as err:
            raise _unreadable() from err


def _walk(pdf: pikepdf.Pdf) -> None:
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [pdf.trailer, *pdf.objects]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, (pikepdf.Stream, pikepdf.Dictionary, pikepdf.Array)):
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            visited += 1
            if visited > MAX_NODES:
                raise _unreadable()
            if isinstance(obj, pikepdf.Array):
                stack.extend(obj)
                continue
            _check_dictionary(obj)
            stack.extend(obj.get(key) for key in obj.keys())  # noqa: SIM118 (streams too)


def _check_dictionary(obj: pikepdf.Dictionary | pikepdf.Stream) -> None:
    keys = set(obj.keys())
    if keys & _SCRIPT_KEYS or _name(obj, "/S") in _SCRIPT_ACTIONS | _SCRIPT_ACTIONS_ALSO:
        raise _script()
    if "/AA" in keys:
        raise _automatic_action()
    if (
        keys & _EMBEDDING_KEYS
        or _name(obj, "/Type") in _EMBEDDING_TYPES
        or _name(obj, "/Subtype") in _EMBEDDING_SUBTYPES
    ):
        raise _embedded()


def _name(obj: pikepdf.Dictionary | pikepdf.Stream, key: str) -> str | None:
    value = obj.get(key)
    return str(value) if isinstance(value, pikepdf.Name) else None


def _script() -> UnsupportedDocument:
    return UnsupportedDocument(
        "active_content",
        "The PDF contains JavaScript or an action that runs a program or sends data, and is "
        "not accepted. Print it to a new PDF (or export it again without scripts and forms) "
        "and upload that.",
        "PDF ini berisi JavaScript atau tindakan yang menjalankan program atau mengirim data, "
        "sehingga tidak diterima. Cetak ulang ke PDF baru (atau ekspor ulang tanpa skrip dan "
        "formulir), lalu unggah hasilnya.",
    )


def _automatic_action() -> UnsupportedDocument:
    return UnsupportedDocument(
        "active_content",
        "The PDF contains actions that run by themselves when it is opened or viewed, and is "
        "not accepted. Print it to a new PDF and upload that.",
        "PDF ini berisi tindakan yang berjalan sendiri saat dibuka atau dilihat, sehingga "
        "tidak diterima. Cetak ulang ke PDF baru, lalu unggah hasilnya.",
    )


def _embedded() -> UnsupportedDocument:
    return UnsupportedDocument(
        "embedded_file",
        "The PDF carries other files inside it (attachments), and is not accepted. Remove "
        "the attachments, or upload those documents separately.",
        "PDF ini membawa berkas lain di dalamnya (lampiran tertanam), sehingga tidak "
        "diterima. Hapus lampirannya, atau unggah dokumen-dokumen itu secara terpisah.",
    )


def _encrypted() -> UnsupportedDocument:
    return UnsupportedDocument(
        "encrypted",
        "The PDF is encrypted or protected by a password. Save it without protection and "
        "upload it again.",
        "PDF ini terenkripsi atau dilindungi kata sandi. Simpan tanpa perlindungan, lalu "
        "unggah kembali.",
    )


def _unreadable() -> UnsupportedDocument:
    return UnsupportedDocument(
        "corrupt",
        "The PDF is damaged or malformed and cannot be read. Save or print it to a new PDF "
        "and upload that.",
        "PDF ini rusak atau tidak tersusun dengan benar sehingga tidak dapat dibaca. Simpan "
        "atau cetak ulang ke PDF baru, lalu unggah hasilnya.",
    )
