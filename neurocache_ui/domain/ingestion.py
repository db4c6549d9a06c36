"""Rules of knowledge ingestion that need no I/O: a document's statuses, which names
in a .zip are refused (path tricks), how table rows and JSON records become findable
text ("key: value" lines), and which links a crawl may follow (the same site only)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

QUEUED = "queued"
READING = "reading"
EMBEDDING = "embedding"
READY = "ready"
FAILED = "failed"
STATUSES = (QUEUED, READING, EMBEDDING, READY, FAILED)
PENDING = frozenset({QUEUED, READING, EMBEDDING})
"""Statuses a document is still moving through (the page keeps polling while any is)."""

CRAWLING = "crawling"
DONE = "done"

ZIP_RATIO_MAX = 200
"""The most one .zip entry may inflate (uncompressed / compressed) once it is over
ZIP_RATIO_FROM bytes: text compresses 3-10x, a bomb by thousands."""
ZIP_RATIO_FROM = 1024 * 1024
VALUE_CHARS_MAX = 2000
"""A single cell or JSON value is cut here: one value is one line of a passage."""
FLATTEN_DEPTH_MAX = 20


def member_refusal(name: str) -> str | None:
    """Why a .zip entry's name is refused (None: fine): absolute paths, drive letters,
    `..` steps and empty names could write or read outside where they belong."""
    if not name or "\x00" in name:
        return "has no usable name"
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        return "has an absolute path"
    if ".." in unified.split("/"):
        return "has a path that climbs out of the archive (..)"
    return None


def member_path(name: str) -> str:
    """The entry's path inside the archive, normalized (a name in the document list)."""
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


def _value(value: Any) -> str:
    text = " ".join(str(value).split())
    return text[:VALUE_CHARS_MAX]


def row_text(headers: Sequence[str], row: Sequence[Any]) -> str:
    """A table row as "header: value" lines (empty cells left out), so a row is a findable passage."""
    lines = []
    for index, cell in enumerate(row):
        if cell is None or str(cell).strip() == "":
            continue
        header = headers[index].strip() if index < len(headers) and str(headers[index]).strip() else f"column {index + 1}"
        lines.append(f"{header}: {_value(cell)}")
    return "\n".join(lines)


def table_text(rows: Iterable[Sequence[Any]], title: str = "") -> str:
    """A table (first row: headers) as one blank-line-separated block per row."""
    iterator = iter(rows)
    headers = [str(cell if cell is not None else "").strip() for cell in next(iterator, [])]
    blocks = [row_text(headers, row) for row in iterator]
    body = "\n\n".join(block for block in blocks if block)
    if not body and any(headers):
        body = ", ".join(header for header in headers if header)
    return f"# {title}\n\n{body}" if title and body else body


def flatten(value: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """A JSON value as "key: value" lines: nested keys joined with dots, list items
    numbered from 1, lists of plain values on one line."""
    if depth > FLATTEN_DEPTH_MAX:
        return [f"{prefix}: {_value(value)}"] if prefix else [_value(value)]
    if isinstance(value, dict):
        lines: list[str] = []
        for key, item in value.items():
            lines += flatten(item, f"{prefix}.{key}" if prefix else str(key), depth + 1)
        return lines
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            joined = ", ".join(_value(item) for item in value if item is not None)
            return [f"{prefix}: {joined}" if prefix else joined] if joined else []
        lines = []
        for number, item in enumerate(value, start=1):
            lines += flatten(item, f"{prefix}[{number}]" if prefix else f"[{number}]", depth + 1)
        return lines
    if value is None or value == "":
        return []
    return [f"{prefix}: {_value(value)}" if prefix else _value(value)]


def records_text(records: Iterable[Any]) -> str:
    """JSON records (a list's items, a JSONL file's lines) as one block each."""
    return "\n\n".join(block for block in ("\n".join(flatten(record)) for record in records) if block)


def crawl_link(base: str, href: str, start: str) -> str | None:
    """The absolute URL `href` (found on page `base`) points to, without its fragment,
    if a crawl from `start` may follow it: http(s), the same scheme, host and port."""
    href = (href or "").strip()
    if not href or href.startswith(("mailto:", "javascript:", "tel:", "data:")):
        return None
    url, _fragment = urldefrag(urljoin(base, href))
    target, origin = urlsplit(url), urlsplit(start)
    if target.scheme not in ("http", "https"):
        return None
    if (target.scheme, target.hostname, target.port) != (origin.scheme, origin.hostname, origin.port):
        return None
    return url
