"""Small, real documents for every test in the repo, built in memory as bytes.

Each builder returns the bytes of a minimal but valid file of its kind, the same bytes on
every call (fixed timestamps, no randomness), so two calls store as one document:

    from tests import samples
    path = tmp_path / "tor.pdf"
    path.write_bytes(samples.pdf("Kerangka Acuan Kerja"))

Allowed kinds: ``pdf``, ``png``, ``jpeg``, ``docx``, ``xlsx``, ``odt``, ``ods``
(``BY_MEDIA_TYPE`` maps each media type to its builder); ``docx_with_chart`` (a Word chart
whose data is an embedded workbook, or whatever part is embedded in its place) and
``ole_object`` (an embedded OLE object, with or without VBA macros). Hostile ones, each
refused by ``common.filetypes``: ``zip_bomb``, ``docm`` and ``xlsm`` (macro-enabled),
``disguised_exe``, ``encrypted_docx`` (password-protected ZIP), ``encrypted_office``
(password-protected Office file, as Office writes it), ``legacy_doc`` (Word 97-2003) and
``zip_of`` (any ZIP, for traversal names and nested archives). ``raw_zip`` writes a ZIP
field by field from ``RawEntry`` values, for archives ``zipfile`` refuses to write
(duplicate names, lying sizes).

The media types here are written out on purpose rather than imported from the code under
test, so a wrong constant there cannot make its own test pass.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

_WHEN = (2026, 1, 5, 9, 0, 0)  # every ZIP entry's timestamp, so output is deterministic

_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOC_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


# --- single-part formats ---------------------------------------------------------------


def pdf(text: str = "Draf Indikator Kinerja Utama Kementerian") -> bytes:
    """A one-page A4 PDF 1.4 showing ``text`` (one line per line) in Helvetica.

    Characters outside Windows-1252 print as "?". The cross-reference table carries exact
    byte offsets, so strict readers open it without repair.
    """
    return pdf_with(text=text)


def pdf_with(
    *,
    text: str = "Draf Indikator Kinerja Utama Kementerian",
    catalog: bytes = b"",
    page: bytes = b"",
    objects: Sequence[bytes] = (),
) -> bytes:
    """``pdf()`` with extra entries in the catalog and the page dictionaries, and extra
    objects numbered from 6 on (refer to them as ``6 0 R``, ...)."""
    lines = text.splitlines() or [""]
    shown = " T* ".join(f"({_pdf_string(line)}) Tj" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 770 Td {shown} ET".encode("cp1252", "replace")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R %s>>" % page,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        *objects,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


_ALERT = b"<< /Type /Action /S /JavaScript /JS (app.alert\\('IKU'\\);) >>"
_PAYLOAD = b"<< /Type /EmbeddedFile /Length 11 >>\nstream\nhalo dunia!\nendstream"


def pdf_with_javascript(where: str = "open_action") -> bytes:
    """A PDF that runs JavaScript: on opening (``open_action``), from the document-level
    name tree (``names``), when its page is viewed (``page_action``), or from a link
    annotation the reader clicks (``link``)."""
    if where == "open_action":
        return pdf_with(catalog=b"/OpenAction 6 0 R ", objects=[_ALERT])
    if where == "names":
        return pdf_with(
            catalog=b"/Names << /JavaScript 7 0 R >> ",
            objects=[_ALERT, b"<< /Names [(iku) 6 0 R] >>"],
        )
    if where == "page_action":
        return pdf_with(page=b"/AA << /O 6 0 R >> ", objects=[_ALERT])
    if where == "link":
        return pdf_with(
            page=b"/Annots [7 0 R] ",
            objects=[
                _ALERT,
                b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A 6 0 R >>",
            ],
        )
    raise ValueError(where)


def pdf_with_automatic_action() -> bytes:
    """A PDF whose page runs a (harmless-looking) go-to action whenever it is opened."""
    return pdf_with(page=b"/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >> ")


def pdf_with_embedded_file(how: str = "names") -> bytes:
    """A PDF carrying a file: in the document's ``/EmbeddedFiles`` name tree (``names``),
    or as a file-attachment annotation on its page (``annotation``)."""
    spec = b"<< /Type /Filespec /F (catatan.txt) /UF (catatan.txt) /EF << /F 6 0 R >> >>"
    if how == "names":
        return pdf_with(
            catalog=b"/Names << /EmbeddedFiles << /Names [(catatan.txt) 7 0 R] >> >> ",
            objects=[_PAYLOAD, spec],
        )
    if how == "annotation":
        return pdf_with(
            page=b"/Annots [8 0 R] ",
            objects=[
                _PAYLOAD,
                spec,
                b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 700 90 720] /FS 7 0 R >>",
            ],
        )
    raise ValueError(how)


def encrypted_pdf(user_password: str = "") -> bytes:
    """``pdf()`` encrypted by qpdf (AES-256); an empty user password opens without asking."""
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf())) as document:
        document.save(out, encryption=pikepdf.Encryption(owner="pemilik", user=user_password))
    return out.getvalue()


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def png(width: int = 2, height: int = 2, *, extra: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    """An 8-bit RGB PNG of ``width`` x ``height`` pixels (a small colour gradient), with the
    ``extra`` chunks (kind, data) before its end."""
    if width < 1 or height < 1:
        raise ValueError("a PNG needs at least one pixel")
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">LLBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows, 9))
        + b"".join(png_chunk(kind, data) for kind, data in extra)
        + png_chunk(b"IEND", b"")
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">L", len(data)) + kind + data + struct.pack(">L", zlib.crc32(kind + data))


def png_undecodable() -> bytes:
    """A PNG whose chunks are whole but whose pixel data is not a deflate stream."""
    broken = b"\x78\x9c" + b"\x00" * 16  # a zlib header, then no valid deflate stream
    header = png(2, 2)[8:33]
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", broken) + png_chunk(b"IEND", b"")


def png_with_text(text: str, *, compressed: bool = False) -> bytes:
    """``png()`` with a ``Comment`` text chunk (``zTXt`` when ``compressed``)."""
    if compressed:
        return png(extra=[(b"zTXt", b"Comment\x00\x00" + zlib.compress(text.encode("latin-1")))])
    return png(extra=[(b"tEXt", b"Comment\x00" + text.encode("latin-1"))])


def jpeg(width: int = 8, height: int = 8, *, comment: bytes | None = None) -> bytes:
    """A baseline JFIF JPEG: a uniform mid-grey greyscale image.

    Encoded by hand: every 8x8 block has a zero DC difference and no AC coefficients, so
    with one-symbol Huffman tables each block is the two bits "00" (DC category 0, then
    end-of-block). Decoders show a grey (128) image of the given size. ``comment`` adds a
    COM segment after the JFIF header.
    """
    if not (1 <= width <= 0xFFFF and 1 <= height <= 0xFFFF):
        raise ValueError("width and height must be 1..65535")

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    blocks = -(-width // 8) * -(-height // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)  # pad the last byte with ones, as the standard says
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big")
    one_code = bytes([1] + [0] * 15)  # one code of length 1
    return b"".join(
        (
            b"\xff\xd8",
            segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            b"" if comment is None else segment(0xFE, comment),
            segment(0xDB, b"\x00" + bytes([1] * 64)),
            segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
            segment(0xC4, b"\x00" + one_code + b"\x00"),  # DC table 0: category 0
            segment(0xC4, b"\x10" + one_code + b"\x00"),  # AC table 0: end of block
            segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            scan,
            b"\xff\xd9",
        )
    )


# --- office documents ------------------------------------------------------------------


def _zip(members: Sequence[tuple[str, bytes | str]], *, stored: Sequence[str] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_WHEN)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _content_types(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> str:
    merged = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
        **(defaults or {}),
    }
    return (
        _XML_DECL
        + f'<Types xmlns="{_CT_NS}">'
        + "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in merged.items())
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides.items())
        + "</Types>"
    )


def _relationships(*rels: tuple[str, str, str]) -> str:
    return (
        _XML_DECL
        + f'<Relationships xmlns="{_REL_NS}">'
        + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
        + "</Relationships>"
    )


def _word_document(text: str) -> str:
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in (text.splitlines() or [""])
    )
    return _XML_DECL + f'<w:document xmlns:w="{_W_NS}"><w:body>{paragraphs}</w:body></w:document>'


def _docx_parts(text: str, main_type: str = DOCX_MAIN) -> list[tuple[str, bytes | str]]:
    return [
        ("[Content_Types].xml", _content_types({"/word/document.xml": main_type})),
        ("_rels/.rels", _relationships(("rId1", _OFFICE_DOC_REL, "word/document.xml"))),
        ("word/document.xml", _word_document(text)),
    ]


def docx(text: str = "Draf Indikator Kinerja Utama Kementerian") -> bytes:
    """A Word document (.docx) with one paragraph per line of ``text``."""
    return _zip(_docx_parts(text))


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


Rows = Sequence[Sequence[str | int | float]]


def xlsx(rows: Rows = (("Indikator", "Target"), ("Tingkat pengangguran", 4.5))) -> bytes:
    """An Excel workbook (.xlsx) with one sheet, "IKU", holding ``rows``."""
    return _zip(_xlsx_parts(rows))


def _xlsx_parts(rows: Rows, main_type: str = XLSX_MAIN) -> list[tuple[str, bytes | str]]:
    cells = []
    for r, row in enumerate(rows, start=1):
        values = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                text = escape(str(value))
                values.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
            else:
                values.append(f'<c r="{ref}"><v>{value!r}</v></c>')
        cells.append(f'<row r="{r}">{"".join(values)}</row>')
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    worksheet_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    return [
        (
            "[Content_Types].xml",
            _content_types(
                {
                    "/xl/workbook.xml": main_type,
                    "/xl/worksheets/sheet1.xml": sheet_type,
                }
            ),
        ),
        ("_rels/.rels", _relationships(("rId1", _OFFICE_DOC_REL, "xl/workbook.xml"))),
        (
            "xl/workbook.xml",
            _XML_DECL + f'<workbook xmlns="{_S_NS}" xmlns:r="{_R_NS}">'
            '<sheets><sheet name="IKU" sheetId="1" r:id="rId1"/></sheets></workbook>',
        ),
        (
            "xl/_rels/workbook.xml.rels",
            _relationships(("rId1", worksheet_rel, "worksheets/sheet1.xml")),
        ),
        (
            "xl/worksheets/sheet1.xml",
            _XML_DECL
            + f'<worksheet xmlns="{_S_NS}"><sheetData>'
            + "".join(cells)
            + "</sheetData></worksheet>",
        ),
    ]


_CHART_ROWS: Rows = (("Indikator", "Target"), ("IKU 1", 4.5), ("IKU 2", 80.0), ("IKU 3", 12))
# The content type Word declares for each kind of part it embeds, by extension.
_EMBEDDED_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "bin": "application/vnd.openxmlformats-officedocument.oleObject",
}


def docx_with_chart(
    embedded: bytes | None = None, name: str = "Microsoft_Excel_Worksheet.xlsx"
) -> bytes:
    """A Word document with a column chart, as Word saves one.

    The chart's data lives in ``word/embeddings/<name>``: by default a workbook holding the
    plotted rows, or ``embedded`` as given (another workbook, a document, any bytes). The
    document refers to the chart, and the chart to the embedded part, by relationships, and
    ``[Content_Types].xml`` declares both.
    """
    ext = name.rsplit(".", 1)[-1].lower()
    chart_type = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    document = (
        _XML_DECL + f'<w:document xmlns:w="{_W_NS}" xmlns:r="{_R_NS}" xmlns:wp="{_WP_NS}" '
        f'xmlns:a="{_A_NS}" xmlns:c="{_C_NS}"><w:body>'
        "<w:p><w:r><w:t>Capaian Indikator Kinerja Utama</w:t></w:r></w:p>"
        '<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        '<wp:extent cx="5486400" cy="3200400"/><wp:docPr id="1" name="Chart 1"/>'
        f'<a:graphic><a:graphicData uri="{_C_NS}"><c:chart r:id="rId1"/></a:graphicData>'
        "</a:graphic></wp:inline></w:drawing></w:r></w:p></w:body></w:document>"
    )
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    {"/word/document.xml": DOCX_MAIN, "/word/charts/chart1.xml": chart_type},
                    {ext: _EMBEDDED_TYPES.get(ext, "application/octet-stream")},
                ),
            ),
            ("_rels/.rels", _relationships(("rId1", _OFFICE_DOC_REL, "word/document.xml"))),
            ("word/document.xml", document),
            (
                "word/_rels/document.xml.rels",
                _relationships(("rId1", rel + "chart", "charts/chart1.xml")),
            ),
            ("word/charts/chart1.xml", _chart(_CHART_ROWS)),
            (
                "word/charts/_rels/chart1.xml.rels",
                _relationships(("rId1", rel + "package", f"../embeddings/{name}")),
            ),
            (f"word/embeddings/{name}", xlsx(_CHART_ROWS) if embedded is None else embedded),
        ]
    )


def _chart(rows: Rows) -> str:
    """A clustered column chart of ``rows`` (a header row, then label and value), with the
    cached values Word shows until someone edits the data in the embedded workbook."""
    last = len(rows)

    def points(values: Sequence[object]) -> str:
        return f'<c:ptCount val="{len(values)}"/>' + "".join(
            f'<c:pt idx="{i}"><c:v>{escape(str(v))}</c:v></c:pt>' for i, v in enumerate(values)
        )

    def axis(kind: str, axis_id: int, position: str, crosses: int) -> str:
        return (
            f'<c:{kind}><c:axId val="{axis_id}"/><c:scaling><c:orientation val="minMax"/>'
            f'</c:scaling><c:delete val="0"/><c:axPos val="{position}"/>'
            f'<c:crossAx val="{crosses}"/></c:{kind}>'
        )

    return (
        _XML_DECL + f'<c:chartSpace xmlns:c="{_C_NS}" xmlns:a="{_A_NS}" xmlns:r="{_R_NS}">'
        '<c:chart><c:autoTitleDeleted val="1"/><c:plotArea><c:layout/><c:barChart>'
        '<c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        '<c:ser><c:idx val="0"/><c:order val="0"/>'
        f"<c:tx><c:strRef><c:f>IKU!$B$1</c:f><c:strCache>{points([rows[0][1]])}"
        "</c:strCache></c:strRef></c:tx>"
        f"<c:cat><c:strRef><c:f>IKU!$A$2:$A${last}</c:f><c:strCache>"
        f"{points([r[0] for r in rows[1:]])}</c:strCache></c:strRef></c:cat>"
        f"<c:val><c:numRef><c:f>IKU!$B$2:$B${last}</c:f><c:numCache>"
        f"<c:formatCode>General</c:formatCode>{points([r[1] for r in rows[1:]])}"
        "</c:numCache></c:numRef></c:val></c:ser>"
        '<c:axId val="500000001"/><c:axId val="500000002"/></c:barChart>'
        + axis("catAx", 500000001, "b", 500000002)
        + axis("valAx", 500000002, "l", 500000001)
        + '</c:plotArea><c:plotVisOnly val="1"/></c:chart>'
        '<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>'
    )


_ODF_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}


def _odf(media_type: str, body: str) -> bytes:
    namespaces = " ".join(f'xmlns:{k}="{v}"' for k, v in _ODF_NS.items() if k != "manifest")
    content = (
        _XML_DECL + f'<office:document-content {namespaces} office:version="1.2">'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    manifest = (
        _XML_DECL + f'<manifest:manifest xmlns:manifest="{_ODF_NS["manifest"]}" '
        'manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        f'manifest:media-type="{media_type}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    # The ODF rule: "mimetype" first, stored, so its type sits at a fixed offset.
    return _zip(
        [("mimetype", media_type), ("content.xml", content), ("META-INF/manifest.xml", manifest)],
        stored=("mimetype",),
    )


def odt(text: str = "Draf Indikator Kinerja Utama Kementerian") -> bytes:
    """An OpenDocument text (.odt) with one paragraph per line of ``text``."""
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in (text.splitlines() or [""]))
    return _odf(
        "application/vnd.oasis.opendocument.text", f"<office:text>{paragraphs}</office:text>"
    )


def ods(
    rows: Sequence[Sequence[str]] = (("Indikator", "Target"), ("Tingkat pengangguran", "4,5")),
) -> bytes:
    """An OpenDocument spreadsheet (.ods) with one sheet, "IKU", holding ``rows`` as text."""
    table_rows = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p>'
            "</table:table-cell>"
            for v in row
        )
        + "</table:table-row>"
        for row in rows
    )
    return _odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        f'<office:spreadsheet><table:table table:name="IKU">{table_rows}</table:table>'
        "</office:spreadsheet>",
    )


BY_MEDIA_TYPE: dict[str, Callable[[], bytes]] = {
    "application/pdf": pdf,
    "image/png": png,
    "image/jpeg": jpeg,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": docx,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": xlsx,
    "application/vnd.oasis.opendocument.text": odt,
    "application/vnd.oasis.opendocument.spreadsheet": ods,
}


# --- hostile files ---------------------------------------------------------------------


def docm(text: str = "Draf dengan makro") -> bytes:
    """A macro-enabled Word document (.docm) carrying a VBA project part."""
    parts = _docx_parts(text, DOCM_MAIN)
    parts[0] = (
        "[Content_Types].xml",
        _content_types(
            {"/word/document.xml": DOCM_MAIN},
            {"bin": "application/vnd.ms-office.vbaProject"},
        ),
    )
    vba_rel = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
    parts += [
        ("word/_rels/document.xml.rels", _relationships(("rId1", vba_rel, "vbaProject.bin"))),
        ("word/vbaProject.bin", _vba_project()),
    ]
    return _zip(parts)


def _vba_project() -> bytes:
    return _cfb({"VBA": b'Attribute VB_Name = "Module1"\r\n' * 150})


def xlsm(rows: Rows = (("Indikator", "Target"), ("IKU 1", 4.5))) -> bytes:
    """A macro-enabled Excel workbook (.xlsm) carrying a VBA project part."""
    parts = _xlsx_parts(rows, XLSM_MAIN)
    parts[0] = (
        "[Content_Types].xml",
        _content_types(
            {
                "/xl/workbook.xml": XLSM_MAIN,
                "/xl/worksheets/sheet1.xml": (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
                ),
            },
            {"bin": "application/vnd.ms-office.vbaProject"},
        ),
    )
    vba_rel = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
    worksheet_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    parts[3] = (
        "xl/_rels/workbook.xml.rels",
        _relationships(
            ("rId1", worksheet_rel, "worksheets/sheet1.xml"),
            ("rId2", vba_rel, "vbaProject.bin"),
        ),
    )
    parts.append(("xl/vbaProject.bin", _vba_project()))
    return _zip(parts)


def disguised_exe() -> bytes:
    """A Windows executable header (MZ, DOS stub, PE signature): a program, not a document."""
    dos = bytearray(128)
    dos[0:2] = b"MZ"
    dos[0x3C:0x40] = struct.pack("<L", 0x80)  # e_lfanew: where the PE header starts
    dos[0x40 : 0x40 + 39] = b"This program cannot be run in DOS mode."
    pe = b"PE\x00\x00" + struct.pack("<HHLLLHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x102)
    return bytes(dos) + pe + bytes(256)


def zip_of(members: dict[str, bytes | str]) -> bytes:
    """A plain ZIP holding ``members`` as given (names are not cleaned: "../evil" stays)."""
    return _zip(list(members.items()))


@dataclass(frozen=True)
class RawEntry:
    name: str
    data: bytes  # as stored (compressed, or encrypted)
    size: int  # uncompressed
    crc: int
    method: int
    flags: int = 0

    @classmethod
    def of(cls, name: str, data: bytes | str, *, stored: bool = False) -> RawEntry:
        """An honest entry: ``data`` deflated (or stored), with its true size and CRC."""
        raw = data.encode() if isinstance(data, str) else data
        if stored:
            return cls(name, raw, len(raw), zlib.crc32(raw), zipfile.ZIP_STORED)
        return cls(name, _deflated(raw), len(raw), zlib.crc32(raw), zipfile.ZIP_DEFLATED)


def raw_zip(entries: Sequence[RawEntry]) -> bytes:
    """A ZIP written field by field, for what ``zipfile`` will not write."""
    dos_time = (_WHEN[3] << 11) | (_WHEN[4] << 5) | (_WHEN[5] // 2)
    dos_date = ((_WHEN[0] - 1980) << 9) | (_WHEN[1] << 5) | _WHEN[2]
    out = bytearray()
    directory = bytearray()
    for e in entries:
        name = e.name.encode()
        fields = (20, e.flags, e.method, dos_time, dos_date, e.crc, len(e.data), e.size, len(name))
        directory += (
            struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0o644 << 16, len(out)
            )
            + name
        )
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + name + e.data
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(out), 0
    )
    return bytes(out + directory + end)


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@lru_cache(maxsize=8)
def zip_bomb(unpacked_mib: int = 256) -> bytes:
    """A .docx-shaped ZIP whose image part inflates to ``unpacked_mib`` MiB of zeros.

    About 1 KiB per MiB (deflate's best ratio is about 1000:1); built in well under a
    second by repeating one independently compressed 1 MiB block, and cached.
    """
    block = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    # After a full flush the compressor starts afresh, so one compressed block stands
    # for every block; the final flush closes the stream.
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = one * unpacked_mib + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(unpacked_mib):
        crc = zlib.crc32(block, crc)
    entries = [RawEntry.of(name, data) for name, data in _docx_parts("Lampiran")]
    entries.append(
        RawEntry(
            "word/media/image1.png", stream, unpacked_mib * len(block), crc, zipfile.ZIP_DEFLATED
        )
    )
    return raw_zip(entries)


def _zipcrypto(data: bytes, password: bytes, check_byte: int) -> bytes:
    """Traditional PKWARE encryption (APPNOTE 6.1), the "password" of most ZIP tools."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def crc_byte(crc: int, byte: int) -> int:
        return zlib.crc32(bytes((byte,)), crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def update(byte: int) -> None:
        keys[0] = crc_byte(keys[0], byte)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc_byte(keys[2], keys[1] >> 24)

    for byte in password:
        update(byte)
    out = bytearray()
    # Twelve header bytes, the last one a check byte: the high byte of the CRC.
    for plain in bytes(range(11)) + bytes((check_byte,)) + data:
        temp = (keys[2] | 2) & 0xFFFF
        out.append(plain ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(plain)
    return bytes(out)


def encrypted_docx(password: str = "rahasia") -> bytes:
    """A .docx whose ZIP entries are encrypted with ``password`` (ZipCrypto)."""
    entries = []
    for name, data in _docx_parts("Rahasia"):
        raw = data.encode() if isinstance(data, str) else data
        crc = zlib.crc32(raw)
        sealed = _zipcrypto(_deflated(raw), password.encode(), crc >> 24)
        entries.append(RawEntry(name, sealed, len(raw), crc, zipfile.ZIP_DEFLATED, flags=1))
    return raw_zip(entries)


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3) holding ``streams`` (at most 3).

    Streams are padded to the 4 KiB mini-stream cutoff so all live in regular sectors and
    no mini FAT is needed.
    """
    if len(streams) > 3:
        raise ValueError("one directory sector holds the root and three streams")
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    # Readers search the directory tree by (length, upper-case name): keep it in that order.
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    fat = [fat_sector, end_of_chain]  # sector 0: the FAT; sector 1: the directory
    body = bytearray()
    starts = []
    for name in names:
        data = streams[name].ljust(4096, b"\x00")
        data += bytes(-len(data) % 512)
        count = len(data) // 512
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end_of_chain]
        body += data
    if len(fat) > 128:
        raise ValueError("the streams do not fit one FAT sector")
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return struct.pack(
            "<64sHBBLLL16sL8s8sLQ",
            encoded,
            len(encoded),
            kind,
            1,
            no_stream,
            right,
            child,
            bytes(16),
            0,
            bytes(8),
            bytes(8),
            start,
            size,
        )

    directory = entry("Root Entry", 5, 1 if names else no_stream, no_stream, end_of_chain, 0)
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else no_stream
        directory += entry(
            name, 2, no_stream, right, starts[index - 1], max(len(streams[name]), 4096)
        )
    while len(directory) < 512:
        directory += struct.pack(
            "<64sHBBLLL16sL8s8sLQ",
            b"",
            0,
            0,
            0,
            no_stream,
            no_stream,
            no_stream,
            bytes(16),
            0,
            bytes(8),
            bytes(8),
            0,
            0,
        )
    header = struct.pack(
        "<8s16s5H6s9L",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        1,
        1,
        0,
        4096,
        end_of_chain,
        0,
        end_of_chain,
        0,
    )
    header += struct.pack("<109L", 0, *([free] * 108))
    return header + struct.pack("<128L", *fat) + directory + bytes(body)


def encrypted_office() -> bytes:
    """A password-protected .docx as Office saves it: a compound file, not a ZIP."""
    return _cfb(
        {
            "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>",
            "EncryptedPackage": struct.pack("<Q", 4096) + bytes(range(256)) * 16,
        }
    )


def ole_object(payload: bytes = b"Catatan rapat koordinasi\r\n", *, macros: bool = False) -> bytes:
    """An embedded OLE object (``word/embeddings/oleObject1.bin``) as Word stores one.

    A Package object: ``payload`` wrapped as the file "catatan.txt" in an ``\\x01Ole10Native``
    stream. With ``macros``, it also carries the ``_VBA_PROJECT`` stream of a VBA project,
    as an embedded Word 97-2003 document or Excel 97-2003 workbook with macros does.
    """
    name = b"catatan.txt"
    temp = b"C:\\Users\\staf\\AppData\\Local\\Temp\\" + name
    native = (
        struct.pack("<H", 2)
        + name
        + b"\x00"
        + name
        + b"\x00"
        + struct.pack("<HH", 0, 3)
        + struct.pack("<L", len(temp) + 1)
        + temp
        + b"\x00"
        + struct.pack("<L", len(payload))
        + payload
    )
    streams = {"\x01Ole10Native": struct.pack("<L", len(native)) + native}
    if macros:
        streams["_VBA_PROJECT"] = b"\xcc\x61\xff\xff\x00" + bytes(2)
    return _cfb(streams)


def legacy_doc() -> bytes:
    """A Word 97-2003 (.doc) style compound file."""
    return _cfb({"WordDocument": b"\xec\xa5\xc1\x00" + bytes(508)})


class Unseekable(io.RawIOBase):
    """A write-only stream, like a socket or a pipe: what a zip written without seeking
    (data descriptors after each entry) is written into."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        self.data += b
        return len(b)
