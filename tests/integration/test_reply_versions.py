"""Regenerate and Retry (services/agent_runs/regenerate.py, services/reply_versions.py):
the same agent answers the same message again in the same place, reading the
conversation as it was; the old text stays browsable as an earlier version; what
went wrong with a reply's tools stays under it. Through the runner, the fake
provider, Postgres and Redis, as the hub runs it."""

from __future__ import annotations

import asyncio

import pytest

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.messages import MAX_VERSIONS
from neurocache_ui.services import messaging, reply_versions, team
from neurocache_ui.services.agent_runs import regenerate, runner
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores
from tests.integration.test_runner import BusRecorder, Team, person
from tests.integration.test_runner import no_leftover_replies, stores  # noqa: F401 (the runner's fixtures)

pytestmark = pytest.mark.timeout(120)


async def again(message_id: int, user_id: int) -> None:
    await regenerate.regenerate(message_id, user_id)
    await runner.drain(timeout=60)


async def test_regenerate_answers_the_same_question_in_place_and_keeps_the_old_text(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Team({"name": "Scout"})
    fake_provider.configure(replies=["The window opens at dawn.", "Dawn, on the ninth."])
    asked = await room.say("@scout when does the launch window open?")
    await room.say("Thanks, noted.")  # the conversation moves on after the reply
    [reply] = room.replies()
    assert reply.content == "The window opens at dawn." and reply.version_count == 1

    async with BusRecorder(room.channel.id) as recorder:
        await again(reply.id, room.bob.id)  # any member may; Bob's quota pays
    [now] = room.replies()
    assert now.id == reply.id and now.content == "Dawn, on the ninth." and now.status == "complete"
    assert now.version_count == 2
    # It read the conversation as it was: up to the question, not "Thanks, noted." after it.
    sent = fake_provider.last_body()["messages"]
    assert "when does the launch window open?" in str(sent) and "Thanks, noted." not in str(sent)
    # Viewers saw it restart empty and streaming, then the new text, in the same row.
    updates = [e["message"] for _, e in recorder.events if e["type"] == "message.updated" and e["message"]["id"] == reply.id]
    assert updates[0]["status"] == "streaming" and updates[0]["content"] == "" and updates[-1]["content"] == now.content
    # The first text is version 1 of 2.
    first = reply_versions.version(reply.id, 1, viewer_id=room.ada.id)
    assert first.content == "The window opens at dawn." and first.version_count == 2
    assert reply_versions.version(reply.id, 2, viewer_id=room.ada.id).content == "Dawn, on the ninth."
    with pytest.raises(NotFound):
        reply_versions.version(reply.id, 3, viewer_id=room.ada.id)
    assert asked.id < reply.id


async def test_retry_after_a_failure_and_what_cannot_be_regenerated(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    fake_provider.configure(fail_status=500, fail_times=1)
    await room.say("@scout status?")
    [failed] = room.replies()
    assert failed.status == "error"
    await again(failed.id, room.ada.id)  # "Retry"
    [retried] = room.replies()
    assert retried.id == failed.id and retried.status == "complete" and retried.content.endswith("@scout status?")

    people = messaging.recent_messages(room.channel.id, 10, viewer_id=room.ada.id)[0]
    with pytest.raises(Invalid, match="Only an agent's reply"):
        await regenerate.regenerate(people.id, room.ada.id)
    stranger = person("Eve")
    with pytest.raises(NotFound):
        await regenerate.regenerate(failed.id, stranger.id)  # not a member: nothing to find
    team.remove_agent(room.channel.id, room.ada.id, retried.agent_id or 0)
    with pytest.raises(Invalid, match="no longer in this channel"):
        await regenerate.regenerate(failed.id, room.ada.id)
    assert messaging.get_message(failed.id, viewer_id=room.ada.id).version_count == 2  # unchanged by the refusals


async def test_a_reply_being_written_is_not_restarted_twice_and_versions_are_capped(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Team({"name": "Scout"})
    await room.say("@scout go")
    [reply] = room.replies()
    for _ in range(MAX_VERSIONS + 2):
        reply_versions.restart(reply.id)
        with pytest.raises(Invalid, match="still being written"):
            reply_versions.restart(reply.id)  # a second click while it streams
        with pytest.raises(Invalid, match="still being written"):
            await regenerate.regenerate(reply.id, room.ada.id)
        messaging.update_agent_message(reply.id, agent_id=reply.agent_id or 0, content="again")
    assert messaging.get_message(reply.id, viewer_id=room.ada.id).version_count == MAX_VERSIONS


async def test_a_reply_whose_tool_failed_says_so_under_its_text(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout", "tools": ["fetch_url"]})
    fake_provider.configure(replies=[
        {"tool_calls": [{"name": "fetch_url", "arguments": {"url": "http://127.0.0.1:9/secret"}}]},
        "I could not read that page.",
    ])  # fmt: skip
    await room.say("@scout read http://127.0.0.1:9/secret")
    [reply] = room.replies()
    assert reply.status == "complete" and len(reply.notes) == 1
    assert reply.notes[0].startswith("Read web pages failed: ")
    assert messaging.get_message(reply.id, viewer_id=room.bob.id).notes == reply.notes  # everyone reads it
    await asyncio.sleep(0)
