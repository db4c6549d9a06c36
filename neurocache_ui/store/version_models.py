"""An agent's versions: every save that changes its settings (instructions, model,
tools, MCP selection) is kept, numbered, with who made it and what its knowledge
was then, so a change can be compared, evaluated and undone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.store.models import BigId, fk, timestamp


class AgentVersion(SQLModel, table=True):
    __tablename__ = "agent_version"
    __table_args__ = (sa.UniqueConstraint("agent_id", "number", name="uq_agent_version_number"),)

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE", index=False)
    number: int
    author_id: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON(), nullable=False)
    """The agent's settings as saved (MCP servers without their tokens: whether each has one)."""
    knowledge: str = Field(default="", max_length=64)
    """A fingerprint of its knowledge documents at that save (which files, how big)."""
    created_at: datetime = timestamp()
