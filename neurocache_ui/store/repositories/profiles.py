"""Profiles, avatars and who may see whose card: queries over store/profile_models.py."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from neurocache_ui.store.models import Agent, ChannelAgent, ChannelMember, User
from neurocache_ui.store.profile_models import UserAvatar, UserProfile


def _channels_of(user_id: int) -> sa.Select:
    return select(ChannelMember.channel_id).where(ChannelMember.user_id == user_id)


def person(session: Session, viewer_id: int, user_id: int) -> tuple[User, UserProfile | None] | None:
    """The account and profile of `user_id` if the viewer is them or shares a channel
    or DM with them (an active account); else None."""
    shares = select(ChannelMember.channel_id).where(
        ChannelMember.user_id == user_id, ChannelMember.channel_id.in_(_channels_of(viewer_id))
    ).exists()
    row = session.exec(
        select(User, UserProfile)
        .outerjoin(UserProfile, UserProfile.user_id == User.id)
        .where(User.id == user_id, User.deactivated_at.is_(None), sa.or_(User.id == viewer_id, shares))  # type: ignore[union-attr]
    ).first()
    return (row[0], row[1]) if row is not None else None


def profile_for_update(session: Session, user_id: int) -> UserProfile:
    """The user's profile row, locked, created empty if they had none."""
    found = session.exec(select(UserProfile).where(UserProfile.user_id == user_id).with_for_update()).first()
    if found is None:
        found = UserProfile(user_id=user_id)
        session.add(found)
        session.flush()
    return found


def replace_avatar(session: Session, user_id: int, sizes: dict[int, bytes]) -> None:
    session.execute(sa.delete(UserAvatar).where(UserAvatar.user_id == user_id))  # type: ignore[arg-type]
    session.add_all([UserAvatar(user_id=user_id, size=size, data=data) for size, data in sizes.items()])


def avatar(session: Session, user_id: int, size: int) -> bytes | None:
    return session.exec(select(UserAvatar.data).where(UserAvatar.user_id == user_id, UserAvatar.size == size)).first()


def avatar_versions(session: Session, user_ids: Collection[int]) -> dict[int, int]:
    """user id → avatar version, for those of `user_ids` who have an avatar."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(UserProfile.user_id, UserProfile.avatar_version).where(
            UserProfile.user_id.in_(list(user_ids)), UserProfile.avatar_version > 0  # type: ignore[attr-defined]
        )
    ).all()
    return dict(rows)


def channel_user_ids(session: Session, channel_id: int, viewer_id: int) -> list[int]:
    """The channel's people, if the viewer is one of them; else []."""
    ids = list(session.exec(select(ChannelMember.user_id).where(ChannelMember.channel_id == channel_id)).all())
    return ids if viewer_id in ids else []


def agent(session: Session, viewer_id: int, agent_id: int) -> tuple[Agent, str] | None:
    """(agent, owner's name) if the viewer owns it or it sits in a channel or DM of
    theirs (where they can already @mention it); else None."""
    seated = select(ChannelAgent.agent_id).where(
        ChannelAgent.agent_id == Agent.id, ChannelAgent.channel_id.in_(_channels_of(viewer_id))
    ).exists()
    row: Any = session.exec(
        select(Agent, User.name).join(User, User.id == Agent.owner_id)
        .where(Agent.id == agent_id, sa.or_(Agent.owner_id == viewer_id, seated))
    ).first()
    return (row[0], row[1]) if row is not None else None
