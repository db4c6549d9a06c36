"""Pins (a message pinned to its channel, seen by every member) and saved messages
(a message a person keeps for later, seen only by them). Both are link rows that go
with their message, channel or person by cascade, so nothing is left pointing at a
deleted message and "can I still see it" is the channel's membership at read time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.store.models import BigId, fk, timestamp


class Pin(SQLModel, table=True):
    """One pinned message; at most one pin per message (its primary key)."""

    __tablename__ = "pin"

    message_id: int = Field(
        sa_column_args=[sa.ForeignKey("message.id", ondelete="CASCADE")], sa_type=BigId, primary_key=True
    )
    channel_id: int = fk("channel.id", ondelete="CASCADE")
    """Copied from the message so a channel's pins are one index range."""
    pinned_by: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    pinned_at: datetime = timestamp()


class SavedMessage(SQLModel, table=True):
    """A message one person saved for later; listed newest-saved first."""

    __tablename__ = "saved_message"

    user_id: int = Field(sa_column_args=[sa.ForeignKey("user_account.id", ondelete="CASCADE")], primary_key=True)
    message_id: int = Field(
        sa_column_args=[sa.ForeignKey("message.id", ondelete="CASCADE")], sa_type=BigId, primary_key=True, index=True
    )
    saved_at: datetime = timestamp()
