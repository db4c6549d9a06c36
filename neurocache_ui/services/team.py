"""A channel's agents. Members see the team and add their own agents (not to
archived channels); the agent's owner or the channel's owner removes one. A
mention must name one agent, so two agents with one slug cannot share a
channel, and a channel seats at most NEUROCACHE_MAX_AGENTS_PER_CHANNEL (each is
a model call per message). Changes are announced on the bus after the commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurocache_ui.domain.dm_rules import FIXED
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.events import TeamChanged
from neurocache_ui.services import channels
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Agent
from neurocache_ui.store.repositories import agents as agent_rows
from neurocache_ui.store.repositories import dms as dm_rows
from neurocache_ui.store.repositories import team as repo

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


def _announce(channel_id: int) -> None:
    channels.announce(channel_id, TeamChanged())


def channel_agents(channel_id: int, viewer_id: int) -> list[ChannelAgentView]:
    """The channel's agents by name; NotFound unless the viewer is a member."""
    with database_guard(), session_scope() as session:
        channels.ensure_member(channel_id, viewer_id, session=session)
        return [_view(agent, viewer_id) for agent in repo.agents_of(session, channel_id)]


def team(channel_id: int) -> list[Agent]:
    """The channel's agents as full rows, for trusted callers (the agent runner)."""
    with database_guard(), session_scope() as session:
        return list(repo.agents_of(session, channel_id))


def full_message(limit: int) -> str:
    return (
        f"This channel already has {limit} agents, the most a channel may have. "
        "Remove one before adding another."
    )


def _seat(session: Session, channel_id: int, actor_id: int, agent_id: int) -> tuple[ChannelAgentView, bool]:
    """The agent's view, and whether it was added now (adding is idempotent)."""
    channels.ensure_can_post(channel_id, actor_id, session=session)  # NotFound, or Forbidden if archived
    if dm_rows.is_dm(session, channel_id):  # a DM's agents are part of who it is with
        raise Forbidden(FIXED)
    agent = agent_rows.owned(session, actor_id, agent_id)
    if agent is None:
        raise NotFound(AGENT_NOT_FOUND)
    if repo.slug_clash(session, channel_id, agent):
        raise Invalid(
            f"Another agent in this channel is already called @{agent.slug}, so a mention could not tell "
            "them apart. Change your agent's slug first.",
            "agent",
        )
    view = _view(agent, actor_id)
    seated = repo.seated(session, channel_id)
    if agent_id in seated:
        return view, False
    limit = get_settings().max_agents_per_channel
    if len(seated) >= limit:
        raise Invalid(full_message(limit), "agent")
    repo.seat(session, channel_id, agent_id)
    return view, True


def add_agent(channel_id: int, actor_id: int, agent_id: int) -> ChannelAgentView:
    """Put one of the actor's agents to work in a channel they are a member of."""
    view: ChannelAgentView | None = None
    with database_guard(UNAVAILABLE):
        try:
            with session_scope() as session:
                view, added = _seat(session, channel_id, actor_id, agent_id)
        except IntegrityError:
            # The seat is written at commit: added by a concurrent request (the primary
            # key), or the channel or agent was deleted a moment ago (a foreign key).
            if view is None or not any(a.id == agent_id for a in team(channel_id)):
                raise NotFound(channels.NOT_FOUND) from None
            return view
    if added:
        _announce(channel_id)
    return view


def remove_agent(channel_id: int, actor_id: int, agent_id: int) -> None:
    """Take an agent out of a channel: its owner or the channel's owner may."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        channels.ensure_member(channel_id, actor_id, session=session)
        if dm_rows.is_dm(session, channel_id):
            raise Forbidden(FIXED)
        owners = repo.owners(session, channel_id, agent_id)
        if owners is None:
            raise NotFound(NOT_IN_CHANNEL)
        if actor_id not in owners:
            raise Forbidden("Only the agent's owner or the channel's owner can remove it from the channel.")
        repo.unseat(session, channel_id, agent_id)
    _announce(channel_id)


__all__ = ["ChannelAgentView", "add_agent", "channel_agents", "remove_agent", "team"]
