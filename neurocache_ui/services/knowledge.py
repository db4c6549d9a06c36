"""Agents' knowledge: uploaded .txt, .md and .pdf files (and images, known by
their file name and the description in their metadata), cut into passages and
found by full-text search when the agent replies. A question's words are OR-ed
(common English words dropped), so a passage ranks higher the more (and rarer)
words it shares; user text reaches the query language only as quoted \\w+ terms.
Functions taking `owner_id` see only that user's agents and documents."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from sqlmodel import Session

from neurocache_ui.domain import limits
from neurocache_ui.domain.chunking import chunk_text, normalize_text
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.infra import images
from neurocache_ui.infra.pdf_text import PdfError, PdfLimits, extract_pdf_text
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import KnowledgeDocument
from neurocache_ui.store.repositories import agents as agent_rows
from neurocache_ui.store.repositories import knowledge as repo

log = logging.getLogger(__name__)

AGENT_NOT_FOUND = "Agent not found."
DOCUMENT_NOT_FOUND = "Document not found."
UNAVAILABLE = "Knowledge documents are unavailable right now because the database is unreachable. Try again in a moment."
CONTENT_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
SUPPORTED = ".txt, .md or .pdf"
SUPPORTED_IMAGES = ".png, .jpg, .webp or .gif"
"""Images are found by their file name and metadata description only (_image_text)."""
SEARCH_LIMIT_MAX = 20
QUERY_WORDS_MAX = 32
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves please tell know""".split()
)


@dataclass(frozen=True)
class DocumentView:
    id: int
    agent_id: int
    filename: str
    content_type: str
    size_bytes: int
    chunk_count: int
    created_at: datetime


@dataclass(frozen=True)
class SearchHit:
    """A passage found for a query; higher `rank` is better (comparable within one search only)."""

    filename: str
    content: str
    rank: float
    document_id: int
    chunk_id: int
    ordinal: int


# ---------------------------------------------------------------- files to text


def clean_filename(filename: str) -> str:
    """The file's own name (no folders), printable, within the column's length."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in (".", ".."):
        raise Invalid("The file has no name. Choose a .txt, .md or .pdf file.", "file")
    maximum = limits.FILENAME_MAX
    if len(name) > maximum:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: maximum - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else name[:maximum]
    return name


def content_type_of(filename: str) -> str:
    suffix = PurePosixPath(filename.lower()).suffix
    content_type = CONTENT_TYPES.get(suffix)
    if content_type is None:
        shown = suffix or "files without an extension"
        raise Invalid(f"{filename} is not a supported document type ({shown}). Upload a {SUPPORTED} file.", "file")
    return content_type


_PDF_REFUSALS = {
    "not_pdf": "{name} is not a valid PDF file.",
    "encrypted": "{name} is password-protected. Upload a PDF without a password.",
    "damaged": "{name} could not be read as a PDF; it may be damaged.",
    "too_costly": (
        "{name} took too long or too much memory to read, so it was refused. "
        "Save it again as a PDF, or upload its text as a .txt file."
    ),
}


def _pdf_text(filename: str, data: bytes) -> str:
    """The whole text, or Invalid: a truncated text would leave the agent
    silently ignorant of the rest of the document."""
    limits = PdfLimits.from_settings()
    try:
        pdf = extract_pdf_text(data, limits)
    except PdfError as error:
        log.info("could not read PDF %r: %s", filename, error)
        raise Invalid(_PDF_REFUSALS[error.reason].format(name=filename), "file") from None
    if pdf.page_count > limits.max_pages:
        raise Invalid(
            f"{filename} has {pdf.page_count:,} pages; the limit is {limits.max_pages:,}. Split it into smaller files.",
            "file",
        )
    if pdf.truncated:
        raise Invalid(
            f"{filename} has more than {limits.max_chars:,} characters of text, the limit for a PDF. "
            "Split it into smaller files.",
            "file",
        )
    return pdf.text


def _plain_text(filename: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Invalid(f"{filename} is not readable text.", "file") from None
    if b"\x00" in data:
        raise Invalid(f"{filename} does not look like a text file. Upload a {SUPPORTED} file.", "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older Windows editors


def _image_text(filename: str, data: bytes) -> str:
    """What an image can be found by: its name (words split out) and the text in
    its metadata (PNG Description/Title, EXIF ImageDescription). Its pixels are
    not read: no captioning or OCR here."""
    images.check(data, filename)  # a real PNG, JPEG, WebP or GIF within the pixel limit (in a parse process)
    words = re.sub(r"[_\-.]+", " ", PurePosixPath(filename).stem).strip()
    return "\n".join(part for part in (f"Image: {filename} ({words})", images.metadata_text(data, filename)) if part)


def extract_text(filename: str, data: bytes) -> str:
    """A document's text, normalized; Invalid for unsupported or unreadable files."""
    content_type = content_type_of(filename)
    if content_type == "application/pdf":
        raw = _pdf_text(filename, data)
    elif content_type.startswith("image/"):
        raw = _image_text(filename, data)
    else:
        raw = _plain_text(filename, data)
    return normalize_text(raw)


# ---------------------------------------------------------------- documents


def _owned_agent(session: Session, owner_id: int, agent_id: int) -> None:
    if agent_rows.owned(session, owner_id, agent_id) is None:
        raise NotFound(AGENT_NOT_FOUND)


def _view(row: KnowledgeDocument) -> DocumentView:
    assert row.id is not None
    return DocumentView(
        id=row.id,
        agent_id=row.agent_id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        chunk_count=row.chunk_count,
        created_at=row.created_at,
    )


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def check_size(filename: str, size: int) -> None:
    """Invalid for an empty or too large file. Also called by the upload handler,
    which stops reading a file past the limit and so knows its size only from the
    multipart headers."""
    name = clean_filename(filename)
    limit = get_settings().max_upload_bytes
    if not size:
        raise Invalid(f"{name} is empty.", "file")
    if size > limit:
        raise Invalid(
            f"{name} is too large ({_size(size)}); the limit is {_size(limit)}. Split it into smaller files.",
            "file",
        )


def _passages(name: str, content_type: str, data: bytes) -> list[str]:
    chunks = chunk_text(extract_text(name, data))
    if not chunks:
        hint = " Scanned PDFs need text recognition (OCR) first." if content_type == "application/pdf" else ""
        raise Invalid(f"{name} contains no text to learn from.{hint}", "file")
    max_chunks = get_settings().knowledge_max_chunks
    if len(chunks) > max_chunks:
        raise Invalid(
            f"{name} is too long: it makes {len(chunks):,} passages; the limit is {max_chunks:,}. "
            "Split it into smaller files.",
            "file",
        )
    return chunks


def add_document(owner_id: int, agent_id: int, filename: str, data: bytes) -> DocumentView:
    """Store an uploaded file as the agent's knowledge and return it.

    Invalid (with `field="file"`) for: an unsupported type, an empty or too large
    file, a file with no readable text or too many passages, a PDF that is
    unreadable, password-protected, too long or too costly to read.
    NotFound for an agent that is not the owner's: checked before the (slow)
    text extraction, and again in the transaction that writes."""
    name = clean_filename(filename)
    content_type = content_type_of(name)
    check_size(name, len(data))
    with database_guard(UNAVAILABLE), session_scope() as session:
        _owned_agent(session, owner_id, agent_id)
    chunks = _passages(name, content_type, data)
    with database_guard(UNAVAILABLE), session_scope() as session:
        _owned_agent(session, owner_id, agent_id)
        document = KnowledgeDocument(
            agent_id=agent_id,
            owner_id=owner_id,
            filename=name,
            content_type=content_type,
            size_bytes=len(data),
            chunk_count=len(chunks),
        )
        view = _view(repo.insert_document(session, document, chunks))
    log.info("agent %s learned %s (%d chunks)", agent_id, name, len(chunks))
    return view


def list_documents(owner_id: int, agent_id: int) -> list[DocumentView]:
    """The agent's documents, newest first."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        _owned_agent(session, owner_id, agent_id)
        return [_view(row) for row in repo.documents_of(session, agent_id)]


def _owned_document(session: Session, owner_id: int, document_id: int) -> KnowledgeDocument:
    document = repo.owned_document(session, owner_id, document_id)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    return document


def get_document(owner_id: int, document_id: int) -> DocumentView:
    with database_guard(UNAVAILABLE), session_scope() as session:
        return _view(_owned_document(session, owner_id, document_id))


def delete_document(owner_id: int, document_id: int) -> None:
    """Forget a document and all its passages."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        repo.delete_document(session, _owned_document(session, owner_id, document_id))


# ---------------------------------------------------------------- search

_WORD = re.compile(r"\w+")


def query_terms(query: str) -> list[str]:
    """Distinct meaningful words of a question, lower-cased, in order (at most QUERY_WORDS_MAX)."""
    terms: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFC", query or "").lower()):
        word = word.strip("_")
        if len(word) < 2 or word in STOP_WORDS or word in terms:
            continue
        terms.append(word)
        if len(terms) == QUERY_WORDS_MAX:
            break
    return terms


def search(agent_id: int, query: str, limit: int = 4, *, owner_id: int | None = None) -> list[SearchHit]:
    """The agent's passages that best match `query`, best first ([] when
    nothing matches or the query has no meaningful words). With `owner_id`,
    an agent that is not that user's is NotFound."""
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    terms = query_terms(query)
    with database_guard(UNAVAILABLE), session_scope() as session:
        if owner_id is not None:
            _owned_agent(session, owner_id, agent_id)
        rows = repo.search(session, agent_id, terms, limit) if terms else []
    return [
        SearchHit(
            filename=row.filename,
            content=row.content,
            rank=float(row.score),
            document_id=row.document_id,
            chunk_id=row.id,
            ordinal=row.ordinal,
        )
        for row in rows
    ]


__all__ = [
    "DocumentView",
    "SearchHit",
    "add_document",
    "check_size",
    "delete_document",
    "extract_text",
    "get_document",
    "list_documents",
    "search",
]
