"""Stored Responses API responses (POST /api/v1/responses): what was asked and answered,
kept so a later request can continue the conversation with `previous_response_id`.
A row belongs to one user and to the agent or channel it answered as; it goes with
either by cascade, and with the chat history's retention period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain.response_items import RESPONSE_ID_MAX
from neurocache_ui.store.models import fk, json_list, timestamp


class StoredResponse(SQLModel, table=True):
    __tablename__ = "stored_response"

    id: str = Field(primary_key=True, max_length=RESPONSE_ID_MAX)
    """`resp_<random>`: the id callers hold; random so one cannot guess another's."""
    user_id: int = fk("user_account.id", ondelete="CASCADE")
    agent_id: int | None = fk("agent.id", ondelete="CASCADE", nullable=True)
    channel_id: int | None = fk("channel.id", ondelete="CASCADE", nullable=True)
    conversation: list[dict[str, Any]] = json_list()
    """The whole conversation through this response, as chat messages (user, assistant,
    tool turns; no instructions): what a continuation starts from."""
    body: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON(), nullable=False)
    """The response object as it was returned (GET /responses/{id} answers it)."""
    created_at: datetime = timestamp(index=True)
