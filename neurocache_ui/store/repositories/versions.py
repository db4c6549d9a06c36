"""Agent versions (store/version_models.py) with their authors' names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import KnowledgeDocument, User
from neurocache_ui.store.version_models import AgentVersion


def latest(session: Session, agent_id: int) -> AgentVersion | None:
    return session.scalars(
        sa.select(AgentVersion).where(AgentVersion.agent_id == agent_id).order_by(AgentVersion.number.desc()).limit(1)  # type: ignore[attr-defined]
    ).first()


def _with_author() -> sa.Select[Any]:
    return sa.select(AgentVersion, User.name).outerjoin(User, User.id == AgentVersion.author_id)  # type: ignore[arg-type]


def page(session: Session, agent_id: int, limit: int, offset: int) -> Sequence[sa.Row[Any]]:
    """(version, author name) newest first."""
    query = _with_author().where(AgentVersion.agent_id == agent_id).order_by(AgentVersion.number.desc())  # type: ignore[attr-defined]
    return session.execute(query.limit(limit).offset(offset)).all()


def one(session: Session, agent_id: int, number: int) -> sa.Row[Any] | None:
    return session.execute(_with_author().where(AgentVersion.agent_id == agent_id, AgentVersion.number == number)).first()


def knowledge_files(session: Session, agent_id: int) -> Sequence[sa.Row[Any]]:
    """(id, size) of the agent's knowledge documents, by id."""
    return session.execute(
        sa.select(KnowledgeDocument.id, KnowledgeDocument.size_bytes)
        .where(KnowledgeDocument.agent_id == agent_id).order_by(KnowledgeDocument.id)  # type: ignore[arg-type]
    ).all()
