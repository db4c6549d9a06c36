"""A channel's agents (services/team.py) on real Postgres and SQLite: who may add,
list and remove them."""

from __future__ import annotations

import uuid

import pytest

from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.services import agents, channels, team
from neurocache_ui.services.auth import CurrentUser, create_user

pytestmark = pytest.mark.usefixtures("database")


def person(name: str) -> CurrentUser:
    return create_user(name=name, email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")


def test_members_add_their_own_agents_and_everyone_in_the_channel_sees_them() -> None:
    ada, bob, eve = person("Ada"), person("Bob"), person("Eve")
    channel = channels.create_channel(ada.id, name="Launch", goal="Ship it")
    channels.invite(channel.id, ada.id, bob.email)
    scout = agents.create_agent(ada.id, {"name": "Scout", "description": "Finds facts", "reply_mode": "all"})
    critic = agents.create_agent(bob.id, {"name": "Critic", "emoji": "🧐"})

    added = team.add_agent(channel.id, ada.id, scout.id)
    assert (added.slug, added.name, added.reply_mode, added.owned) == ("scout", "Scout", "all", True)
    assert team.add_agent(channel.id, ada.id, scout.id) == added  # idempotent
    team.add_agent(channel.id, bob.id, critic.id)

    seen_by_bob = team.channel_agents(channel.id, bob.id)
    assert [(a.slug, a.name, a.emoji, a.owned) for a in seen_by_bob] == [
        ("critic", "Critic", "🧐", True),
        ("scout", "Scout", "🤖", False),
    ]
    assert seen_by_bob[1].description == "Finds facts"

    with pytest.raises(NotFound):  # someone else's agent
        team.add_agent(channel.id, bob.id, scout.id)
    with pytest.raises(NotFound):  # not a member
        team.add_agent(channel.id, eve.id, agents.create_agent(eve.id, {"name": "Spy"}).id)
    with pytest.raises(NotFound):
        team.channel_agents(channel.id, eve.id)


def test_a_slug_names_one_agent_per_channel() -> None:
    ada, bob = person("Ada"), person("Bob")
    channel = channels.create_channel(ada.id, name="Launch")
    channels.invite(channel.id, ada.id, bob.email)
    team.add_agent(channel.id, ada.id, agents.create_agent(ada.id, {"name": "Scout"}).id)
    bobs_scout = agents.create_agent(bob.id, {"name": "Scout"})  # same slug, another owner
    with pytest.raises(Invalid, match="@scout"):
        team.add_agent(channel.id, bob.id, bobs_scout.id)


def test_removing_is_for_the_agents_owner_or_the_channels_owner() -> None:
    ada, bob, cy = person("Ada"), person("Bob"), person("Cy")
    channel = channels.create_channel(ada.id, name="Launch")
    for someone in (bob, cy):
        channels.invite(channel.id, ada.id, someone.email)
    bobs = agents.create_agent(bob.id, {"name": "Critic"})
    cys = agents.create_agent(cy.id, {"name": "Helper"})
    team.add_agent(channel.id, bob.id, bobs.id)
    team.add_agent(channel.id, cy.id, cys.id)

    with pytest.raises(Forbidden):
        team.remove_agent(channel.id, cy.id, bobs.id)
    team.remove_agent(channel.id, bob.id, bobs.id)  # its owner
    team.remove_agent(channel.id, ada.id, cys.id)  # the channel's owner
    assert team.channel_agents(channel.id, ada.id) == []
    with pytest.raises(NotFound):
        team.remove_agent(channel.id, bob.id, bobs.id)


def test_archived_channels_take_no_new_agents() -> None:
    ada = person("Ada")
    channel = channels.create_channel(ada.id, name="Old")
    channels.archive(channel.id, ada.id)
    with pytest.raises(Forbidden):
        team.add_agent(channel.id, ada.id, agents.create_agent(ada.id, {"name": "Scout"}).id)


def test_deleting_an_agent_takes_it_out_of_its_channels() -> None:
    ada = person("Ada")
    channel = channels.create_channel(ada.id, name="Launch")
    scout = agents.create_agent(ada.id, {"name": "Scout"})
    team.add_agent(channel.id, ada.id, scout.id)
    agents.delete_agent(ada.id, scout.id)
    assert team.channel_agents(channel.id, ada.id) == []


def test_a_channel_takes_at_most_ten_agents() -> None:
    ada, bob = person("Ada"), person("Bob")
    channel = channels.create_channel(ada.id, name="Crowded")
    channels.invite(channel.id, ada.id, bob.email)
    seated = [agents.create_agent(ada.id, {"name": f"Helper {n}"}) for n in range(10)]
    for agent in seated:
        team.add_agent(channel.id, ada.id, agent.id)

    eleventh = agents.create_agent(bob.id, {"name": "Latecomer"})
    with pytest.raises(Invalid) as refused:
        team.add_agent(channel.id, bob.id, eleventh.id)
    assert str(refused.value) == (
        "This channel already has 10 agents, the most a channel may have. Remove one before adding another."
    )
    assert refused.value.field == "agent"
    assert team.add_agent(channel.id, ada.id, seated[0].id).slug == seated[0].slug  # re-adding stays idempotent
    assert len(team.channel_agents(channel.id, ada.id)) == 10

    team.remove_agent(channel.id, ada.id, seated[0].id)  # a seat frees up
    assert team.add_agent(channel.id, bob.id, eleventh.id).slug == "latecomer"


def test_the_agent_limit_is_configurable(use_settings, database: str) -> None:
    use_settings(DATABASE_URL=database, NEUROCACHE_MAX_AGENTS_PER_CHANNEL="2")
    ada = person("Ada")
    channel = channels.create_channel(ada.id, name="Small")
    first, second, third = (agents.create_agent(ada.id, {"name": name}) for name in ("One", "Two", "Three"))
    team.add_agent(channel.id, ada.id, first.id)
    team.add_agent(channel.id, ada.id, second.id)
    with pytest.raises(Invalid, match="already has 2 agents"):
        team.add_agent(channel.id, ada.id, third.id)
