"""Agents' knowledge: uploaded documents, cut into passages, found by full-text search.

An owner uploads .txt, .md or .pdf files to one of their agents
(`add_document`). The text is extracted (PDFs by core.pdf_text, in a confined
child process with page, character, time and memory limits), cut into passages of
about `CHUNK_CHARS` characters on paragraph, line and sentence boundaries, with
a short overlap so a fact split across a boundary is still found, and stored as
knowledge_chunk rows. When the agent replies, `search` returns the passages
that best match the message it answers; core.prompt puts them, numbered and
named, into the system message for the model to cite.

Search uses the database's own full-text engine (objects made by migration 0002):
- Postgres: the generated `search_vector` tsvector column (english stemming,
  GIN index), `to_tsquery` + `ts_rank`;
- SQLite: the `knowledge_chunk_fts` FTS5 table (porter stemming), `MATCH` + `bm25`.
A chat message is a question, not a query: its words are OR-ed (common English
words dropped), so a passage needs only some of them and ranks higher the more
(and rarer) words it shares. User text never reaches either query language
unquoted: only word characters are kept, each as a quoted term.

Ownership: every function that takes `owner_id` only sees that user's agents and
documents; someone else's is NotFound, like one that does not exist. `search`
is also called by trusted code (the agent runner) with no `owner_id`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.db import database_guard, get_engine, session_scope
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument
from neurocache_ui.infra.pdf_text import PdfError, PdfLimits, extract_pdf_text
from neurocache_ui.settings import get_settings

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
}
SUPPORTED = ".txt, .md or .pdf"
FILENAME_MAX = 255  # the column's length
CHUNK_CHARS = 800
OVERLAP_CHARS = 150
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
    """The file's own name (no folders), printable, at most FILENAME_MAX characters."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in (".", ".."):
        raise Invalid("The file has no name. Choose a .txt, .md or .pdf file.", "file")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: FILENAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else name[:FILENAME_MAX]
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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Unix newlines, no control characters, single spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def extract_text(filename: str, data: bytes) -> str:
    """A document's text, normalized; Invalid for unsupported or unreadable files."""
    content_type = content_type_of(filename)
    raw = _pdf_text(filename, data) if content_type == "application/pdf" else _plain_text(filename, data)
    return normalize_text(raw)


# ---------------------------------------------------------------- chunking

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _hard_split(text: str, size: int) -> list[str]:
    """Cut a piece longer than `size` at spaces (or anywhere, for one huge word)."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size + 1)
        if cut <= size // 2:
            cut = size
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts


def _pieces(text: str, size: int) -> list[tuple[str, str]]:
    """(separator before, text) for every sentence: "\n\n" starts a paragraph,
    "\n" a line, " " the next sentence on a line."""
    pieces: list[tuple[str, str]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        separator = "\n\n"
        for line in paragraph.split("\n"):
            line = line.strip()
            if not line:
                continue
            for sentence in _SENTENCE_END.split(line):
                for part in _hard_split(sentence.strip(), size):
                    pieces.append((separator, part))
                    separator = " "
            separator = "\n" if separator == " " else separator
    return pieces


def _render(pieces: list[tuple[str, str]]) -> str:
    return "".join(text if i == 0 else sep + text for i, (sep, text) in enumerate(pieces))


def chunk_text(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Passages of at most `size` characters, cut between sentences (preferring
    paragraph and line breaks as they come), each starting with up to `overlap`
    characters of whole sentences from the end of the previous one."""
    chunks: list[str] = []
    current: list[tuple[str, str]] = []
    for separator, piece in _pieces(text, size):
        if current and len(_render([*current, (separator, piece)])) > size:
            chunks.append(_render(current))
            tail: list[tuple[str, str]] = []
            for item in reversed(current):
                if len(_render([item, *tail])) > overlap:
                    break
                tail.insert(0, item)
            current = tail if len(_render([*tail, (separator, piece)])) <= size else []
        current.append((separator, piece))
    if current:
        chunks.append(_render(current))
    return chunks


# ---------------------------------------------------------------- documents


def _owned_agent(session: Session, owner_id: int, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or agent.owner_id != owner_id:
        raise NotFound(AGENT_NOT_FOUND)
    return agent


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


def add_document(owner_id: int, agent_id: int, filename: str, data: bytes) -> DocumentView:
    """Store an uploaded file as the agent's knowledge and return it.

    Invalid (with `field="file"`) for: an unsupported type, an empty or too large
    file, a file with no readable text or too many passages, a PDF that is
    unreadable, password-protected, too long or too costly to read.
    NotFound for an agent that is not the owner's."""
    name = clean_filename(filename)
    content_type = content_type_of(name)
    check_size(name, len(data))
    with database_guard(UNAVAILABLE):
        with session_scope() as session:  # the agent check comes before the (slower) text extraction
            _owned_agent(session, owner_id, agent_id)
    text = extract_text(name, data)
    chunks = chunk_text(text)
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
    with database_guard(UNAVAILABLE):
        with session_scope() as session:
            _owned_agent(session, owner_id, agent_id)
            document = KnowledgeDocument(
                agent_id=agent_id,
                owner_id=owner_id,
                filename=name,
                content_type=content_type,
                size_bytes=len(data),
                chunk_count=len(chunks),
            )
            session.add(document)
            session.flush()
            session.execute(
                sa.insert(KnowledgeChunk),
                [
                    {"document_id": document.id, "agent_id": agent_id, "ordinal": number, "content": chunk}
                    for number, chunk in enumerate(chunks)
                ],
            )
            view = _view(document)
    log.info("agent %s learned %s (%d chunks)", agent_id, name, len(chunks))
    return view


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def list_documents(owner_id: int, agent_id: int) -> list[DocumentView]:
    """The agent's documents, newest first."""
    with database_guard(UNAVAILABLE):
        with session_scope() as session:
            _owned_agent(session, owner_id, agent_id)
            rows = session.scalars(
                sa.select(KnowledgeDocument)
                .where(KnowledgeDocument.agent_id == agent_id)
                .order_by(KnowledgeDocument.created_at.desc(), KnowledgeDocument.id.desc())  # type: ignore[union-attr,attr-defined]
            ).all()
            return [_view(row) for row in rows]


def get_document(owner_id: int, document_id: int) -> DocumentView:
    with database_guard(UNAVAILABLE):
        with session_scope() as session:
            return _view(_owned_document(session, owner_id, document_id))


def _owned_document(session: Session, owner_id: int, document_id: int) -> KnowledgeDocument:
    document = session.get(KnowledgeDocument, document_id)
    if document is None or document.owner_id != owner_id:
        raise NotFound(DOCUMENT_NOT_FOUND)
    agent = session.get(Agent, document.agent_id)
    if agent is None or agent.owner_id != owner_id:
        raise NotFound(DOCUMENT_NOT_FOUND)
    return document


def delete_document(owner_id: int, document_id: int) -> None:
    """Forget a document and all its passages."""
    with database_guard(UNAVAILABLE):
        with session_scope() as session:
            document = _owned_document(session, owner_id, document_id)
            # Explicit, not only ON DELETE CASCADE: the search index follows either way.
            session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document_id))  # type: ignore[arg-type]
            session.delete(document)


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


_POSTGRES_SEARCH = sa.text(
    """
    SELECT c.id, c.document_id, c.ordinal, c.content, d.filename,
           ts_rank(c.search_vector, q.query, 1) AS score
    FROM knowledge_chunk AS c
    JOIN knowledge_document AS d ON d.id = c.document_id,
         to_tsquery('english', :terms) AS q(query)
    WHERE c.agent_id = :agent_id AND c.search_vector @@ q.query
    ORDER BY score DESC, c.id
    LIMIT :limit
    """
)

_SQLITE_SEARCH = sa.text(
    """
    SELECT c.id, c.document_id, c.ordinal, c.content, d.filename,
           -bm25(knowledge_chunk_fts) AS score
    FROM knowledge_chunk_fts
    JOIN knowledge_chunk AS c ON c.id = knowledge_chunk_fts.rowid
    JOIN knowledge_document AS d ON d.id = c.document_id
    WHERE knowledge_chunk_fts MATCH :terms AND c.agent_id = :agent_id
    ORDER BY bm25(knowledge_chunk_fts), c.id
    LIMIT :limit
    """
)


def search(agent_id: int, query: str, limit: int = 4, *, owner_id: int | None = None) -> list[SearchHit]:
    """The agent's passages that best match `query`, best first ([] when
    nothing matches or the query has no meaningful words). With `owner_id`,
    an agent that is not that user's is NotFound."""
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    if owner_id is not None:
        with database_guard(UNAVAILABLE):
            with session_scope() as session:
                _owned_agent(session, owner_id, agent_id)
    terms = query_terms(query)
    if not terms:
        return []
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        statement = _POSTGRES_SEARCH
        expression = " | ".join(f"'{term}'" for term in terms)  # \w+ words: no quotes or operators inside
    else:
        statement = _SQLITE_SEARCH
        expression = " OR ".join(f'"{term}"' for term in terms)  # FTS5 strings; \w+ has no '"'
    with database_guard(UNAVAILABLE):
        with engine.connect() as conn:
            rows = conn.execute(statement, {"terms": expression, "agent_id": agent_id, "limit": limit}).all()
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
    "chunk_text",
    "delete_document",
    "extract_text",
    "get_document",
    "list_documents",
    "search",
]
