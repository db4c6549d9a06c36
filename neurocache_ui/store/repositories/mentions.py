"""Mention rows: written with their message, read for a person's badge and
Mentions view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import (
    Agent,
    Channel,
    ChannelMember,
    Mention,
    Message,
    User,
    utcnow,
)


def channel_people(session: Session, channel_id: int) -> list[tuple[int, str]]:
    """(user id, name) of the channel's members."""
    rows = session.connection().execute(
        sa.select(User.id, User.name).join(ChannelMember, ChannelMember.user_id == User.id).where(ChannelMember.channel_id == channel_id)  # type: ignore[arg-type]
    ).all()
    return [(row[0], row[1]) for row in rows]


def add(session: Session, channel_id: int, message_id: int, user_ids: Iterable[int]) -> None:
    """The message's mentions are these people: those no longer named go, new ones
    come in unseen, and those still named keep whether they were seen (an edit)."""
    conn, wanted = session.connection(), set(user_ids)
    had = set(conn.execute(sa.select(Mention.user_id).where(Mention.message_id == message_id)).scalars())
    if gone := had - wanted:
        conn.execute(sa.delete(Mention).where(Mention.message_id == message_id, Mention.user_id.in_(gone)))  # type: ignore[arg-type,attr-defined]
    if new := wanted - had:
        conn.execute(sa.insert(Mention), [{"message_id": message_id, "user_id": u, "channel_id": channel_id} for u in sorted(new)])


def _in_member_channels(user_id: int) -> sa.ColumnElement[bool]:
    """The user's mentions in channels they are still a member of (a left channel's stay hidden)."""
    return sa.and_(
        Mention.user_id == user_id,
        sa.exists().where(ChannelMember.channel_id == Mention.channel_id, ChannelMember.user_id == user_id),
    )


def unseen_count(session: Session, user_id: int) -> int:
    """How many of the user's mentions they have not seen (their badge and tab title), by
    ix_mention_user_message; a channel they muted does not count (it is still listed in Mentions)."""
    unmuted = sa.exists().where(
        ChannelMember.channel_id == Mention.channel_id, ChannelMember.user_id == user_id, ChannelMember.muted.is_(False))  # type: ignore[attr-defined]
    query = sa.select(sa.func.count()).select_from(Mention).where(Mention.user_id == user_id, unmuted, Mention.seen_at.is_(None))  # type: ignore[union-attr]
    return int(session.connection().execute(query).scalar_one())


def page(session: Session, user_id: int, before: int | None, limit: int) -> list[sa.Row[Any]]:
    """Up to `limit` of the user's mentions with message ids below `before`, newest
    first (the keyset of ix_mention_user_message), each with its message, author and
    channel: (message id, channel id, slug, channel name, content, person author,
    agent author, created_at, seen_at, thread id)."""
    query = (
        sa.select(
            Mention.message_id, Mention.channel_id, Channel.slug, Channel.name, Message.content, User.name, Agent.name,
            Message.created_at, Mention.seen_at, Message.thread_id,
        )
        .select_from(Mention)
        .join(Message, Message.id == Mention.message_id)  # type: ignore[arg-type]
        .join(Channel, Channel.id == Mention.channel_id)  # type: ignore[arg-type]
        .outerjoin(User, User.id == Message.user_id)  # type: ignore[arg-type]
        .outerjoin(Agent, Agent.id == Message.agent_id)  # type: ignore[arg-type]
        .where(_in_member_channels(user_id))
        .order_by(Mention.message_id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    if before is not None:
        query = query.where(Mention.message_id < before)
    return list(session.connection().execute(query).all())


def mark_seen(session: Session, user_id: int, channel_id: int | None, through: int | None) -> int:
    """Mark the user's unseen mentions (in one channel or all; up to message
    `through` or all) seen now; how many were."""
    query = sa.update(Mention).where(Mention.user_id == user_id, Mention.seen_at.is_(None))  # type: ignore[union-attr]
    if channel_id is not None:
        query = query.where(Mention.channel_id == channel_id)
    if through is not None:
        query = query.where(Mention.message_id <= through)
    return session.connection().execute(query.values(seen_at=utcnow())).rowcount
