"""Reaction rows, and their sum on the message (`message.reactions`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.reactions import grouped
from neurocache_ui.store.models import Message, Reaction, User


def lock_message(session: Session, message_id: int) -> int | None:
    """The message's channel id, its row locked until commit (Postgres), so the
    reactions of one message change one transaction at a time and their sum
    never misses a concurrent one. None if the message is gone."""
    query = sa.select(Message.channel_id).where(Message.id == message_id).with_for_update()
    return session.connection().execute(query).scalar()


def mine(session: Session, message_id: int, user_id: int, emoji: str) -> bool:
    query = sa.select(sa.literal(1)).where(
        Reaction.message_id == message_id, Reaction.user_id == user_id, Reaction.emoji == emoji
    )
    return session.connection().execute(query).first() is not None


def add(session: Session, message_id: int, user_id: int, emoji: str) -> None:
    session.connection().execute(sa.insert(Reaction).values(message_id=message_id, user_id=user_id, emoji=emoji))


def remove(session: Session, message_id: int, user_id: int, emoji: str) -> bool:
    query = sa.delete(Reaction).where(
        Reaction.message_id == message_id, Reaction.user_id == user_id, Reaction.emoji == emoji  # type: ignore[arg-type]
    )
    return bool(session.connection().execute(query).rowcount)


def sum_up(session: Session, message_id: int) -> None:
    """Write the message's reactions, as readers see them, onto the message."""
    rows = session.connection().execute(
        sa.select(Reaction.emoji, Reaction.user_id, User.name)
        .join(User, User.id == Reaction.user_id)  # type: ignore[arg-type]
        .where(Reaction.message_id == message_id)
        .order_by(Reaction.created_at, Reaction.user_id)
    ).all()
    stored = [{"emoji": g.emoji, "users": list(g.user_ids), "names": list(g.names)} for g in grouped(rows)]
    session.connection().execute(sa.update(Message).where(Message.id == message_id).values(reactions=stored))  # type: ignore[arg-type]
