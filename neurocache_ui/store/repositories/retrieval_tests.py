"""An agent's retrieval test questions and runs (store/retrieval_models.py)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import KnowledgeChunk, KnowledgeDocument
from neurocache_ui.store.retrieval_models import RetrievalQuestion, RetrievalRun


def questions(session: Session, agent_id: int) -> Sequence[RetrievalQuestion]:
    """Oldest first: the order they were written in."""
    return session.scalars(
        sa.select(RetrievalQuestion).where(RetrievalQuestion.agent_id == agent_id).order_by(RetrievalQuestion.id)  # type: ignore[arg-type]
    ).all()


def question(session: Session, agent_id: int, question_id: int) -> RetrievalQuestion | None:
    return session.scalars(
        sa.select(RetrievalQuestion).where(RetrievalQuestion.id == question_id, RetrievalQuestion.agent_id == agent_id)
    ).first()


def count_questions(session: Session, agent_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(RetrievalQuestion).where(RetrievalQuestion.agent_id == agent_id)) or 0


def runs(session: Session, agent_id: int, limit: int) -> Sequence[RetrievalRun]:
    """Newest first."""
    return session.scalars(
        sa.select(RetrievalRun).where(RetrievalRun.agent_id == agent_id)
        .order_by(RetrievalRun.id.desc()).limit(limit)  # type: ignore[union-attr]
    ).all()


def document_ids(session: Session, agent_id: int, wanted: Sequence[int]) -> set[int]:
    """Which of `wanted` are documents of this agent."""
    if not wanted:
        return set()
    query = sa.select(KnowledgeDocument.id).where(KnowledgeDocument.agent_id == agent_id, KnowledgeDocument.id.in_(wanted))  # type: ignore[union-attr]
    return set(session.scalars(query).all())


def size(session: Session, agent_id: int) -> tuple[int, int]:
    """(documents, passages) the agent has."""
    documents = session.scalar(sa.select(sa.func.count()).select_from(KnowledgeDocument).where(KnowledgeDocument.agent_id == agent_id))
    passages = session.scalar(sa.select(sa.func.count()).select_from(KnowledgeChunk).where(KnowledgeChunk.agent_id == agent_id))
    return documents or 0, passages or 0
