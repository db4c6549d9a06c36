"""Channel roles: a member's role with their channel in one lookup, the roster with
roles, and role changes. Which role may do what is domain/roles.py's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select, update

from neurocache_ui.store.models import Channel, ChannelMember, User


def membership(session: Session, channel_id: int, user_id: int) -> tuple[Channel, str] | None:
    """The channel and the user's stored role, if they are a member (one primary-key join)."""
    row = session.exec(
        select(Channel, ChannelMember.role)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(Channel.id == channel_id, ChannelMember.user_id == user_id)
    ).first()
    return None if row is None else (row[0], row[1])


def roster(session: Session, channel_id: int, viewer_id: int) -> Sequence[sa.Row[Any]]:
    """(user id, name, role) of everyone in the channel by name; empty unless the viewer is one."""
    viewer = aliased(ChannelMember)
    return session.exec(
        select(User.id, User.name, ChannelMember.role)
        .join(ChannelMember, ChannelMember.user_id == User.id)
        .join(viewer, sa.and_(viewer.channel_id == ChannelMember.channel_id, viewer.user_id == viewer_id))
        .where(ChannelMember.channel_id == channel_id)
        .order_by(sa.func.lower(User.name), User.id)
    ).all()


def set_role(session: Session, channel_id: int, user_id: int, role: str) -> bool:
    """True if the user is a member (and now has `role`)."""
    result = session.exec(
        update(ChannelMember)
        .where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
        .values(role=role)
    )
    return bool(result.rowcount)
