"""Direct-message queries: finding a set of members' DM, who and what a person may
message, and the names a DM shows each viewer (store/dm_models.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from neurocache_ui.domain.dm_rules import CHANNEL, DM
from neurocache_ui.store.dm_models import DirectMessage
from neurocache_ui.store.models import Agent, Channel, ChannelAgent, ChannelMember, User


def by_key(session: Session, member_key: str) -> Channel | None:
    """The DM of exactly this set of members, if it was started."""
    return session.exec(
        select(Channel).join(DirectMessage, DirectMessage.channel_id == Channel.id).where(DirectMessage.member_key == member_key)
    ).first()


def insert(session: Session, channel: Channel, member_key: str, user_ids: Collection[int], agent_ids: Collection[int]) -> Channel:
    """The DM's channel, its key, its people and its agents, in the caller's unit of work."""
    session.add(channel)
    session.flush()
    assert channel.id is not None
    session.add(DirectMessage(channel_id=channel.id, member_key=member_key))
    session.add_all([ChannelMember(channel_id=channel.id, user_id=user_id) for user_id in sorted(user_ids)])
    session.add_all([ChannelAgent(channel_id=channel.id, agent_id=agent_id) for agent_id in sorted(agent_ids)])
    session.flush()  # the key's unique index speaks here, inside the caller's error handling
    return channel


def _shared_channels(user_id: int, *, ordinary_only: bool) -> sa.Select:
    """The ids of the channels the user is a member of (only kind "channel" when asked)."""
    query = select(ChannelMember.channel_id).where(ChannelMember.user_id == user_id)
    if ordinary_only:
        query = query.join(Channel, Channel.id == ChannelMember.channel_id).where(Channel.kind == CHANNEL)
    return query


def co_members(session: Session, user_id: int) -> Sequence[sa.Row[Any]]:
    """(id, name) of everyone active who shares a channel or a DM with the user, by
    name: a deactivated account cannot be messaged (its old messages stay)."""
    shares = select(ChannelMember.user_id).where(
        ChannelMember.user_id == User.id, ChannelMember.channel_id.in_(_shared_channels(user_id, ordinary_only=False))
    ).exists()
    return session.exec(
        select(User.id, User.name).where(shares, User.id != user_id, User.deactivated_at.is_(None)).order_by(sa.func.lower(User.name), User.id)
    ).all()


def _addressable(user_id: int) -> sa.ColumnElement[bool]:
    """The agents a person may message: their own, and every agent in a channel they
    are in (whose members can already @mention it there)."""
    seated = select(ChannelAgent.agent_id).where(ChannelAgent.channel_id.in_(_shared_channels(user_id, ordinary_only=True)))
    return sa.or_(Agent.owner_id == user_id, Agent.id.in_(seated))


def addressable_agents(session: Session, user_id: int) -> Sequence[sa.Row[Any]]:
    """(agent, its owner's name) of every agent the user may message: their own first, then by name."""
    return session.exec(
        select(Agent, User.name)
        .join(User, User.id == Agent.owner_id)
        .where(_addressable(user_id))
        .order_by((Agent.owner_id != user_id), sa.func.lower(Agent.name), Agent.id)
    ).all()


def user_names(session: Session, user_ids: Collection[int]) -> dict[int, str]:
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(list(user_ids)))).all())


def users_by_email(session: Session, emails: Collection[str]) -> dict[str, int]:
    """Email -> account id for the emails that have an active account."""
    if not emails:
        return {}
    rows = session.exec(select(User.email, User.id).where(User.email.in_(list(emails)), User.deactivated_at.is_(None))).all()
    return {email: user_id for email, user_id in rows}


def titles(session: Session, viewer_id: int, channel_ids: Collection[int]) -> dict[int, tuple[list[str], list[int]]]:
    """For each DM: (the names of its members other than the viewer, people then
    agents, and the ids of those other people), in two queries for any number of DMs."""
    found: dict[int, tuple[list[str], list[int]]] = {channel_id: ([], []) for channel_id in channel_ids}
    if not found:
        return found
    everyone = aliased(ChannelMember)
    people = session.exec(
        select(everyone.channel_id, User.id, User.name)
        .join(User, User.id == everyone.user_id)
        .where(everyone.channel_id.in_(list(found)), everyone.user_id != viewer_id)
    ).all()
    for channel_id, user_id, name in people:
        found[channel_id][0].append(name)
        found[channel_id][1].append(user_id)
    agents = session.exec(
        select(ChannelAgent.channel_id, Agent.name)
        .join(Agent, Agent.id == ChannelAgent.agent_id)
        .where(ChannelAgent.channel_id.in_(list(found)))
    ).all()
    for channel_id, name in agents:
        found[channel_id][0].append(name)
    return found


def is_dm(session: Session, channel_id: int) -> bool:
    return session.exec(select(Channel.kind).where(Channel.id == channel_id)).first() == DM
