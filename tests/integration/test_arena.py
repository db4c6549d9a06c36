"""The channel arena (services/arena.py) through the runner's task registry, the
fake provider and both backends: two agents answer one question with their names
hidden, each member votes once, the reveal names them and moves their Elo ratings."""

from __future__ import annotations

import json

import pytest

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import agents, arena, composer, messaging
from neurocache_ui.services.agent_runs import runner
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores
from tests.integration.test_runner import Team, person
from tests.integration.test_runner import any_stores, no_leftover_replies  # noqa: F401 (the runner's fixtures)

pytestmark = pytest.mark.timeout(120)


def card_of(message_id: int, viewer_id: int) -> dict:
    return json.loads(messaging.get_message(message_id, viewer_id=viewer_id).arena)


async def test_two_agents_answer_blind_everyone_votes_and_the_ratings_move(
    any_stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Team({"name": "Scout", "reply_mode": "all"}, {"name": "Critic", "reply_mode": "all"})
    fake_provider.configure(reply="Paris, since 508.")
    view, is_message = await composer.send(room.ada.id, room.channel.id, "/arena @scout @critic What is the capital of France?")
    assert not is_message and view.content == "What is the capital of France?"
    assert json.loads(view.arena)["state"] == "answering" and "result" not in json.loads(view.arena)
    await runner.drain(timeout=60)

    card = card_of(view.id, room.bob.id)
    assert card["state"] == "voting" and card["a"]["text"] == card["b"]["text"] == "Paris, since 508."
    assert "Scout" not in json.dumps(card) and "Critic" not in json.dumps(card)  # names hidden
    assert room.replies() == []  # no agent answered the question in the channel itself
    asked = [r["body"]["messages"][-1]["content"] for r in fake_provider.requests() if r["path"].endswith("/chat/completions")]
    assert asked == ["What is the capital of France?"] * 2  # the question alone, the same for both

    with pytest.raises(Invalid, match="Vote first"):
        arena.reveal(room.bob.id, view.id)
    arena.vote(room.ada.id, view.id, "a")
    with pytest.raises(Invalid, match="already voted"):
        arena.vote(room.ada.id, view.id, "b")
    with pytest.raises(NotFound):
        arena.vote(person("Eve").id, view.id, "b")  # not a member
    assert card_of(view.id, room.ada.id)["voters"] == [room.ada.id]

    arena.vote(room.bob.id, view.id, "a")  # the last person in the channel: revealed
    result = card_of(view.id, room.ada.id)["result"]
    assert result["winner"] == "a" and result["tally"] == {"a": 2, "b": 0, "tie": 0}
    assert {result["a"], result["b"]} == {"Scout", "Critic"}
    assert (result["a_rating"], result["a_delta"], result["b_rating"], result["b_delta"]) == ("1016", "+16", "984", "−16")
    winner = next(a for a in room.agents.values() if a.name == result["a"])
    stored = agents.get_agent(room.ada.id, winner.id)
    assert (stored.arena_rating, stored.arena_games) == (1016, 1)
    with pytest.raises(Invalid, match="closed"):
        arena.vote(room.ada.id, view.id, "b")


async def test_the_command_is_checked_and_the_starter_may_reveal_without_votes(
    any_stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Team({"name": "Scout"}, {"name": "Critic"})
    for text, reason in (
        ("/arena @scout why?", "/arena @first-agent"),
        ("/arena @scout @ghost why?", "@ghost is not an agent in this channel"),
        ("/arena @scout @scout why?", "two different"),
    ):
        with pytest.raises(Invalid, match=reason):
            await composer.send(room.ada.id, room.channel.id, text)
    fake_provider.configure(fail_status=500, fail_times=1)  # one answer fails: the match still goes on
    view, _ = await composer.send(room.ada.id, room.channel.id, "/arena @scout @critic Which is faster?")
    await runner.drain(timeout=60)
    card = card_of(view.id, room.ada.id)
    assert sorted([card["a"]["status"], card["b"]["status"]]) == ["complete", "error"]
    arena.reveal(room.ada.id, view.id)  # the starter, before anyone voted
    result = card_of(view.id, room.bob.id)["result"]
    assert result["winner"] == "none" and result["a_delta"] == result["b_delta"] == "±0"
    assert all(agents.get_agent(room.ada.id, a.id).arena_games == 0 for a in room.agents.values())
