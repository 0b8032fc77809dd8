"""The refusal of a file that is not one of the allowed documents, or is not safe to
accept: a short code, and why in English and in Indonesian. Raised by the type check
(``common.filetypes``) and by the content checks it calls (``image_content``,
``pdf_content``)."""

from __future__ import annotations

from typing import Final, Literal

Reason = Literal[
    "empty",
    "unsupported_type",
    "corrupt",
    "encrypted",
    "macro_enabled",
    "zip_bomb",
    "unsafe_path",
    "nested_archive",
    "active_content",
    "embedded_file",
    "hidden_data",
]

_ID_GENERIC: Final[dict[str, str]] = {
    "empty": "Berkas kosong.",
    "unsupported_type": (
        "Jenis berkas ini tidak diterima. Unggah PDF, Word (.docx), Excel (.xlsx), "
        "OpenDocument (.odt/.ods), PNG, atau JPEG."
    ),
    "corrupt": "Berkas rusak atau tidak lengkap sehingga tidak dapat dibaca.",
    "encrypted": (
        "Berkas ini dilindungi kata sandi (terenkripsi). Hapus kata sandinya, lalu unggah kembali."
    ),
    "macro_enabled": (
        "Berkas berisi makro dan tidak diterima. Simpan sebagai .docx/.xlsx tanpa makro, "
        "atau sebagai PDF."
    ),
    "zip_bomb": (
        "Isi berkas ini mengembang jauh melebihi ukurannya saat dibuka, sehingga ditolak "
        "demi keamanan."
    ),
    "unsafe_path": "Berkas berisi nama bagian yang tidak aman, sehingga ditolak.",
    "nested_archive": (
        "Berkas berisi arsip lain di dalamnya (misalnya berkas ZIP, atau dokumen yang "
        "tertanam terlalu dalam) dan tidak diterima. Simpan ulang tanpa objek tertanam, atau "
        "sebagai PDF."
    ),
    "active_content": (
        "PDF ini berisi JavaScript atau tindakan otomatis, sehingga tidak diterima. Cetak ulang "
        "ke PDF baru, lalu unggah hasilnya."
    ),
    "embedded_file": (
        "PDF ini membawa berkas lain di dalamnya, sehingga tidak diterima. Hapus lampirannya, "
        "atau unggah dokumen-dokumen itu secara terpisah."
    ),
    "hidden_data": (
        "Gambar ini membawa data lain selain gambarnya, sehingga tidak diterima. Simpan ulang "
        "gambarnya, lalu unggah hasilnya."
    ),
}


class UnsupportedDocument(ValueError):
    """A file that is not one of the allowed documents, or is not safe to accept.

    ``code`` is a short machine code (see ``Reason``); ``message`` says why in English,
    ``message_id`` in Indonesian. ``str(err)`` is the English message.
    """

    def __init__(self, code: str, message: str, message_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_id = message_id or _ID_GENERIC.get(code, _ID_GENERIC["unsupported_type"])

    @property
    def reason_code(self) -> str:
        return self.code
