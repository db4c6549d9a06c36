"""Which agents work in which channel (the `channel_agent` table)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, delete, select

from neurocache_ui.store.models import Agent, Channel, ChannelAgent


def _agents_query(channel_id: int) -> sa.Select:
    return (
        select(Agent)
        .join(ChannelAgent, ChannelAgent.agent_id == Agent.id)
        .where(ChannelAgent.channel_id == channel_id)
        .order_by(sa.func.lower(Agent.name), Agent.id)
    )


def agents_of(session: Session, channel_id: int) -> Sequence[Agent]:
    """The channel's agents by name."""
    return session.exec(_agents_query(channel_id)).all()


def slug_clash(session: Session, channel_id: int, agent: Agent) -> bool:
    """Another agent of the channel answers to the same @slug."""
    query = _agents_query(channel_id).where(Agent.slug == agent.slug, Agent.id != agent.id)
    return session.exec(query).first() is not None


def seated(session: Session, channel_id: int) -> list[int]:
    """The ids of the channel's agents, after locking the channel's row so
    concurrent adds count seats one at a time (SQLite, whose writes are
    serialised anyway, ignores FOR UPDATE)."""
    session.exec(select(Channel.id).where(Channel.id == channel_id).with_for_update())
    return list(session.exec(select(ChannelAgent.agent_id).where(ChannelAgent.channel_id == channel_id)).all())


def seat(session: Session, channel_id: int, agent_id: int) -> None:
    session.add(ChannelAgent(channel_id=channel_id, agent_id=agent_id))


def owners(session: Session, channel_id: int, agent_id: int) -> tuple[int, int] | None:
    """(the agent's owner, the channel's owner) if the agent is in the channel."""
    row = session.exec(
        select(Agent.owner_id, Channel.owner_id)
        .select_from(ChannelAgent)
        .join(Agent, Agent.id == ChannelAgent.agent_id)
        .join(Channel, Channel.id == ChannelAgent.channel_id)
        .where(ChannelAgent.channel_id == channel_id, ChannelAgent.agent_id == agent_id)
    ).first()
    return None if row is None else (row[0], row[1])


def unseat(session: Session, channel_id: int, agent_id: int) -> None:
    session.exec(delete(ChannelAgent).where(ChannelAgent.channel_id == channel_id, ChannelAgent.agent_id == agent_id))
