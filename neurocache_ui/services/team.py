"""A channel's agents: which agents work in which channel (the `channel_agent` table).

Rules, in line with core/channels.py:
- Only members see a channel's agents; anyone else gets NotFound, exactly as for
  a channel that does not exist.
- A member may add one of their *own* agents (someone else's agent is NotFound,
  as everywhere in core/agents.py). Adding is idempotent. Archived channels are
  read-only, so nothing can be added to them.
- An agent is @mentioned by its slug, and slugs are unique per owner only, so a
  channel refuses a second agent with a slug already in use there: a mention
  must name exactly one agent.
- The agent's owner or the channel's owner may remove an agent; other members
  get Forbidden.
- A channel holds at most NEUROCACHE_MAX_AGENTS_PER_CHANNEL agents (10): each is
  one more model call per message that wakes them all, and per collective query.
  On Postgres the channel's row is locked while a new agent is added, so two
  concurrent adds cannot both take the last seat.

Every change publishes `{"type": "channel.agents"}` on the channel's bus, so
pages showing the channel's team reload it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, select

from neurocache_ui.domain.events import TeamChanged
from neurocache_ui.infra import bus
from neurocache_ui.services import channels
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.store.models import Agent, Channel, ChannelAgent
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

AGENT_NOT_FOUND = "Agent not found."
NOT_IN_CHANNEL = "That agent is not in this channel."
UNAVAILABLE = "The channel's agents cannot be changed right now because the database is unreachable. Try again in a moment."


@dataclass(frozen=True)
class ChannelAgentView:
    """An agent as the members of a channel see it."""

    id: int
    slug: str
    name: str
    emoji: str
    description: str
    reply_mode: str
    owner_id: int
    owned: bool
    """True when the viewer owns the agent."""


def _view(agent: Agent, viewer_id: int) -> ChannelAgentView:
    assert agent.id is not None
    return ChannelAgentView(
        id=agent.id,
        slug=agent.slug,
        name=agent.name,
        emoji=agent.emoji,
        description=agent.description,
        reply_mode=agent.reply_mode,
        owner_id=agent.owner_id,
        owned=agent.owner_id == viewer_id,
    )


def _agents_query(channel_id: int) -> sa.Select:
    return (
        select(Agent)
        .join(ChannelAgent, ChannelAgent.agent_id == Agent.id)
        .where(ChannelAgent.channel_id == channel_id)
        .order_by(sa.func.lower(Agent.name), Agent.id)
    )


def _announce(channel_id: int) -> None:
    try:
        bus.publish(channel_id, TeamChanged())
    except Exception:  # publishing never fails the change; pages catch up on reload
        log.exception("publishing a team change of channel %s failed", channel_id)


def channel_agents(channel_id: int, viewer_id: int) -> list[ChannelAgentView]:
    """The channel's agents by name; NotFound unless the viewer is a member."""
    with database_guard():
        channels.ensure_member(channel_id, viewer_id)
        with session_scope() as session:
            return [_view(agent, viewer_id) for agent in session.exec(_agents_query(channel_id)).all()]


def team(channel_id: int) -> list[Agent]:
    """The channel's agents as full rows, for trusted callers (the agent runner)."""
    with database_guard():
        with session_scope() as session:
            return list(session.exec(_agents_query(channel_id)).all())


def full_message(limit: int) -> str:
    return (
        f"This channel already has {limit} agents, the most a channel may have. "
        "Remove one before adding another."
    )


def _check_room(session: Session, channel_id: int, agent_id: int) -> None:
    """Invalid when the channel is full, unless the agent is already in it (adding is idempotent)."""
    seated = session.exec(select(ChannelAgent.agent_id).where(ChannelAgent.channel_id == channel_id)).all()
    limit = get_settings().max_agents_per_channel
    if agent_id not in seated and len(seated) >= limit:
        raise Invalid(full_message(limit), "agent")


def add_agent(channel_id: int, actor_id: int, agent_id: int) -> ChannelAgentView:
    """Put one of the actor's agents to work in a channel they are a member of."""
    with database_guard(UNAVAILABLE):
        channel = channels.get_channel(channel_id, actor_id)  # NotFound for non-members
        if channel.archived:
            raise Forbidden(channels.ARCHIVED)
        with session_scope() as session:
            agent = session.exec(select(Agent).where(Agent.id == agent_id, Agent.owner_id == actor_id)).first()
            if agent is None:
                raise NotFound(AGENT_NOT_FOUND)
            clash = session.exec(
                _agents_query(channel_id).where(Agent.slug == agent.slug, Agent.id != agent.id)
            ).first()
            if clash is not None:
                raise Invalid(
                    f"Another agent in this channel is already called @{agent.slug}, so a mention could not tell "
                    "them apart. Change your agent's slug first.",
                    "agent",
                )
        view = _view(agent, actor_id)
        try:
            with session_scope() as session:
                # Serialise adds to this channel (FOR UPDATE is ignored on SQLite,
                # whose writes are serialised anyway), then count its seats.
                session.exec(select(Channel.id).where(Channel.id == channel_id).with_for_update())
                _check_room(session, channel_id, agent_id)
                session.add(ChannelAgent(channel_id=channel_id, agent_id=agent_id))
        except IntegrityError:
            # Already in the channel (the primary key), or the channel or agent
            # was deleted a moment ago (a foreign key): tell the two apart.
            if not any(a.id == agent_id for a in team(channel_id)):
                raise NotFound(channels.NOT_FOUND) from None
            return view
    _announce(channel_id)
    return view


def remove_agent(channel_id: int, actor_id: int, agent_id: int) -> None:
    """Take an agent out of a channel: its owner or the channel's owner may."""
    with database_guard(UNAVAILABLE):
        channels.ensure_member(channel_id, actor_id)
        with session_scope() as session:
            row = session.exec(
                select(Agent.owner_id, Channel.owner_id)
                .select_from(ChannelAgent)
                .join(Agent, Agent.id == ChannelAgent.agent_id)
                .join(Channel, Channel.id == ChannelAgent.channel_id)
                .where(ChannelAgent.channel_id == channel_id, ChannelAgent.agent_id == agent_id)
            ).first()
            if row is None:
                raise NotFound(NOT_IN_CHANNEL)
            agent_owner, channel_owner = row
            if actor_id not in (agent_owner, channel_owner):
                raise Forbidden("Only the agent's owner or the channel's owner can remove it from the channel.")
            session.exec(delete(ChannelAgent).where(ChannelAgent.channel_id == channel_id, ChannelAgent.agent_id == agent_id))
    _announce(channel_id)


__all__ = ["ChannelAgentView", "add_agent", "channel_agents", "remove_agent", "team"]
