"""Passages' vectors and the background indexer's work: which documents need
re-chunking (their agent's chunk settings changed) or vectors (the embedding
model changed, or embedding failed), claimed with a lease so several hosts never
do the same document at once and a dead host's claim runs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.ingestion import READY
from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument
from neurocache_ui.store.repositories.knowledge import bump_stamp


def stamp(session: Session, agent_id: int) -> tuple[int, int] | None:
    """(knowledge_stamp, owner_id) of the agent, None if it is gone."""
    row = session.execute(sa.select(Agent.knowledge_stamp, Agent.owner_id).where(Agent.id == agent_id)).first()
    return (int(row[0]), int(row[1])) if row is not None else None


def vectors(session: Session, agent_id: int, model: str) -> tuple[list[int], list[int], list[bytes]]:
    """(passage ids, their document ids, their vectors) of the agent's passages embedded with `model`."""
    rows = session.execute(
        sa.select(KnowledgeChunk.id, KnowledgeChunk.document_id, KnowledgeChunk.embedding).where(
            KnowledgeChunk.agent_id == agent_id,
            KnowledgeChunk.embedding_model == model,
            KnowledgeChunk.embedding.is_not(None),  # type: ignore[union-attr]
        )
    ).all()
    return [int(r[0]) for r in rows], [int(r[1]) for r in rows], [bytes(r[2]) for r in rows]


def document(session: Session, document_id: int) -> KnowledgeDocument | None:
    return session.get(KnowledgeDocument, document_id)


def chunks_without(session: Session, document_id: int, model: str) -> Sequence[sa.Row[Any]]:
    """(id, ordinal, content) of the document's passages with no vector of `model`, in order."""
    return session.execute(
        sa.select(KnowledgeChunk.id, KnowledgeChunk.ordinal, KnowledgeChunk.content)
        .where(
            KnowledgeChunk.document_id == document_id,
            sa.or_(KnowledgeChunk.embedding_model.is_(None), KnowledgeChunk.embedding_model != model),  # type: ignore[union-attr]
        )
        .order_by(KnowledgeChunk.ordinal)
    ).all()


def store_vectors(session: Session, agent_id: int, model: str, rows: Sequence[tuple[int, bytes]]) -> None:
    session.connection().execute(
        sa.update(KnowledgeChunk.__table__)  # type: ignore[attr-defined]
        .where(KnowledgeChunk.__table__.c.id == sa.bindparam("chunk_id"))  # type: ignore[attr-defined]
        .values(embedding=sa.bindparam("vector"), embedding_model=model),
        [{"chunk_id": chunk_id, "vector": vector} for chunk_id, vector in rows],
    )
    bump_stamp(session, agent_id)


def mark_embedded(session: Session, document_id: int, model: str) -> None:
    session.execute(sa.update(KnowledgeDocument).where(KnowledgeDocument.id == document_id).values(embedding_model=model))  # type: ignore[arg-type]


def replace_chunks(session: Session, document: KnowledgeDocument, chunks: Sequence[str], size: int, overlap: int) -> None:
    """The document's passages cut again with (size, overlap); their vectors go with them."""
    session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document.id))  # type: ignore[arg-type]
    session.execute(
        sa.insert(KnowledgeChunk),
        [{"document_id": document.id, "agent_id": document.agent_id, "ordinal": number, "content": chunk}
         for number, chunk in enumerate(chunks)],
    )
    document.chunk_size, document.chunk_overlap, document.chunk_count = size, overlap, len(chunks)
    document.embedding_model = None
    session.add(document)
    bump_stamp(session, document.agent_id)


def _free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(KnowledgeDocument.claimed_until.is_(None), KnowledgeDocument.claimed_until < now)  # type: ignore[union-attr,operator]


def work(session: Session, model: str, now: datetime, limit: int) -> list[int]:
    """Unclaimed documents (oldest first) to re-chunk or to embed with `model`."""
    stale_chunks = sa.and_(
        KnowledgeDocument.text.is_not(None),  # type: ignore[union-attr]
        sa.or_(Agent.chunk_size != KnowledgeDocument.chunk_size, Agent.chunk_overlap != KnowledgeDocument.chunk_overlap),
    )
    unembedded = sa.or_(KnowledgeDocument.embedding_model.is_(None), KnowledgeDocument.embedding_model != model)  # type: ignore[union-attr]
    return list(
        session.scalars(
            sa.select(KnowledgeDocument.id)
            .join(Agent, Agent.id == KnowledgeDocument.agent_id)  # type: ignore[arg-type]
            .where(_free(now), KnowledgeDocument.status == READY, sa.or_(stale_chunks, unembedded))
            .order_by(KnowledgeDocument.id)
            .limit(limit)
        ).all()
    )


def claim(session: Session, document_id: int, now: datetime, until: datetime) -> bool:
    """Take the document until `until` if nobody holds it: one conditional UPDATE, so of
    several hosts asking at once exactly one gets it (on both backends)."""
    result = session.execute(
        sa.update(KnowledgeDocument).where(KnowledgeDocument.id == document_id, _free(now)).values(claimed_until=until)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, document_id: int, until: datetime | None = None) -> None:
    """Let the document go (or keep it from everyone until `until`: a retry later)."""
    session.execute(sa.update(KnowledgeDocument).where(KnowledgeDocument.id == document_id).values(claimed_until=until))  # type: ignore[arg-type]


def progress(session: Session, agent_id: int, model: str) -> tuple[int, int]:
    """(passages with a vector of `model`, all passages) of the agent."""
    embedded, total = session.execute(
        sa.select(
            sa.func.count().filter(KnowledgeChunk.embedding_model == model),
            sa.func.count(),
        ).where(KnowledgeChunk.agent_id == agent_id)
    ).one()
    return int(embedded or 0), int(total or 0)


def rechunking(session: Session, agent_id: int) -> int:
    """How many of the agent's documents wait to be cut with its new chunk settings."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(KnowledgeDocument)
            .join(Agent, Agent.id == KnowledgeDocument.agent_id)  # type: ignore[arg-type]
            .where(
                KnowledgeDocument.agent_id == agent_id,
                KnowledgeDocument.text.is_not(None),  # type: ignore[union-attr]
                sa.or_(Agent.chunk_size != KnowledgeDocument.chunk_size, Agent.chunk_overlap != KnowledgeDocument.chunk_overlap),
            )
        )
        or 0
    )
