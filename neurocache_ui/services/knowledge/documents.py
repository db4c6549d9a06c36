"""An agent's knowledge documents: listed (paged, with each one's processing status),
retried, deleted. Adding them is services/knowledge/ingest.py. Functions taking
`owner_id` see only that user's agents and documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.ingestion import FAILED, PENDING, STATUSES
from neurocache_ui.services.knowledge import worker
from neurocache_ui.services.knowledge.access import UNAVAILABLE, owned_agent
from neurocache_ui.services.knowledge.formats import clean_filename, is_archive
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import KnowledgeDocument
from neurocache_ui.store.repositories import knowledge as repo
from neurocache_ui.store.repositories import knowledge_ingest as queue

DOCUMENT_NOT_FOUND = "Document not found."
PAGE_SIZE = 25
PAGE_MAX = 200
FILTERS = ("", "pending", *STATUSES)
NOT_FAILED = "Only a failed document can be retried."


@dataclass(frozen=True)
class DocumentView:
    id: int
    agent_id: int
    filename: str
    content_type: str
    size_bytes: int
    chunk_count: int
    created_at: datetime
    status: str
    status_reason: str
    progress_done: int
    progress_total: int

    @property
    def pending(self) -> bool:
        return self.status in PENDING


@dataclass(frozen=True)
class DocumentPage:
    """One page of an agent's documents (newest first), how many match in all, and
    how many the agent has in each status."""

    documents: list[DocumentView]
    total: int
    counts: dict[str, int]

    @property
    def pending(self) -> int:
        return sum(self.counts.get(status, 0) for status in PENDING)


def document_view(row: KnowledgeDocument) -> DocumentView:
    assert row.id is not None
    return DocumentView(
        id=row.id,
        agent_id=row.agent_id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        chunk_count=row.chunk_count,
        created_at=row.created_at,
        status=row.status,
        status_reason=row.status_reason,
        progress_done=row.progress_done,
        progress_total=row.progress_total,
    )


def size_text(size: int) -> str:
    """A size as people read it: bytes, KB or MB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


UPLOAD_OVERHEAD_BYTES = 64 * 1024
"""Room for multipart boundaries and part headers around the files of one upload."""


def request_limit() -> int:
    """The largest upload request of knowledge files: one .zip, or files up to as much."""
    settings = get_settings()
    return max(settings.knowledge_zip_max_bytes, settings.max_upload_bytes) + UPLOAD_OVERHEAD_BYTES


def upload_limit(filename: str) -> int:
    """The most bytes a file of this name may have: a .zip's limit or one document's."""
    settings = get_settings()
    return settings.knowledge_zip_max_bytes if is_archive(filename) else settings.max_upload_bytes


def check_size(filename: str, size: int) -> None:
    """Invalid for an empty or too large file (a .zip has its own, larger limit). Also
    called by the upload handler, which stops reading a file past the limit and so
    knows its size only from the multipart headers."""
    name = clean_filename(filename)
    limit = upload_limit(name)
    if not size:
        raise Invalid(f"{name} is empty.", "file")
    if size > limit:
        raise Invalid(
            f"{name} is too large ({size_text(size)}); the limit is {size_text(limit)}. Split it into smaller files.",
            "file",
        )


def list_documents(owner_id: int, agent_id: int) -> list[DocumentView]:
    """All the agent's documents, newest first."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        return [document_view(row) for row in repo.documents_of(session, agent_id)]


def page_documents(
    owner_id: int, agent_id: int, *, status: str = "", search: str = "", limit: int = PAGE_SIZE, offset: int = 0
) -> DocumentPage:
    """A page of the agent's documents, newest first: `status` one of STATUSES or
    "pending" (queued, reading or embedding), `search` a part of the file name."""
    if status not in FILTERS:
        raise Invalid(f"Unknown status {status!r}: use one of {', '.join(f for f in FILTERS if f)}.", "status")
    search = " ".join((search or "").split())[:200]
    limit, offset = max(1, min(int(limit), PAGE_MAX)), max(0, int(offset))
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        rows = queue.page(session, agent_id, status=status, search=search, limit=limit, offset=offset)
        total = queue.count(session, agent_id, status=status, search=search)
        return DocumentPage([document_view(row) for row in rows], total, queue.counts_by_status(session, agent_id))


def retry_document(owner_id: int, document_id: int) -> DocumentView:
    """Queue a failed document again (its file is kept until it is read)."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        document = _owned_document(session, owner_id, document_id)
        if document.status != FAILED:
            raise Invalid(NOT_FAILED)
        queue.retry(session, document)
        session.flush()
        view = document_view(document)
    worker.wake()
    return view


def _owned_document(session: Session, owner_id: int, document_id: int) -> KnowledgeDocument:
    document = repo.owned_document(session, owner_id, document_id)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    return document


def get_document(owner_id: int, document_id: int) -> DocumentView:
    with database_guard(UNAVAILABLE), session_scope() as session:
        return document_view(_owned_document(session, owner_id, document_id))


def delete_document(owner_id: int, document_id: int) -> None:
    """Forget a document and all its passages."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        repo.delete_document(session, _owned_document(session, owner_id, document_id))
