"""An agent's knowledge documents: stored as passages, listed, deleted. Functions
taking `owner_id` see only that user's agents and documents."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from neurocache_ui.domain.chunking import chunk_text
from neurocache_ui.domain.errors import Invalid, NeurocacheError, NotFound
from neurocache_ui.services.knowledge import indexing
from neurocache_ui.services.knowledge.access import AGENT_NOT_FOUND, UNAVAILABLE, owned_agent
from neurocache_ui.services.knowledge.formats import clean_filename, content_type_of, extract_text
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import KnowledgeDocument
from neurocache_ui.store.repositories import agents as agent_rows
from neurocache_ui.store.repositories import knowledge as repo

log = logging.getLogger(__name__)

DOCUMENT_NOT_FOUND = "Document not found."


@dataclass(frozen=True)
class DocumentView:
    id: int
    agent_id: int
    filename: str
    content_type: str
    size_bytes: int
    chunk_count: int
    created_at: datetime


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


def _passages(name: str, content_type: str, text: str, size: int, overlap: int) -> list[str]:
    chunks = chunk_text(text, size, overlap)
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
        size, overlap = _chunk_settings(session, owner_id, agent_id)
    text = extract_text(name, data)
    chunks = _passages(name, content_type, text, size, overlap)
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        document = KnowledgeDocument(
            agent_id=agent_id,
            owner_id=owner_id,
            filename=name,
            content_type=content_type,
            size_bytes=len(data),
            chunk_count=len(chunks),
            text=text,
            chunk_size=size,
            chunk_overlap=overlap,
        )
        view = _view(repo.insert_document(session, document, chunks))
    log.info("agent %s learned %s (%d chunks)", agent_id, name, len(chunks))
    try:
        indexing.embed_document(view.id)
    except NeurocacheError as error:  # found by full text now, by meaning once the indexer retries
        log.warning("embedding %s of agent %s failed, the indexer retries: %s", name, agent_id, error)
    return view


def list_documents(owner_id: int, agent_id: int) -> list[DocumentView]:
    """The agent's documents, newest first."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        return [_view(row) for row in repo.documents_of(session, agent_id)]


def _chunk_settings(session: Session, owner_id: int, agent_id: int) -> tuple[int, int]:
    """(chunk_size, chunk_overlap) of the owner's agent; NotFound for another's."""
    agent = agent_rows.owned(session, owner_id, agent_id)
    if agent is None:
        raise NotFound(AGENT_NOT_FOUND)
    return agent.chunk_size, agent.chunk_overlap


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
