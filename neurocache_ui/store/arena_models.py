"""The channel arena: two agents answer one question with their names hidden,
members vote, the result moves both agents' ratings (agent.arena_rating)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.store.models import BigId, fk, timestamp


class ArenaMatch(SQLModel, table=True):
    """One arena: its message in the channel (the question, and the card that shows
    the answers), the two agents in their hidden order with the versions that answered."""

    __tablename__ = "arena_match"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    channel_id: int = fk("channel.id", ondelete="CASCADE", index=False)
    message_id: int = fk("message.id", ondelete="CASCADE", big=True)
    started_by: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    agent_a_id: int | None = fk("agent.id", ondelete="SET NULL", nullable=True, index=False)
    agent_b_id: int | None = fk("agent.id", ondelete="SET NULL", nullable=True, index=False)
    name_a: str = Field(max_length=100)
    name_b: str = Field(max_length=100)
    version_a: int | None = None
    version_b: int | None = None
    answer_a: str = Field(default="", sa_type=sa.Text())
    answer_b: str = Field(default="", sa_type=sa.Text())
    status_a: str = Field(default="streaming", max_length=20)
    status_b: str = Field(default="streaming", max_length=20)
    result: str | None = Field(default=None, max_length=10)
    """None while votes are open; then "a", "b", "tie", or "none" (revealed without votes)."""
    rating_a: float | None = None
    rating_b: float | None = None
    """Each agent's rating after this match (None before the reveal, or for a deleted agent)."""
    change_a: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    change_b: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    """How much this match moved each rating."""
    created_at: datetime = timestamp()
    revealed_at: datetime | None = timestamp(nullable=True)


class ArenaVote(SQLModel, table=True):
    """A member's one vote in a match ("a", "b" or "tie"), for the versions that answered."""

    __tablename__ = "arena_vote"
    __table_args__ = (sa.UniqueConstraint("match_id", "user_id", name="uq_arena_vote_voter"),)

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    match_id: int = fk("arena_match.id", ondelete="CASCADE", index=False, big=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    choice: str = Field(max_length=10)
    created_at: datetime = timestamp()
