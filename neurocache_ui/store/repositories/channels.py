"""Channel and membership queries. Membership is always a join or a primary-key
probe in the same statement, so "not a member" costs no extra round trip."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, delete, select, update

from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Channel, ChannelMember, Message, User


def _key(slug_or_id: str | int) -> sa.ColumnElement[bool]:
    """An `int` is an id, a `str` a slug (slugs are never all digits)."""
    return Channel.id == slug_or_id if isinstance(slug_or_id, int) else Channel.slug == slug_or_id


def _member_count() -> sa.ScalarSelect[int]:
    """Correlated on the outer Channel only; the alias keeps it from also
    correlating with the viewer's membership row that the outer query joins."""
    everyone = aliased(ChannelMember)
    return (
        select(sa.func.count())
        .select_from(everyone)
        .where(everyone.channel_id == Channel.id)
        .correlate(Channel)
        .scalar_subquery()
    )


def visible(
    session: Session, slug_or_id: str | int, viewer_id: int
) -> tuple[Channel, int, int | None, bool, str | None] | None:
    """The channel, its member count, the viewer's read marker, whether they are a
    member and their stored role, if `viewer_id` is a member or the channel is open
    (anyone may read it)."""
    row = session.exec(
        select(Channel, _member_count(), ChannelMember.last_read_message_id, ChannelMember.user_id, ChannelMember.role)
        .outerjoin(ChannelMember, sa.and_(ChannelMember.channel_id == Channel.id, ChannelMember.user_id == viewer_id))
        .where(_key(slug_or_id), sa.or_(ChannelMember.user_id.is_not(None), Channel.visibility == "open"))
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3] is not None, row[4])


def readable(session: Session, channel_id: int, user_id: int) -> bool:
    """Whether the user may read the channel: a member, or it is open. One lookup."""
    member = select(ChannelMember.user_id).where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
    found = session.exec(
        select(Channel.id).where(Channel.id == channel_id, sa.or_(Channel.visibility == "open", member.exists()))
    ).first()
    return found is not None


def member_channel_id(slug_or_id: str | int, user_id: int) -> int | None:
    """One statement on an autocommit connection (no BEGIN/COMMIT round trips),
    for hot paths that need the id and nothing else."""
    query = (
        sa.select(Channel.id)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)  # type: ignore[arg-type]
        .where(_key(slug_or_id), ChannelMember.user_id == user_id)
    )
    with get_engine().connect() as conn:
        return conn.execution_options(isolation_level="AUTOCOMMIT").execute(query).scalar()


def for_member(session: Session, channel_id: int, user_id: int) -> Channel | None:
    return session.exec(
        select(Channel)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(Channel.id == channel_id, ChannelMember.user_id == user_id)
    ).first()


def is_member(session: Session, channel_id: int, user_id: int) -> bool:
    """One primary-key lookup."""
    found = session.exec(
        select(ChannelMember.user_id).where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
    ).first()
    return found is not None


def membership(session: Session, channel_id: int, user_id: int) -> tuple[bool, datetime | None]:
    """(is a member, when the channel was archived) in one lookup."""
    row = session.exec(
        select(ChannelMember.user_id, Channel.archived_at)
        .join(Channel, Channel.id == ChannelMember.channel_id)
        .where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
    ).first()
    return (False, None) if row is None else (True, row[1])


def can_post(channel_id: int, user_id: int) -> sa.ColumnElement[bool]:
    """SQL that holds while the user is a member of the channel and it is not
    archived, for a write that checks it in the same statement."""
    return sa.exists().where(
        ChannelMember.channel_id == channel_id,
        ChannelMember.user_id == user_id,
        Channel.id == ChannelMember.channel_id,
        Channel.archived_at.is_(None),
    )


def _unread(channel_id: Any, after_id: Any, user_id: int) -> sa.ScalarSelect[Any]:
    """How many messages of the channel after `after_id` someone other than the user wrote."""
    return (
        select(sa.func.count())
        .select_from(Message)
        .where(
            Message.channel_id == channel_id,
            Message.id > after_id,
            sa.or_(Message.user_id.is_(None), Message.user_id != user_id),
        )
        .scalar_subquery()
    )


def unread_after(session: Session, channel_id: int, user_id: int, after_id: int | None) -> int:
    """The user's unread messages in one channel as of the read marker `after_id`."""
    return int(session.exec(select(_unread(channel_id, after_id or 0, user_id))).one() or 0)


def summaries(session: Session, user_id: int) -> Sequence[sa.Row[Any]]:
    """(id, slug, name, unread, newest, kind, muted, notify) of the user's active channels by name.

    Unread = messages after the member's read marker, not written by the user
    (agents' and system messages count); newest = the id of the channel's newest
    message, which those counts include. Correlated subqueries, so each channel
    costs index range scans and there is no N+1."""
    unread = _unread(ChannelMember.channel_id, sa.func.coalesce(ChannelMember.last_read_message_id, 0), user_id)
    newest = (  # by the channel's history index, newest first: one index step, however long the channel
        select(Message.id).where(Message.channel_id == Channel.id)
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(1).scalar_subquery()
    )
    return session.exec(
        select(Channel.id, Channel.slug, Channel.name, unread, sa.func.coalesce(newest, 0), Channel.kind,
               ChannelMember.muted, ChannelMember.notify)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(ChannelMember.user_id == user_id, Channel.archived_at.is_(None))
        .order_by(sa.func.lower(Channel.name), Channel.id)
    ).all()


def members(session: Session, channel_id: int, viewer_id: int) -> Sequence[sa.Row[Any]]:
    """(user id, name) of everyone in the channel by name; empty unless the viewer is one."""
    viewer = aliased(ChannelMember)
    return session.exec(
        select(User.id, User.name)
        .join(ChannelMember, ChannelMember.user_id == User.id)
        .join(viewer, sa.and_(viewer.channel_id == ChannelMember.channel_id, viewer.user_id == viewer_id))
        .where(ChannelMember.channel_id == channel_id)
        .order_by(sa.func.lower(User.name), User.id)
    ).all()


def slugs_starting(session: Session, prefix: str) -> set[str]:
    return set(session.exec(select(Channel.slug).where(Channel.slug.startswith(prefix))).all())


def insert(session: Session, channel: Channel) -> Channel:
    """The channel and its owner's membership."""
    session.add(channel)
    session.flush()
    assert channel.id is not None
    session.add(ChannelMember(channel_id=channel.id, user_id=channel.owner_id, role="owner"))
    return channel


def delete_channel(session: Session, channel_id: int) -> None:
    """The database cascades to members, messages and agent links."""
    session.exec(delete(Channel).where(Channel.id == channel_id))


def invitee(session: Session, channel_id: int, email: str) -> tuple[User, bool] | None:
    """The active account with this email and whether it is already a member, in one
    query; a deactivated account is not found (it cannot be invited)."""
    row = session.exec(
        select(User, ChannelMember.user_id)
        .outerjoin(ChannelMember, sa.and_(ChannelMember.user_id == User.id, ChannelMember.channel_id == channel_id))
        .where(User.email == email, User.deactivated_at.is_(None))
    ).first()
    return None if row is None else (row[0], row[1] is not None)


def add_member(session: Session, channel_id: int, user_id: int) -> None:
    session.add(ChannelMember(channel_id=channel_id, user_id=user_id))


def remove_member(session: Session, channel_id: int, user_id: int) -> None:
    session.exec(delete(ChannelMember).where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id))


def newest_message_id(channel_id: int) -> sa.ScalarSelect[Any]:
    """The channel's newest message by id, thread replies included (ids follow time),
    as SQL, so moving a read marker there stays one statement."""
    return select(sa.func.max(Message.id)).where(Message.channel_id == channel_id).scalar_subquery()


def move_read_marker(session: Session, channel_id: int, user_id: int, message_id: int | sa.ScalarSelect[Any]) -> bool:
    """One conditional UPDATE, so concurrent calls can only move the marker
    forward, and only to a message of this channel; True if it moved."""
    marker = ChannelMember.last_read_message_id
    in_channel = select(Message.id).where(Message.id == message_id, Message.channel_id == channel_id).exists()
    result = session.exec(
        update(ChannelMember)
        .where(
            ChannelMember.channel_id == channel_id,
            ChannelMember.user_id == user_id,
            sa.or_(marker.is_(None), marker < message_id),
            in_channel,
        )
        .values(last_read_message_id=message_id)
    )
    return bool(result.rowcount)
