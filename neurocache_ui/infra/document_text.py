"""Text out of untrusted office and data files (.docx, .pptx, .xlsx, .csv, .json,
.jsonl) and HTML files, read in the confined parse processes (infra/parse_pool.py),
like PDFs: a crafted file can inflate (a .docx is a zip of XML) or nest without end,
and the parse process has CPU, memory and time limits for it.

Parsers: python-docx, python-pptx and openpyxl (read-only mode, values not
formulas), the standard library's csv and json, trafilatura for HTML (as for web
pages, infra/web/extract.py). Each file's title (its properties' title or first
heading) comes back separately, so it can lead the document's text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.ingestion import records_text, table_text
from neurocache_ui.infra import parse_pool

FORMATS = frozenset({"docx", "pptx", "xlsx", "csv", "json", "jsonl", "html"})
TEXT_ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass(frozen=True)
class DocumentText:
    title: str
    text: str
    truncated: bool


class DocumentError(Exception):
    """Not read: `reason` is "damaged", "too_costly" or "invalid" (with a `detail` for people)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def read_document(kind: str, data: bytes, limits: parse_pool.Limits, max_chars: int) -> DocumentText:
    """`data` read as `kind` (one of FORMATS) in a parse process; DocumentError if it cannot be.
    For code already in a thread (the knowledge worker's)."""
    try:
        header, parts = parse_pool.run_blocking("document", {"kind": kind, "max_chars": max_chars}, [data], limits)
    except parse_pool.ParseFailed as failed:
        reason = failed.reason if failed.reason in ("damaged", "invalid") else "too_costly"
        raise DocumentError(reason, failed.detail) from None
    return DocumentText(str(header.get("title", "")), parts[0].decode(), bool(header.get("truncated")))


# ---------------------------------------------------------------- in the parse process


def _decoded(data: bytes) -> str:
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _docx(data: bytes) -> tuple[str, str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    title = (document.core_properties.title or "").strip()
    blocks: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title" or style.startswith("Heading"):
            level = int(style.rsplit(" ", 1)[-1]) if style[-1:].isdigit() else 1
            title = title or text
            text = "#" * min(max(level, 1), 6) + " " + text
        blocks.append(text)
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        blocks.append(table_text(rows))
    return title, "\n\n".join(block for block in blocks if block)


def _pptx(data: bytes) -> tuple[str, str]:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    title = (deck.core_properties.title or "").strip()
    blocks: list[str] = []
    for number, slide in enumerate(deck.slides, start=1):
        heading = slide.shapes.title.text_frame.text.strip() if slide.shapes.title is not None else ""
        title = title or heading
        lines = [f"## Slide {number}" + (f": {heading}" if heading else "")]
        for shape in slide.shapes:
            if shape == slide.shapes.title:
                continue
            if shape.has_text_frame and shape.text_frame.text.strip():
                lines.append(shape.text_frame.text.strip())
            if getattr(shape, "has_table", False) and shape.has_table:
                lines.append(table_text([[cell.text for cell in row.cells] for row in shape.table.rows]))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text.strip()
            if notes:
                lines.append(f"Notes: {notes}")
        blocks.append("\n\n".join(lines))
    return title, "\n\n".join(blocks)


def _xlsx(data: bytes) -> tuple[str, str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        title = (book.properties.title or "").strip()
        sheets = [table_text(sheet.iter_rows(values_only=True), sheet.title) for sheet in book.worksheets]
    finally:
        book.close()
    return title, "\n\n".join(sheet for sheet in sheets if sheet)


def _csv(data: bytes) -> tuple[str, str]:
    text = _decoded(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return "", table_text(csv.reader(io.StringIO(text, newline=""), dialect))


def _json(data: bytes) -> tuple[str, str]:
    try:
        value = json.loads(_decoded(data))
    except json.JSONDecodeError as error:
        raise parse_pool.ParseFailed("invalid", f"is not valid JSON (line {error.lineno}: {error.msg})") from None
    title = str(value.get("title", "")).strip() if isinstance(value, dict) else ""
    return title, records_text(value if isinstance(value, list) else [value])


def _jsonl_records(text: str) -> Iterator[Any]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise parse_pool.ParseFailed("invalid", f"has a line that is not JSON (line {number}: {error.msg})") from None


def _jsonl(data: bytes) -> tuple[str, str]:
    return "", records_text(_jsonl_records(_decoded(data)))


def _html(data: bytes) -> tuple[str, str]:
    from neurocache_ui.infra.web.extract import html_task

    header, parts = html_task({}, [data])
    title = str(header.get("title", "")).strip()
    if not title and data.strip():  # trafilatura's baseline (short pages) keeps no title: <title>, else the first <h1>
        import lxml.html

        tree = lxml.html.fromstring(data)
        title = " ".join((tree.findtext(".//title") or "").split())
        if not title:
            heading = next(tree.iter("h1"), None)
            title = " ".join(heading.text_content().split()) if heading is not None else ""
    return title, parts[0].decode()


READERS = {"docx": _docx, "pptx": _pptx, "xlsx": _xlsx, "csv": _csv, "json": _json, "jsonl": _jsonl, "html": _html}


def document_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """The parse process's "document" task: ({"title", "truncated"}, [the text as UTF-8])."""
    reader = READERS.get(str(header.get("kind")))
    if reader is None:
        raise parse_pool.ParseFailed("invalid", "is not a format read here")
    try:
        title, text = reader(parts[0])
    except (parse_pool.ParseFailed, MemoryError, RecursionError):
        raise
    except Exception as error:  # the parsers raise many kinds of errors for damaged files
        raise parse_pool.ParseFailed("damaged", type(error).__name__) from None
    max_chars = int(header.get("max_chars", 1_000_000))
    return {"title": title[:500], "truncated": len(text) > max_chars}, [text[:max_chars].encode()]


__all__ = ["FORMATS", "DocumentError", "DocumentText", "document_task", "read_document"]
