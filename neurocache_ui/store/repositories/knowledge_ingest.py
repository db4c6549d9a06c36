"""The knowledge queue in the database: queued documents with their raw bytes, the
claim that hands them to one worker (Postgres `FOR UPDATE SKIP LOCKED`, so several
hosts never take the same document; SQLite has one writer at a time), leases that
expire when a worker dies, statuses and progress, and pages of an agent's documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.ingestion import EMBEDDING, QUEUED, READING
from neurocache_ui.store.ingest_models import KnowledgePayload
from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument, utcnow
from neurocache_ui.store.repositories.knowledge import bump_stamp

DOC = KnowledgeDocument.__table__  # type: ignore[attr-defined]
WORKING = (READING, EMBEDDING)


def insert_queued(
    session: Session, agent_id: int, owner_id: int, files: Sequence[tuple[str, str, bytes]], *, status: str = QUEUED
) -> list[KnowledgeDocument]:
    """Documents (name, content type, bytes) in `status`, with their bytes kept until read."""
    now = utcnow()
    claimed = now if status != QUEUED else None
    rows = [
        KnowledgeDocument(agent_id=agent_id, owner_id=owner_id, filename=name, content_type=content_type,
                          size_bytes=len(data), status=status, claimed_at=claimed, created_at=now)
        for name, content_type, data in files
    ]
    session.add_all(rows)
    session.flush()
    session.execute(sa.insert(KnowledgePayload), [
        {"document_id": row.id, "data": data} for row, (_name, _type, data) in zip(rows, files, strict=True)
    ])
    return rows


_CLAIM_POSTGRES = sa.text(
    """
    UPDATE knowledge_document SET status = :reading, claimed_at = :now, status_reason = ''
    WHERE id IN (SELECT id FROM knowledge_document WHERE status = :queued ORDER BY id LIMIT :limit
                 FOR UPDATE SKIP LOCKED)
    RETURNING id
    """
)
_CLAIM_SQLITE = sa.text(
    """
    UPDATE knowledge_document SET status = :reading, claimed_at = :now, status_reason = ''
    WHERE id IN (SELECT id FROM knowledge_document WHERE status = :queued ORDER BY id LIMIT :limit)
    RETURNING id
    """
)


def claim(session: Session, limit: int) -> list[int]:
    """Up to `limit` queued documents, oldest first, now "reading" under this caller's lease."""
    statement = _CLAIM_POSTGRES if session.connection().dialect.name == "postgresql" else _CLAIM_SQLITE
    params = {"reading": READING, "queued": QUEUED, "limit": limit, "now": utcnow()}
    return sorted(row.id for row in session.execute(statement, params))


def requeue(session: Session, claimed_before: datetime | None = None) -> int:
    """Documents being read or embedded go back to the queue: all of them, or those whose
    lease is older than `claimed_before` (their worker stopped refreshing it)."""
    condition = DOC.c.status.in_(WORKING)
    if claimed_before is not None:
        condition = condition & ((DOC.c.claimed_at < claimed_before) | DOC.c.claimed_at.is_(None))
    result = session.execute(sa.update(DOC).where(condition).values(status=QUEUED, claimed_at=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def job(session: Session, document_id: int) -> tuple[KnowledgeDocument, bytes | None] | None:
    """A document and its waiting bytes (None once read)."""
    document = session.get(KnowledgeDocument, document_id)
    if document is None:
        return None
    return document, session.scalar(sa.select(KnowledgePayload.data).where(KnowledgePayload.document_id == document_id))


def _locked(session: Session, document_id: int) -> bool:
    """Lock the document's row (Postgres; SQLite's writer lock is the whole file) if it still exists."""
    query = sa.select(DOC.c.id).where(DOC.c.id == document_id)
    if session.connection().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query) is not None


def chunk_settings(session: Session, agent_id: int) -> tuple[int, int]:
    """(chunk_size, chunk_overlap) the agent's documents are cut with."""
    found = session.execute(sa.select(Agent.chunk_size, Agent.chunk_overlap).where(Agent.id == agent_id)).first()  # type: ignore[arg-type]
    return (int(found[0]), int(found[1])) if found is not None else (800, 150)


def store_passages(
    session: Session, document_id: int, agent_id: int, chunks: Sequence[str], *, text: str, size: int, overlap: int
) -> bool:
    """The document's passages (replacing any) and its text with the chunk settings they
    were cut with (so new settings re-cut it without the file), its status "embedding",
    its bytes gone; False if the document was deleted meanwhile."""
    if not _locked(session, document_id):
        return False
    session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document_id))  # type: ignore[arg-type]
    session.execute(sa.insert(KnowledgeChunk), [
        {"document_id": document_id, "agent_id": agent_id, "ordinal": number, "content": chunk}
        for number, chunk in enumerate(chunks)
    ])
    session.execute(sa.delete(KnowledgePayload).where(KnowledgePayload.document_id == document_id))  # type: ignore[arg-type]
    session.execute(sa.update(DOC).where(DOC.c.id == document_id).values(
        chunk_count=len(chunks), status=EMBEDDING, progress_done=0, progress_total=len(chunks), claimed_at=utcnow(),
        text=text, chunk_size=size, chunk_overlap=overlap, embedding_model=None))
    bump_stamp(session, agent_id)  # its old passages' vectors are gone from every process's matrix
    return True


def set_state(session: Session, document_id: int, **values: Any) -> None:
    """Status, reason or progress of a document (refreshing its lease while it works)."""
    if values.get("status") in WORKING or "progress_done" in values:
        values.setdefault("claimed_at", utcnow())
    session.execute(sa.update(DOC).where(DOC.c.id == document_id).values(**values))


def retry(session: Session, document: KnowledgeDocument) -> None:
    document.status, document.status_reason, document.claimed_at = QUEUED, "", None
    document.progress_done = 0
    session.add(document)


def _filtered(query: Any, agent_id: int, status: str, search: str) -> Any:
    query = query.where(DOC.c.agent_id == agent_id)
    if status:
        query = query.where(DOC.c.status.in_(WORKING + (QUEUED,)) if status == "pending" else DOC.c.status == status)
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(sa.func.lower(DOC.c.filename).like(f"%{escaped}%", escape="\\"))
    return query


def page(session: Session, agent_id: int, *, status: str = "", search: str = "", limit: int, offset: int) -> Sequence[KnowledgeDocument]:
    """Newest first; `status` one of the statuses or "pending" (not yet ready or failed)."""
    query = _filtered(sa.select(KnowledgeDocument), agent_id, status, search)
    return session.scalars(query.order_by(DOC.c.created_at.desc(), DOC.c.id.desc()).limit(limit).offset(offset)).all()


def count(session: Session, agent_id: int, *, status: str = "", search: str = "") -> int:
    return int(session.scalar(_filtered(sa.select(sa.func.count()).select_from(DOC), agent_id, status, search)) or 0)


def counts_by_status(session: Session, agent_id: int) -> dict[str, int]:
    rows = session.execute(sa.select(DOC.c.status, sa.func.count()).where(DOC.c.agent_id == agent_id).group_by(DOC.c.status))
    return {row[0]: int(row[1]) for row in rows}


__all__ = ["claim", "count", "counts_by_status", "insert_queued", "job", "page", "requeue", "retry",
           "set_state", "store_passages"]
