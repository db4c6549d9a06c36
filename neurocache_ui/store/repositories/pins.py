"""Pins and saved messages. Every list is one query that joins the message's channel,
so what a reader may no longer see (they left a private channel, the message was
deleted) is simply not in it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, delete, select

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.store.models import Channel, ChannelMember, Message, User
from neurocache_ui.store.pin_models import Pin, SavedMessage
from neurocache_ui.store.repositories import messages


def _insert_new(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """Insert unless the row is there (its primary key); True if it was added."""
    dialect = session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(**values)
    added = statement.on_conflict_do_nothing().returning(table.message_id)
    return session.connection().execute(added).first() is not None


def pin(session: Session, message_id: int, channel_id: int, user_id: int) -> bool:
    return _insert_new(session, Pin, {"message_id": message_id, "channel_id": channel_id, "pinned_by": user_id,
                                      "pinned_at": sa.func.now()})


def unpin(session: Session, message_id: int) -> bool:
    return bool(session.exec(delete(Pin).where(Pin.message_id == message_id)).rowcount)  # type: ignore[arg-type]


def pin_count(session: Session, channel_id: int) -> int:
    return int(session.exec(select(sa.func.count()).select_from(Pin).where(Pin.channel_id == channel_id)).one())


def pins(session: Session, channel_id: int, limit: int) -> list[tuple[MessageView, tuple[Any, ...]]]:
    """The channel's pinned messages, newest pin first, each with (pinned_at, pinner's name)."""
    pinner = sa.orm.aliased(User)
    return messages.joined_views(
        session,
        lambda query: query.join(Pin, Pin.message_id == Message.id)
        .outerjoin(pinner, pinner.id == Pin.pinned_by)
        .where(Pin.channel_id == channel_id)
        .order_by(Pin.pinned_at.desc(), Pin.message_id.desc())
        .limit(limit),
        Pin.pinned_at, pinner.name,
    )


def pinned_ids(session: Session, channel_id: int) -> list[int]:
    return list(session.exec(select(Pin.message_id).where(Pin.channel_id == channel_id)).all())


def save(session: Session, user_id: int, message_id: int) -> bool:
    return _insert_new(session, SavedMessage, {"user_id": user_id, "message_id": message_id, "saved_at": sa.func.now()})


def unsave(session: Session, user_id: int, message_id: int) -> bool:
    return bool(session.exec(
        delete(SavedMessage).where(SavedMessage.user_id == user_id, SavedMessage.message_id == message_id)  # type: ignore[arg-type]
    ).rowcount)


def _readable_by(user_id: int) -> sa.ColumnElement[bool]:
    """The message's channel is one the user may read now: a member, or it is open."""
    member = select(ChannelMember.user_id).where(ChannelMember.channel_id == Message.channel_id,
                                                 ChannelMember.user_id == user_id)
    return sa.or_(Channel.visibility == "open", member.exists())


def saved(session: Session, user_id: int, offset: int, limit: int) -> list[tuple[MessageView, tuple[Any, ...]]]:
    """The user's saved messages they can still read, newest saved first, each with
    (saved_at, channel slug, channel name); `limit` from `offset`."""
    def narrow(query: sa.Select[Any]) -> sa.Select[Any]:
        query = (
            query.join(SavedMessage, SavedMessage.message_id == Message.id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(SavedMessage.user_id == user_id, _readable_by(user_id))
        )
        order = (SavedMessage.saved_at.desc(), SavedMessage.message_id.desc())
        return query.order_by(*order).offset(offset).limit(limit)

    return messages.joined_views(session, narrow, SavedMessage.saved_at, Channel.slug, Channel.name)


def saved_ids(session: Session, user_id: int, channel_id: int) -> list[int]:
    """Which of the channel's messages the user has saved (the rows show "Saved")."""
    return list(session.exec(
        select(SavedMessage.message_id).join(Message, Message.id == SavedMessage.message_id)
        .where(SavedMessage.user_id == user_id, Message.channel_id == channel_id)
    ).all())
