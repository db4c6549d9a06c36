"""Knowledge documents, their passages, and full-text search over one agent's
passages with the database's own engine (objects made by migration 0002):
Postgres' `search_vector` tsvector (english stemming, GIN index, `ts_rank`),
SQLite's `knowledge_chunk_fts` FTS5 table (porter stemming, `bm25`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument


def insert_document(session: Session, document: KnowledgeDocument, chunks: Sequence[str]) -> KnowledgeDocument:
    session.add(document)
    session.flush()
    session.execute(
        sa.insert(KnowledgeChunk),
        [
            {"document_id": document.id, "agent_id": document.agent_id, "ordinal": number, "content": chunk}
            for number, chunk in enumerate(chunks)
        ],
    )
    return document


def documents_of(session: Session, agent_id: int) -> Sequence[KnowledgeDocument]:
    """Newest first."""
    return session.scalars(
        sa.select(KnowledgeDocument)
        .where(KnowledgeDocument.agent_id == agent_id)
        .order_by(KnowledgeDocument.created_at.desc(), KnowledgeDocument.id.desc())  # type: ignore[union-attr,attr-defined]
    ).all()


def owned_document(session: Session, owner_id: int, document_id: int) -> KnowledgeDocument | None:
    """The document, if both it and its agent are the owner's."""
    return session.scalars(
        sa.select(KnowledgeDocument)
        .join(Agent, Agent.id == KnowledgeDocument.agent_id)  # type: ignore[arg-type]
        .where(KnowledgeDocument.id == document_id, KnowledgeDocument.owner_id == owner_id, Agent.owner_id == owner_id)
    ).first()


def delete_document(session: Session, document: KnowledgeDocument) -> None:
    # Explicit, not only ON DELETE CASCADE: the search index follows either way.
    session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document.id))  # type: ignore[arg-type]
    session.delete(document)


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


def search(session: Session, agent_id: int, terms: Sequence[str], limit: int) -> Sequence[sa.Row[Any]]:
    """(id, document_id, ordinal, content, filename, score) of the passages
    sharing any of `terms` (words made of \\w characters only), best first."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        statement = _POSTGRES_SEARCH
        expression = " | ".join(f"'{term}'" for term in terms)  # \w+ words: no quotes or operators inside
    else:
        statement = _SQLITE_SEARCH
        expression = " OR ".join(f'"{term}"' for term in terms)  # FTS5 strings; \w+ has no '"'
    return conn.execute(statement, {"terms": expression, "agent_id": agent_id, "limit": limit}).all()


def cited(session: Session, chunk_id: int) -> sa.Row[Any] | None:
    """(content, filename, owner_id, slug, share_cited_passages) of a passage and its agent."""
    return session.execute(
        sa.select(KnowledgeChunk.content, KnowledgeDocument.filename, Agent.owner_id, Agent.slug, Agent.share_cited_passages)
        .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)  # type: ignore[arg-type]
        .join(Agent, Agent.id == KnowledgeDocument.agent_id)  # type: ignore[arg-type]
        .where(KnowledgeChunk.id == chunk_id)
    ).first()
