"""Mention rows: written with their message, read for a person's badge and
Mentions view."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import ChannelMember, Mention, User


def channel_people(session: Session, channel_id: int) -> list[tuple[int, str]]:
    """(user id, name) of the channel's members."""
    rows = session.connection().execute(
        sa.select(User.id, User.name).join(ChannelMember, ChannelMember.user_id == User.id).where(ChannelMember.channel_id == channel_id)  # type: ignore[arg-type]
    ).all()
    return [(row[0], row[1]) for row in rows]


def add(session: Session, channel_id: int, message_id: int, user_ids: Iterable[int]) -> None:
    """The message's mentions are these people (replacing any written before)."""
    session.connection().execute(sa.delete(Mention).where(Mention.message_id == message_id))  # type: ignore[arg-type]
    values = [{"message_id": message_id, "user_id": user_id, "channel_id": channel_id} for user_id in user_ids]
    if values:
        session.connection().execute(sa.insert(Mention), values)
