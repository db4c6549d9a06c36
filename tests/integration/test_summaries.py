"""Summaries against real Postgres and Redis, with the fake model provider over
HTTP: who writes the summary, which messages it covers (unread, the latest 50, a
thread), that only the asker sees, shares or dismisses it, that it survives a
reload until closed, and that model trouble gives a sentence, not a traceback."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid, NotFound, Unavailable
from neurocache_ui.infra.llm.errors import NO_PROVIDER_NOTICE
from neurocache_ui.services import agents, channels, messaging, summaries, team
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Summary, UsageEvent
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)

SUMMARY = "- Bob shipped the parser.\n- The launch moves to Friday."


@pytest.fixture
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis", **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


class Room:
    """Ada's channel (with a goal) with Bob in it; Carol is not a member."""

    def __init__(self) -> None:
        self.ada, self.bob, self.carol = create_user("Ada"), create_user("Bob"), create_user("Carol")
        self.channel = channels.create_channel(self.ada.id, name=f"launch {uuid.uuid4().hex[:6]}", goal="Launch on time")
        channels.invite(self.channel.id, self.ada.id, self.bob.email)

    def bob_says(self, *texts: str, thread_id: int | None = None) -> list[int]:
        return [
            messaging.post_message(self.channel.id, user_id=self.bob.id, content=text, thread_id=thread_id).id
            for text in texts
        ]

    def agent(self, name: str) -> agents.AgentPublic:
        agent = agents.create_agent(self.ada.id, {"name": name, "model": "fake-model", "max_tokens": 300, "reply_mode": "mentions"})
        team.add_agent(self.channel.id, self.ada.id, agent.id)
        return agent


def prompt(provider: FakeOpenAIServer) -> tuple[str, str, dict[str, Any]]:
    """(system, user) text of the last request, and its body."""
    body = provider.last_body()
    return body["messages"][0]["content"], body["messages"][1]["content"], body


def usage_of(user_id: int) -> list[tuple[str, int | None, int | None]]:
    with session_scope() as session:
        rows = session.connection().execute(
            sa.select(UsageEvent.source, UsageEvent.agent_id, UsageEvent.channel_id).where(UsageEvent.user_id == user_id)
        ).all()
    return [tuple(row) for row in rows]


async def test_the_default_model_summarizes_the_unread_messages_thread_replies_included(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Room()
    root, *_ = room.bob_says("old news one", "old news two", "the parser is done")
    room.bob_says("tests pass too", thread_id=root)
    room.bob_says("launch moves to Friday")
    fake_provider.configure(reply=SUMMARY)

    summary = await summaries.summarize(room.ada.id, room.channel.id, unread=3)

    system, user, body = prompt(fake_provider)
    assert body["model"] == get_settings().default_model
    assert f"{room.ada.name} asked for a summary of 3 unread messages" in system and "Launch on time" in system
    assert f"{room.bob.name}: the parser is done" in user and f"{room.bob.name} (in a thread): tests pass too" in user
    assert f"{room.bob.name}: launch moves to Friday" in user and "old news" not in user
    assert user.index("the parser is done") < user.index("launch moves to Friday")  # oldest first
    assert (summary.author, summary.agent_id, summary.scope, summary.message_count) == ("", None, "unread", 3)
    assert summary.content == SUMMARY and summary.heading == "Summary of 3 unread messages"
    assert usage_of(room.ada.id) == [("hub", None, room.channel.id)]  # the asker pays
    assert usage_of(room.bob.id) == []


async def test_without_unread_messages_it_summarizes_the_last_50(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Room()
    room.bob_says(*(f"note number {i:03d}" for i in range(55)))
    fake_provider.configure(reply=SUMMARY)

    summary = await summaries.summarize(room.ada.id, room.channel.id, unread=0)

    _, user, _ = prompt(fake_provider)
    assert "note number 054" in user and "note number 005" in user and "note number 004" not in user
    assert summary.scope == "latest" and summary.message_count == 50
    assert summary.heading == "No unread messages: summary of the last 50 messages"


async def test_the_channels_first_agent_by_name_writes_it(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Room()
    room.agent("Zed")
    amy = room.agent("Amy")
    room.bob_says("hello team")
    fake_provider.configure(reply=SUMMARY)

    summary = await summaries.summarize(room.ada.id, room.channel.id, unread=1)

    system, _, body = prompt(fake_provider)
    assert system.startswith(f"You are Amy (@{amy.slug})") and body["model"] == "fake-model" and body["max_tokens"] == 300
    assert (summary.author, summary.agent_id) == ("Amy", amy.id)
    assert usage_of(room.ada.id) == [("hub", amy.id, room.channel.id)]

    message = summaries.share(summary.id, room.ada.id)
    assert message.agent_id == amy.id and message.author_name == "Amy"
    assert message.content == f"Summary for {room.ada.name} of 1 unread message:\n\n{SUMMARY}"


async def test_a_thread_summary_covers_the_thread_and_is_shared_in_it(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Room()
    root, _ = room.bob_says("which date for the launch?", "unrelated channel chatter")
    room.bob_says("Friday works", "Monday is too late", thread_id=root)
    fake_provider.configure(reply=SUMMARY)

    summary = await summaries.summarize(room.ada.id, room.channel.id, thread_id=root, unread=7)

    _, user, _ = prompt(fake_provider)
    assert "which date for the launch?" in user and "Friday works" in user and "Monday is too late" in user
    assert "unrelated" not in user
    assert (summary.scope, summary.thread_id, summary.message_count) == ("thread", root, 3)
    assert summaries.pending(room.ada.id, room.channel.id, root) == summary
    assert summaries.pending(room.ada.id, room.channel.id) is None  # the channel's notice is another one

    message = summaries.share(summary.id, room.ada.id)
    assert message.thread_id == root and message.author_kind == "system"
    assert message.content.startswith(f"Summary for {room.ada.name} of this thread (3 messages):")
    _, replies = messaging.thread_messages(root, viewer_id=room.bob.id)
    assert replies[-1].id == message.id

    other = channels.create_channel(room.ada.id, name=f"other {uuid.uuid4().hex[:6]}")
    with pytest.raises(NotFound):  # a thread of another channel
        await summaries.summarize(room.ada.id, other.id, thread_id=root)


async def test_only_members_may_ask_and_an_empty_channel_has_nothing(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Room()
    with pytest.raises(Invalid, match="Nothing to summarize yet."):
        await summaries.summarize(room.ada.id, room.channel.id, unread=0)
    room.bob_says("secret plans")
    with pytest.raises(NotFound):
        await summaries.summarize(room.carol.id, room.channel.id, unread=1)
    with pytest.raises(NotFound):
        summaries.pending(room.carol.id, room.channel.id)
    assert fake_provider.requests() == []


async def test_only_the_asker_shares_or_dismisses_once_and_the_notice_outlives_a_reload(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Room()
    room.bob_says("we need a logo", "and a name")
    fake_provider.configure(reply=SUMMARY)
    first = await summaries.summarize(room.ada.id, room.channel.id, unread=2)

    assert summaries.pending(room.ada.id, room.channel.id) == first  # what a reload shows
    assert summaries.pending(room.bob.id, room.channel.id) is None  # Bob never sees Ada's
    for action in (summaries.share, summaries.dismiss):
        with pytest.raises(NotFound):
            action(first.id, room.bob.id)
        with pytest.raises(NotFound):
            action(first.id, room.carol.id)

    summaries.dismiss(first.id, room.ada.id)
    assert summaries.pending(room.ada.id, room.channel.id) is None
    with pytest.raises(Invalid, match="already shared or dismissed"):
        summaries.share(first.id, room.ada.id)

    second = await summaries.summarize(room.ada.id, room.channel.id, unread=2)
    message = summaries.share(second.id, room.ada.id)
    assert message.content == f"Summary for {room.ada.name} of 2 unread messages:\n\n{SUMMARY}"
    assert messaging.recent_messages(room.channel.id, 5, viewer_id=room.bob.id)[-1].id == message.id
    with pytest.raises(Invalid, match="already shared or dismissed"):
        summaries.share(second.id, room.ada.id)
    assert summaries.pending(room.ada.id, room.channel.id) is None
    with session_scope() as session:
        assert session.get(Summary, second.id).shared_message_id == message.id  # type: ignore[union-attr]

    bobs = await summaries.summarize(room.bob.id, room.channel.id, unread=0)
    channels.leave(room.channel.id, room.bob.id)
    with pytest.raises(NotFound):  # a former member can no longer post it
        summaries.share(bobs.id, room.bob.id)


async def test_model_trouble_is_a_clear_message_and_stores_nothing(
    stores: Stores, use_settings, fake_provider: FakeOpenAIServer
) -> None:
    room = Room()
    room.bob_says("status update")
    fake_provider.configure(fail_status=500, fail_times=-1)
    with pytest.raises(Unavailable, match="The summary could not be written: "):
        await summaries.summarize(room.ada.id, room.channel.id, unread=1)

    use_settings(OPENAI_BASE_URL=None, OPENAI_API_KEY=None)
    with pytest.raises(Unavailable) as missing:
        await summaries.summarize(room.ada.id, room.channel.id, unread=1)
    assert str(missing.value) == NO_PROVIDER_NOTICE
    with session_scope() as session:
        count = session.connection().execute(sa.select(sa.func.count()).select_from(Summary).where(Summary.user_id == room.ada.id))
        assert count.scalar_one() == 0


async def test_a_long_summary_is_cut_to_fit_a_message_when_shared(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Room()
    room.bob_says("a very long discussion")
    long = " ".join(["summarizing"] * 600)  # 7,199 characters in 600 tokens: over the 4,000 a message may hold
    fake_provider.configure(reply=long)
    summary = await summaries.summarize(room.ada.id, room.channel.id, unread=1)
    assert summary.content == long  # the notice shows it whole

    message = summaries.share(summary.id, room.ada.id)
    assert len(message.content) == get_settings().max_message_chars and message.content.endswith("…")
