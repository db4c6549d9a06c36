"""An agent's retrieval test set and the history of its runs: questions, each with
the documents that should be found for it, and what every "Run" scored, so an
owner sees whether a change made the agent find better or worse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import limits
from neurocache_ui.store.models import BigId, fk, json_list, timestamp


class RetrievalQuestion(SQLModel, table=True):
    __tablename__ = "retrieval_question"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE")
    question: str = Field(max_length=limits.RETRIEVAL_QUESTION_MAX)
    expected: list[int] = json_list()
    """Ids of the knowledge documents a good search finds among the top k."""
    created_at: datetime = timestamp()


class RetrievalRun(SQLModel, table=True):
    __tablename__ = "retrieval_run"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE")
    k: int
    questions: int
    hits: int
    """Questions with an expected document among the top k."""
    mrr: float
    """Mean reciprocal rank of the first expected document (0 when not in the top k)."""
    details: list[dict[str, Any]] = json_list()
    """Per question: {"question", "rank" (1-based, or null), "found": [document ids]}."""
    setup: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON(), nullable=False,
                                  sa_column_kwargs={"server_default": "{}"})
    """What the run measured: documents, passages, chunk settings, embedding model."""
    created_at: datetime = timestamp()
