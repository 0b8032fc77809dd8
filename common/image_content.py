"""A PNG or JPEG is an image and nothing else: decoded in full, with nothing hidden.

``check_image`` is called by ``common.filetypes`` once the first bytes say PNG or JPEG.
Three things are checked:

- the file ends where the image ends: the bytes after a PNG's ``IEND`` chunk or a JPEG's
  end-of-image marker are where an appended ZIP, PDF or HTML page hides (a "polyglot" that
  another program opens as something else);
- the metadata (PNG chunks other than pixel data, JPEG APPn and comment segments, and the
  text Pillow decompresses from them) holds no HTML, script, PDF or ZIP;
- Pillow decodes the whole image (``verify()``, then ``load()``), within a pixel budget so
  a small file cannot unpack into gigabytes.
"""

from __future__ import annotations

import mmap
import re
import struct
import warnings
from typing import BinaryIO, Final

from PIL import Image, UnidentifiedImageError

from common.unsupported import UnsupportedDocument

# 50 megapixels: more than any phone or scanner page at 600 dpi (A4 is 35 MP), and a
# decoded RGB image of at most 150 MB.
MAX_PIXELS: Final = 50_000_000

# What another program would recognise as a document of its own, in the bytes we scan.
_FOREIGN: Final = re.compile(
    rb"(?i)<\s*(?:html|head|body|script|iframe|svg|object|embed|meta|!doctype)\b"
    rb"|<\?php|javascript:|%PDF-|PK\x03\x04|PK\x05\x06|PK\x01\x02"
)
_PNG_PIXEL_CHUNKS: Final = frozenset({b"IDAT", b"fdAT"})
# JPEG markers without a length: TEM and the restart markers inside entropy-coded data.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})
_NEXT_MARKER: Final = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def check_image(handle: BinaryIO, size: int, kind: str) -> None:
    """Raise ``UnsupportedDocument`` unless the PNG or JPEG (``kind``) is a clean image."""
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = _png_end(data) if kind == "png" else _jpeg_end(data)
        if end != size:
            raise _hidden_data()
    handle.seek(0)
    _decode(handle)


def _png_end(data: mmap.mmap) -> int:
    """Where the IEND chunk ends; scans every chunk but the pixel data on the way."""
    pos = 8
    while True:
        if pos + 12 > len(data):
            raise _damaged()
        length, kind = struct.unpack(">L4s", data[pos : pos + 8])
        body_end = pos + 8 + length
        if body_end + 4 > len(data):
            raise _damaged()
        if kind not in _PNG_PIXEL_CHUNKS and _FOREIGN.search(data, pos + 8, body_end):
            raise _hidden_data()
        pos = body_end + 4
        if kind == b"IEND":
            return pos


def _jpeg_end(data: mmap.mmap) -> int:
    """Where the end-of-image marker ends; scans every segment but the pixel data."""
    pos = 2
    while True:
        if pos + 2 > len(data) or data[pos] != 0xFF:
            raise _damaged()
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > len(data):
            raise _damaged()
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment_end = pos + 2 + length
        if length < 2 or segment_end > len(data):
            raise _damaged()
        if _FOREIGN.search(data, pos + 4, segment_end):
            raise _hidden_data()
        pos = segment_end
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next marker
            found = _NEXT_MARKER.search(data, pos)
            if found is None:
                raise _damaged()
            pos = found.start()


def _decode(handle: BinaryIO) -> None:
    too_large = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                too_large = image.width * image.height > MAX_PIXELS
                if not too_large:
                    image.verify()
            if not too_large:
                handle.seek(0)
                with Image.open(handle) as image:
                    image.load()
                    texts = [v for v in image.info.values() if isinstance(v, str | bytes)]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _too_large() from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as err:
        raise _damaged() from err
    if too_large:
        raise _too_large()
    for text in texts:
        raw = text.encode("utf-8", "replace") if isinstance(text, str) else text
        if _FOREIGN.search(raw):
            raise _hidden_data()


def _hidden_data() -> UnsupportedDocument:
    return UnsupportedDocument(
        "hidden_data",
        "The image carries other data besides the picture (for example a web page or an "
        "archive appended to it), and is not accepted. Open the image and save it again "
        "(or take a screenshot), then upload that.",
        "Gambar ini membawa data lain selain gambarnya (misalnya halaman web atau arsip yang "
        "ditempelkan), sehingga tidak diterima. Buka gambar lalu simpan ulang (atau ambil "
        "tangkapan layar), kemudian unggah hasilnya.",
    )


def _damaged() -> UnsupportedDocument:
    return UnsupportedDocument(
        "corrupt",
        "The image is damaged or incomplete and cannot be shown. Save it again and upload that.",
        "Gambar ini rusak atau tidak lengkap sehingga tidak dapat ditampilkan. Simpan ulang, "
        "lalu unggah hasilnya.",
    )


def _too_large() -> UnsupportedDocument:
    return UnsupportedDocument(
        "zip_bomb",
        f"The image is too large when opened (more than {MAX_PIXELS // 1_000_000} million "
        "pixels). Reduce its size and upload it again.",
        f"Gambar ini terlalu besar saat dibuka (lebih dari {MAX_PIXELS // 1_000_000} juta "
        "piksel). Perkecil ukurannya, lalu unggah kembali.",
    )
