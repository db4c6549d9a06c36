"""Direct messages over the API: start one with people and agents, the same set
finds the same DM, its messages go through /channels/{slug}/messages (an agent in
it answers without a mention), outsiders get 404, and unknown members 422 by name."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from neurocache_ui.services import agents, channels, team
from testkit.fake_provider import FakeOpenAIServer
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_start_a_dm_and_the_same_people_find_it_again(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob = new_caller("Bob")
    with caller.http() as as_ada, bob.http() as as_bob:
        started = as_ada.post("/dms", json={"members": [bob.email.upper()]})
        assert started.status_code == 201, started.text
        dm = started.json()
        assert dm["kind"] == "dm" and dm["slug"].startswith("dm-") and dm["member_count"] == 2
        assert dm["name"].startswith("Bob ") and dm["is_owner"] is False
        again = as_bob.post("/dms", json={"members": [caller.email]})
        assert again.status_code == 200 and again.json()["id"] == dm["id"] and again.json()["name"].startswith("Ada ")
        listed = as_bob.get("/channels").json()["data"]
        assert [(c["slug"], c["kind"]) for c in listed if c["id"] == dm["id"]] == [(dm["slug"], "dm")]

        posted = as_ada.post(f"/channels/{dm['slug']}/messages", json={"content": "just us"})
        assert posted.status_code == 201, posted.text
        read = as_bob.get(f"/channels/{dm['slug']}/messages").json()["data"]
        assert [m["content"] for m in read] == ["just us"]
        # Its members are fixed: Ada cannot add her agent to it (a new DM with it is the way).
        mine = agents.create_agent(caller.user_id, {"name": "Mine", "model": "fake-model"})
        refused = assert_openai_error(as_ada.post(f"/channels/{dm['slug']}/agents", json={"agent": mine.slug}), 403)
        assert "keeps the members" in refused["message"]


def test_outsiders_get_404_for_a_dm(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob, eve = new_caller("Bob"), new_caller("Eve")
    with caller.http() as as_ada, eve.http() as as_eve:
        dm = as_ada.post("/dms", json={"members": [bob.email]}).json()
        as_ada.post(f"/channels/{dm['slug']}/messages", json={"content": "not for Eve"})
        for response in (
            as_eve.get(f"/channels/{dm['slug']}"),
            as_eve.get(f"/channels/{dm['slug']}/messages"),
            as_eve.post(f"/channels/{dm['slug']}/messages", json={"content": "let me in"}),
        ):
            assert "not for Eve" not in response.text
            assert_openai_error(response, 404)
        assert all(c["id"] != dm["id"] for c in as_eve.get("/channels").json()["data"])


def test_unknown_members_are_refused_by_name(caller: Caller) -> None:
    with caller.http() as as_ada:
        unknown = assert_openai_error(as_ada.post("/dms", json={"members": ["nobody-at-all@example.com"]}), 422)
        assert "nobody-at-all@example.com" in unknown["message"]
        ghost = assert_openai_error(as_ada.post("/dms", json={"members": ["agent:no-such-agent"]}), 422)
        assert "agent:no-such-agent" in ghost["message"]
        assert_openai_error(as_ada.post("/dms", json={"members": []}), 422)
        assert_openai_error(as_ada.post("/dms", json={"members": [caller.email]}), 422)  # nobody else
        assert_openai_error(as_ada.post("/dms", json={"members": [f"p{i}@example.com" for i in range(9)]}), 422)


def test_an_agent_in_a_dm_answers_without_a_mention(
    caller: Caller, new_caller: Callable[..., Caller], fake_provider: FakeOpenAIServer,
) -> None:
    bob = new_caller("Bob")
    helper = agents.create_agent(bob.user_id, {"name": "Helper", "model": "fake-model"})
    with caller.http() as as_ada:
        # Bob's agent is out of Ada's reach until it is in a channel she is in.
        assert_openai_error(as_ada.post("/dms", json={"members": [f"agent:{helper.slug}"]}), 422)
        room = channels.create_channel(bob.user_id, name=f"room {uuid.uuid4().hex[:6]}")
        channels.invite(room.id, bob.user_id, caller.email)
        team.add_agent(room.id, bob.user_id, helper.id)
        started = as_ada.post("/dms", json={"members": [f"agent:{helper.slug}"]})
        assert started.status_code == 201, started.text
        slug = started.json()["slug"]
        assert started.json()["name"] == "Helper" and [a["slug"] for a in started.json()["agents"]] == [helper.slug]
        as_ada.post(f"/channels/{slug}/messages", json={"content": "summarise the plan"})
        deadline, replies = time.monotonic() + 20, []
        while time.monotonic() < deadline and not replies:
            data = as_ada.get(f"/channels/{slug}/messages").json()["data"]
            replies = [m for m in data if m["author_kind"] == "agent" and m["status"] == "complete"]
            time.sleep(0.2)
        assert replies and replies[0]["author_name"] == "Helper"
        assert "summarise the plan" in replies[0]["content"]
