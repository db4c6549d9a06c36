"""Direct messages with people and agents, for the hub and the API alike.

A DM is a channel of kind "dm" (domain/dm_rules.py), so once it exists every
channel action works on it: messages, threads, agents' replies, unread counts,
`/channels/{slug}/messages`. This module only starts one, or finds the one the same
set of members already has. Who may be in it: any account named by its email, the
people the starter shares a channel with (picked in the hub by id), the starter's
own agents and any agent in an ordinary channel the starter is in (whose members
may already @mention it). Anything else is refused by name, never created."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurocache_ui.domain import dm_rules, limits
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.events import MembershipChanged
from neurocache_ui.services import channels
from neurocache_ui.services.auth import normalize_email
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Agent, Channel
from neurocache_ui.store.repositories import channels as channel_rows
from neurocache_ui.store.repositories import dms as repo
from neurocache_ui.store.slug_claim import insert_with_free_slug

FIELD = "members"


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class AgentChoice:
    id: int
    slug: str
    name: str
    emoji: str
    owner_name: str
    owned: bool


@dataclass(frozen=True)
class Candidates:
    """Whom the "New message" dialog offers: people the user shares a channel with,
    and the agents they may message (their own first)."""

    people: list[Person]
    agents: list[AgentChoice]


@dataclass(frozen=True)
class _Members:
    user_ids: frozenset[int]
    agents: tuple[Agent, ...]
    starter: str
    names: tuple[str, ...]
    """Everyone's names, the starter's included: the DM's stored name (prompts, notices)."""


def candidates(user_id: int) -> Candidates:
    with database_guard(), session_scope() as session:
        people = [Person(id=r[0], name=r[1]) for r in repo.co_members(session, user_id)]
        agents = [
            AgentChoice(id=a.id, slug=a.slug, name=a.name, emoji=a.emoji, owner_name=owner, owned=a.owner_id == user_id)
            for a, owner in repo.addressable_agents(session, user_id)
            if a.id is not None
        ]
    return Candidates(people=people, agents=agents)


def _agent_by_slug(user_id: int, slug: str, addressable: Sequence[tuple[Agent, str]]) -> Agent:
    """The user's own agent with this slug, else the one agent of their channels with it."""
    matches = [a for a, _ in addressable if a.slug == slug]
    own = [a for a in matches if a.owner_id == user_id]
    if own:
        return own[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise Invalid(f"No agent agent:{slug} that you may message: use one of yours or one in your channels.", FIELD)
    raise Invalid(f"Several agents in your channels are called agent:{slug}; message it from the hub instead.", FIELD)


def _resolve(
    session: Session, user_id: int, emails: Collection[str], user_ids: Collection[int],
    agent_slugs: Collection[str], agent_ids: Collection[int],
) -> _Members:
    """The members the request names, each one checked; Invalid naming the first that is not allowed."""
    by_email = repo.users_by_email(session, [normalize_email(e) for e in emails])
    for email in emails:
        if normalize_email(email) not in by_email:
            raise Invalid(f"No account has the email {email}. Ask them to sign up first.", FIELD)
    known = {r[0]: r[1] for r in repo.co_members(session, user_id)}
    for picked in user_ids:
        if picked not in known and picked != user_id:
            raise Invalid("That person is not in any of your channels; message them by their email.", FIELD)
    addressable = [(a, owner) for a, owner in repo.addressable_agents(session, user_id)]
    by_id = {a.id: a for a, _ in addressable}
    chosen: dict[int, Agent] = {}
    for agent_id in agent_ids:
        if agent_id not in by_id:
            raise Invalid("That agent is not one you may message.", FIELD)
        chosen[agent_id] = by_id[agent_id]
    for slug in agent_slugs:
        agent = _agent_by_slug(user_id, slug, addressable)
        chosen[agent.id or 0] = agent
    slugs = [a.slug for a in chosen.values()]
    if clash := next((s for s in slugs if slugs.count(s) > 1), None):
        raise Invalid(f"Two of these agents answer to @{clash}, so a mention could not tell them apart.", FIELD)
    people = frozenset({*by_email.values(), *user_ids, user_id})
    dm_rules.check_size(people, chosen, user_id)
    if len(chosen) > (most := get_settings().max_agents_per_channel):
        raise Invalid(f"A conversation may have at most {most} agents.", FIELD)
    names = repo.user_names(session, people)
    return _Members(people, tuple(chosen.values()), names[user_id], tuple(names.values()) + tuple(a.name for a in chosen.values()))


def open_dm(
    user_id: int, *, emails: Collection[str] = (), user_ids: Collection[int] = (),
    agent_slugs: Collection[str] = (), agent_ids: Collection[int] = (),
) -> tuple[channels.ChannelView, bool]:
    """The DM of the user and the named members, and whether it was started now:
    the same set of members always gets the same DM, also when two start it at once."""
    with database_guard(), session_scope() as session:
        members = _resolve(session, user_id, emails, user_ids, agent_slugs, agent_ids)
        agent_ids_ = [a.id for a in members.agents if a.id is not None]
        key = dm_rules.member_key(members.user_ids, agent_ids_)
        existing = repo.by_key(session, key)
    if existing is not None and existing.id is not None:
        return channels.get_channel(existing.id, user_id), False
    stored_name = dm_rules.title(members.names)[: limits.CHANNEL_NAME_MAX]

    def insert(session: Session, slug: str) -> Channel:
        channel = Channel(slug=slug, name=stored_name, owner_id=user_id, kind=dm_rules.DM)
        return repo.insert(session, channel, key, members.user_ids, agent_ids_)

    try:
        with database_guard():
            channel = insert_with_free_slug(
                f"dm-{secrets.token_hex(5)}", max_length=limits.CHANNEL_SLUG_MAX, taken=channel_rows.slugs_starting,
                insert=insert, busy="Could not start the conversation right now; please try again.",
            )
    except IntegrityError:  # the same members' DM was started a moment ago
        with session_scope() as session:
            raced = repo.by_key(session, key)
        if raced is None or raced.id is None:
            raise
        return channels.get_channel(raced.id, user_id), False
    assert channel.id is not None
    others = sorted(members.user_ids - {user_id})
    if others:
        notice = f"{members.starter} started a direct message with you."
        channels.announce(channel.id, MembershipChanged(user_ids=others, joined=True, notice=notice))
    return channels.get_channel(channel.id, user_id), True


def open_by_refs(user_id: int, refs: Sequence[str]) -> tuple[channels.ChannelView, bool]:
    """`open_dm` for the API's member list: emails and `agent:<slug>`."""
    parsed = dm_rules.parse_members(refs)
    return open_dm(user_id, emails=parsed.emails, agent_slugs=parsed.agent_slugs)


__all__ = ["AgentChoice", "Candidates", "Person", "candidates", "open_by_refs", "open_dm"]
