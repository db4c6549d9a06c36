"""Direct messages on real stores (Postgres + Redis, and SQLite + the in-process
fallbacks): one DM per set of members, named for each viewer, fixed members,
private to them, and agents in them answering every message (over the fake
OpenAI-compatible provider)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator

import pytest

from neurocache_ui.domain import dm_rules
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.infra import presence as rosters
from neurocache_ui.services import agents, channels, dms, messaging, presence, team
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.auth import CurrentUser, create_user
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, request.param, **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


@pytest.fixture(autouse=True)
async def no_leftover_replies() -> AsyncIterator[None]:
    yield
    await runner.shutdown()


def person(name: str) -> CurrentUser:
    return create_user(name=name, email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com", password="analytical engine 1843")


def agent_of(owner: CurrentUser, name: str, **settings: str) -> agents.AgentPublic:
    return agents.create_agent(owner.id, {"name": name, "model": "fake-model", **settings})


def test_the_same_people_always_get_the_same_dm_named_for_each_viewer(stores: Stores) -> None:
    ada, bob, cy = person("Ada"), person("Bob"), person("Cy")
    writer = agent_of(ada, "Writer")
    first, started = dms.open_dm(ada.id, emails=[bob.email.upper()])
    assert started and first.kind == dm_rules.DM and first.name == "Bob" and not first.is_owner
    again, started_again = dms.open_dm(bob.id, emails=[ada.email])
    assert (again.id, started_again, again.name) == (first.id, False, "Ada")

    group, _ = dms.open_dm(ada.id, emails=[cy.email, bob.email], agent_ids=[writer.id])
    assert group.id != first.id and group.name == "Bob, Cy, Writer"
    same, started = dms.open_dm(ada.id, user_ids=[bob.id, cy.id], agent_slugs=[writer.slug])
    assert (same.id, started) == (group.id, False)
    assert channels.get_channel(group.slug, cy.id).name == "Ada, Bob, Writer"

    sidebar = {c.id: c for c in channels.list_channels(bob.id)}
    assert (sidebar[first.id].kind, sidebar[first.id].name) == ("dm", "Ada")
    assert sidebar[group.id].name == "Ada, Cy, Writer"
    # A DM with one person carries their id (the row's profile button); a group has no one to show.
    assert (sidebar[first.id].peer, sidebar[group.id].peer) == (ada.id, 0)


def test_two_people_starting_the_same_dm_at_once_share_one(stores: Stores) -> None:
    ada, bob = person("Ada"), person("Bob")
    found: list[int] = []
    barrier = threading.Barrier(2)

    def start(me: CurrentUser, other: CurrentUser) -> None:
        barrier.wait()
        found.append(dms.open_dm(me.id, emails=[other.email])[0].id)

    threads = [threading.Thread(target=start, args=pair) for pair in ((ada, bob), (bob, ada))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 2 and found[0] == found[1]


def test_members_are_checked_and_refusals_name_what_is_wrong(stores: Stores) -> None:
    ada, bob = person("Ada"), person("Bob")
    with pytest.raises(Invalid, match="nobody-here@example.com"):
        dms.open_by_refs(ada.id, ["nobody-here@example.com"])
    with pytest.raises(Invalid, match="agent:ghost"):
        dms.open_by_refs(ada.id, [bob.email, "agent:ghost"])
    with pytest.raises(Invalid, match="at least one other"):
        dms.open_dm(ada.id, emails=[ada.email])
    crowd = [person(f"P{i}") for i in range(dm_rules.MAX_MEMBERS)]
    with pytest.raises(Invalid, match=f"at most {dm_rules.MAX_MEMBERS}"):
        dms.open_dm(ada.id, emails=[p.email for p in crowd])
    dms.open_dm(ada.id, emails=[p.email for p in crowd[:-1]])  # eight with Ada: allowed
    # A person picked by id must share a channel with the starter (by email, anyone).
    with pytest.raises(Invalid, match="not in any of your channels"):
        dms.open_dm(ada.id, user_ids=[bob.id])


def test_agents_one_may_message_are_ones_own_and_those_of_shared_channels(stores: Stores) -> None:
    ada, bob = person("Ada"), person("Bob")
    bobs_writer, bobs_secret = agent_of(bob, "Writer"), agent_of(bob, "Secret")
    with pytest.raises(Invalid, match=f"agent:{bobs_writer.slug}"):
        dms.open_by_refs(ada.id, [f"agent:{bobs_writer.slug}"])
    room = channels.create_channel(bob.id, name=f"room {uuid.uuid4().hex[:6]}")
    channels.invite(room.id, bob.id, ada.email)
    team.add_agent(room.id, bob.id, bobs_writer.id)

    offered = dms.candidates(ada.id)
    assert [p.name for p in offered.people] == ["Bob"]
    assert [(a.name, a.owned, a.owner_name) for a in offered.agents] == [("Writer", False, "Bob")]
    dm, _ = dms.open_by_refs(ada.id, [f"agent:{bobs_writer.slug}"])
    assert dm.name == "Writer"
    with pytest.raises(Invalid):
        dms.open_dm(ada.id, agent_ids=[bobs_secret.id])
    # A DM is not a shared channel: Bob's Secret, in a DM with Ada, stays out of her reach.
    dms.open_dm(bob.id, emails=[ada.email], agent_ids=[bobs_secret.id])
    assert bobs_secret.id not in {a.id for a in dms.candidates(ada.id).agents}


def test_a_dm_keeps_its_members_and_outsiders_never_see_it(stores: Stores) -> None:
    ada, bob, eve = person("Ada"), person("Bob"), person("Eve")
    helper = agent_of(ada, "Helper")
    dm, _ = dms.open_dm(ada.id, emails=[bob.email])
    for change in (
        lambda: channels.rename(dm.id, ada.id, "Secret plans"),
        lambda: channels.invite(dm.id, ada.id, eve.email),
        lambda: channels.archive(dm.id, ada.id),
        lambda: channels.delete_channel(dm.id, ada.id),
        lambda: channels.leave(dm.id, bob.id),
        lambda: team.add_agent(dm.id, ada.id, helper.id),
    ):
        with pytest.raises(Forbidden, match="keeps the members"):
            change()
    assert {m.name for m in channels.members(dm.id, bob.id)} == {"Ada", "Bob"}

    messaging.post_message(dm.id, user_id=ada.id, content="just between us")
    assert [m.content for m in messaging.recent_messages(dm.id, 10, viewer_id=bob.id)] == ["just between us"]
    assert channels.list_channels(bob.id)[0].unread == 1
    with pytest.raises(NotFound):
        channels.get_channel(dm.slug, eve.id)
    with pytest.raises(NotFound):
        messaging.recent_messages(dm.id, 10, viewer_id=eve.id)
    with pytest.raises(NotFound):
        messaging.post_message(dm.id, user_id=eve.id, content="let me in")
    assert all(c.id != dm.id for c in channels.list_channels(eve.id))


def test_a_dm_shows_whether_its_other_people_are_in_the_hub(stores: Stores) -> None:
    ada, bob = person("Ada"), person("Bob")
    dm, _ = dms.open_dm(ada.id, emails=[bob.email])
    assert [c.online for c in channels.list_channels(ada.id) if c.id == dm.id] == [False]
    elsewhere = channels.create_channel(bob.id, name=f"bobs {uuid.uuid4().hex[:6]}")
    presence.announce(elsewhere.id, bob.id, "Bob", shown=[])  # Bob has one of his channels open
    assert bob.id in rosters.online_in_hub()
    assert [c.online for c in channels.list_channels(ada.id) if c.id == dm.id] == [True]
    assert [c.online for c in channels.list_channels(bob.id) if c.id == dm.id] == [False]  # Ada is not


async def test_agents_in_a_dm_answer_every_message_and_a_mention_picks_one(
    stores: Stores, fake_provider: FakeOpenAIServer,
) -> None:
    ada = person("Ada")
    scout, critic = agent_of(ada, "Scout"), agent_of(ada, "Critic")
    solo, _ = dms.open_dm(ada.id, agent_ids=[scout.id])

    async def say(channel_id: int, text: str) -> list[str]:
        view = await asyncio.to_thread(messaging.post_message, channel_id, user_id=ada.id, content=text)
        runner.trigger(view, triggered_by_user_id=ada.id)
        await runner.drain(timeout=60)
        history = messaging.recent_messages(channel_id, 50, viewer_id=ada.id)
        return [m.author_name for m in history if m.author_kind == "agent" and m.id > view.id]

    assert await say(solo.id, "what do we know?") == ["Scout"]  # no mention needed
    pair, _ = dms.open_dm(ada.id, agent_ids=[scout.id, critic.id])
    assert sorted(await say(pair.id, "thoughts, both of you?")) == ["Critic", "Scout"]
    assert await say(pair.id, f"@{critic.slug} only you") == ["Critic"]
    # The same agents in an ordinary channel still wait to be mentioned.
    room = channels.create_channel(ada.id, name=f"room {uuid.uuid4().hex[:6]}")
    team.add_agent(room.id, ada.id, scout.id)
    assert await say(room.id, "anyone?") == []
