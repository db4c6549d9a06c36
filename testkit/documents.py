"""Documents written by hand for tests: PDFs of known text, and a PDF bomb."""

from __future__ import annotations

import zlib


def pdf_file(contents: list[bytes], *, page_count: int | None = None, flate: bool = False) -> bytes:
    """A minimal valid PDF whose page i draws contents[i % len(contents)] with
    Helvetica as /F1: several pages may share one content stream object. With
    `flate`, streams are FlateDecode-compressed."""
    page_count = page_count or len(contents)
    first_page = 4 + len(contents)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{first_page + i} 0 R' for i in range(page_count))}] /Count {page_count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for content in contents:
        data = zlib.compress(content, 9) if flate else content
        flate_filter = b" /Filter /FlateDecode" if flate else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), flate_filter) + data + b"\nendstream")
    for i in range(page_count):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {4 + i % len(contents)} 0 R >>".encode()
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_pdf(pages: list[str]) -> bytes:
    """One line of text per page."""
    escaped = [text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for text in pages]
    return pdf_file([f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() for text in escaped])


def large_pdf(text: str, size: int) -> bytes:
    """A PDF of about `size` bytes whose one page says `text`: the bulk is an
    incompressible stream object no page uses (a scanned attachment's weight, none of
    its parsing cost)."""
    import os

    small = make_pdf([text])
    padding = max(0, size - len(small) - 64)
    head, _, tail = small.partition(b"xref\n")
    count = int(tail.split(b"\n")[0].split()[1])  # "0 N": N-1 objects so far
    offsets = [int(line[:10]) for line in tail.split(b"\n")[2:count + 1]]
    extra = b"%d 0 obj\n<< /Length %d >>\nstream\n" % (count, padding) + os.urandom(padding) + b"\nendstream\nendobj\n"
    body = head + extra
    out = body + b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)
    for offset in [*offsets, len(head)]:
        out += b"%010d 00000 n \n" % offset
    root = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, len(body))
    return bytes(out + root)


def bomb_pdf(pages: int = 20) -> bytes:
    """A few KB that inflate to `pages` pages of 1 MB of drawing operators each
    (all pages share one compressed content stream): ~600,000 characters of text
    per page, and seconds of parsing."""
    line = b"BT /F1 12 Tf 72 720 Td (All work and no play makes Jack a dull boy.) Tj ET\n"
    content = (line * (1024 * 1024 // len(line) + 1))[: 1024 * 1024]
    return pdf_file([content], page_count=pages, flate=True)


def make_docx(title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A Word document: `title` as its Title paragraph, then the paragraphs (and a table)."""
    import io

    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pptx(slides: list[tuple[str, str]]) -> bytes:
    """A presentation: one (title, body) per slide."""
    import io

    from pptx import Presentation

    deck = Presentation()
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def make_xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook: one sheet per name, its rows (the first: headers)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_zip(files: dict[str, bytes], *, symlinks: dict[str, str] | None = None, encrypted: tuple[str, ...] = ()) -> bytes:
    """A .zip of `files` (name -> bytes, deflated), plus symbolic links (name -> target)
    and entries flagged as password-protected (their bytes stored as they are)."""
    import io
    import stat
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
        for name in encrypted:
            archive.writestr(name, b"\x00" * 64)
    data = bytearray(buffer.getvalue())
    for name in encrypted:  # zipfile cannot encrypt: set the "encrypted" flag as an encrypting archiver would
        central = _central_entry(data, name.encode())
        data[central + 8] |= 0x1
        local = int.from_bytes(data[central + 42 : central + 46], "little")
        data[local + 6] |= 0x1
    return bytes(data)


def _central_entry(data: bytearray, name: bytes) -> int:
    """The offset of the central directory entry of `name` in a zip."""
    offset = data.index(b"PK\x01\x02")
    while True:
        length = int.from_bytes(data[offset + 28 : offset + 30], "little")
        if data[offset + 46 : offset + 46 + length] == name:
            return offset
        extra = int.from_bytes(data[offset + 30 : offset + 32], "little")
        comment = int.from_bytes(data[offset + 32 : offset + 34], "little")
        offset += 46 + length + extra + comment


def zip_bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """A .zip of one text file of `size` spaces: ~1,000 times smaller than it unpacks."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("notes.txt", "w", force_zip64=True) as entry:
            block = b" " * (1024 * 1024)
            for _ in range(size // len(block)):
                entry.write(block)
    return buffer.getvalue()
