"""Agents replying in channels (services/agent_runs) on real stores: Postgres (or SQLite)
with Redis (or the in-process fallback), and the fake OpenAI-compatible provider
over real HTTP. Nothing of ours is mocked: a person's message is stored with
services.messaging, the runner is started exactly as the hub starts it, and what
viewers would see is read back from the bus and the database."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.domain.reply_rules import HOP_LIMIT
from neurocache_ui.infra import bus
from neurocache_ui.infra.llm import NO_PROVIDER_NOTICE
from neurocache_ui.services import agents, channels, knowledge, messaging, spend, team
from neurocache_ui.services.agent_runs import progress, runner
from neurocache_ui.services.agent_runs.delivery import INTERRUPTED, TOO_LONG
from neurocache_ui.services.agent_runs.throttle import FLUSH_INTERVAL
from neurocache_ui.services.auth import CurrentUser, create_user
from neurocache_ui.settings import PROJECT_ROOT
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import Message, UsageEvent
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["postgres+redis"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(
        request, use_settings, request.param, **fake_provider.env(),
        NEUROCACHE_LLM_MAX_RETRIES="0", NEUROCACHE_LLM_FIRST_TOKEN_TIMEOUT_SECONDS=None,
    )  # fmt: skip


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def any_stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, request.param, **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


@pytest.fixture(autouse=True)
async def no_leftover_replies() -> AsyncIterator[None]:
    yield
    await runner.shutdown()


def person(name: str) -> CurrentUser:
    return create_user(name=name, email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")


class Team:
    """Ada's channel with her agents in it (and Bob as a second member)."""

    def __init__(self, *specs: dict[str, Any], goal: str = "Ship the launch plan by Friday") -> None:
        self.ada, self.bob = person("Ada"), person("Bob")
        self.channel = channels.create_channel(self.ada.id, name=f"launch {uuid.uuid4().hex[:6]}", goal=goal)
        channels.invite(self.channel.id, self.ada.id, self.bob.email)
        self.agents = {}
        for spec in specs:
            agent = agents.create_agent(self.ada.id, {"model": "fake-model", **spec})
            team.add_agent(self.channel.id, self.ada.id, agent.id)
            self.agents[agent.slug] = agent

    async def say(self, text: str, *, by: CurrentUser | None = None) -> MessageView:
        """A person posts, and the agents' replies (and their hand-offs) run to the end."""
        view = await self.post(text, by=by)
        await runner.drain(timeout=60)
        return view

    async def post(self, text: str, *, by: CurrentUser | None = None) -> MessageView:
        """A person posts and the runner starts, as the hub's send does; returns at once."""
        author = by or self.ada
        view = await asyncio.to_thread(lambda: messaging.post_message(self.channel.id, user_id=author.id, content=text))
        runner.trigger(view, triggered_by_user_id=author.id)
        return view

    def replies(self) -> list[MessageView]:
        history = messaging.recent_messages(self.channel.id, 100, viewer_id=self.ada.id)
        return [m for m in history if m.author_kind == "agent"]

    def hops(self) -> list[int]:
        with get_engine().connect() as conn:
            return list(
                conn.execute(
                    sa.select(Message.hop).where(Message.channel_id == self.channel.id).order_by(Message.id)
                ).scalars()
            )


class BusRecorder:
    """Every bus event of one channel, with the time it arrived, and each streaming
    reply's text as a viewer rebuilds it from the appended parts."""

    def __init__(self, channel_id: int) -> None:
        self.channel_id = channel_id
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.texts: dict[int, str] = {}
        self._so_far: list[tuple[float, int, str]] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> BusRecorder:
        ready = asyncio.Event()

        async def run() -> None:
            async for channel_id, event in bus.listen(ready=ready):
                if channel_id == self.channel_id:
                    self._record(time.monotonic(), event.model_dump(mode="json"))

        self._task = asyncio.create_task(run())
        await asyncio.wait_for(ready.wait(), 10)
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.sleep(0.2)  # the last events are in flight
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def _record(self, at: float, event: dict[str, Any]) -> None:
        self.events.append((at, event))
        if event["type"] == "agent.stream":
            before = self.texts.get(event["message_id"], "")
            assert event["offset"] <= len(before), "an update was missed"  # the bus lost nothing here
            self.texts[event["message_id"]] = text = before[: event["offset"]] + event["text"]
            self._so_far.append((at, event["message_id"], text))

    def streams(self, message_id: int | None = None) -> list[tuple[float, str]]:
        """(arrival, the reply's text so far) of each streaming update."""
        return [(at, text) for at, mid, text in self._so_far if message_id is None or mid == message_id]

    async def wait_for_stream(self, predicate, timeout: float = 20) -> int:
        """The id of the first reply whose text so far matches `predicate`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, message_id, text in self._so_far:
                if predicate(text):
                    return message_id
            await asyncio.sleep(0.02)
        raise AssertionError("no matching agent.stream event")


# ---------------------------------------------------------------- who answers


async def test_a_mention_wakes_exactly_the_mentioned_agent(any_stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout", "slug": "scout42"}, {"name": "Critic", "slug": "critic"})
    await room.say("Hey @SCOUT42, what do we know?")
    [reply] = room.replies()
    assert (reply.author_name, reply.status, reply.agent_id) == ("Scout", "complete", room.agents["scout42"].id)
    assert reply.content == f"Echo: {room.ada.name}: Hey @SCOUT42, what do we know?"
    assert len(fake_provider.requests()) == 1

    # Not a mention: inside a word, an e-mail address, or a longer slug.
    await room.say("mail bob@scout42.com or ask @scout42-team or @scout420")
    assert len(room.replies()) == 1 and len(fake_provider.requests()) == 1


async def test_agents_on_every_message_answer_people_but_not_agents(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Greeter", "reply_mode": "all"}, {"name": "Scout"})
    await room.say("good morning")
    [greeting] = room.replies()
    assert greeting.author_name == "Greeter" and greeting.status == "complete"

    fake_provider.configure(replies=["I asked Greeter nothing, over to @scout"])
    await room.say("status?")
    # Greeter answered the person and handed over to Scout; Scout's reply (an
    # agent's message) did not wake Greeter again although it answers everything.
    assert [m.author_name for m in room.replies()] == ["Greeter", "Greeter", "Scout"]
    assert room.hops() == [0, 1, 0, 1, 2]


async def test_an_agent_never_answers_itself(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Alpha", "reply_mode": "all"})
    fake_provider.configure(reply="I am @alpha and I am done")
    await room.say("@alpha go")
    assert len(room.replies()) == 1
    assert len(fake_provider.requests()) == 1


async def test_the_hop_limit_ends_an_agent_to_agent_loop(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Alpha"}, {"name": "Beta"})
    fake_provider.configure(replies=["@beta your turn", "@alpha your turn", "@beta again", "@alpha again", "@beta more"])
    await room.say("@alpha start the loop")
    assert [m.author_name for m in room.replies()] == ["Alpha", "Beta", "Alpha"][: HOP_LIMIT]
    assert len(fake_provider.requests()) == HOP_LIMIT
    assert room.hops() == list(range(HOP_LIMIT + 1))
    # The last reply mentions Beta and is complete, but triggered nobody.
    assert room.replies()[-1].content == "@beta again" and room.replies()[-1].status == "complete"


async def test_several_agents_answer_at_the_same_time(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Alpha"}, {"name": "Beta"})
    fake_provider.configure(reply="one two three four five", token_delay=0.1)
    async with BusRecorder(room.channel.id) as recorder:
        await room.say("@alpha and @beta, both of you")
    replies = room.replies()
    assert sorted(m.author_name for m in replies) == ["Alpha", "Beta"]
    assert all(m.content == "one two three four five" and m.status == "complete" for m in replies)
    # Both were streaming at once: both placeholders exist before either reply is final.
    kinds = [(e["type"], e.get("message", {}).get("author_kind")) for _, e in recorder.events if e["type"] != "agent.stream"]
    assert kinds == [("message.created", "user"), *[("message.created", "agent")] * 2, *[("message.updated", "agent")] * 2]
    streaming = {e["message_id"] for _, e in recorder.events if e["type"] == "agent.stream"}
    assert streaming == {m.id for m in replies}


# ---------------------------------------------------------------- streaming


async def test_streaming_updates_are_flushed_at_most_every_50_ms(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    words = [f"w{i}" for i in range(80)]
    fake_provider.configure(reply=" ".join(words), token_delay=0.01)
    async with BusRecorder(room.channel.id) as recorder:
        started = time.monotonic()
        await room.say("@scout count")
        duration = time.monotonic() - started
    [reply] = room.replies()
    assert reply.content == " ".join(words)
    updates = recorder.streams(reply.id)
    times = [at for at, _ in updates]
    texts = [text for _, text in updates]
    # 80 tokens over ~0.8 s: per token would be 80 updates, every 50 ms is ~16.
    assert 5 <= len(updates) <= duration / FLUSH_INTERVAL + 2, (len(updates), duration)
    # Measured on arrival, so one late delivery can bunch two updates: the mean gap
    # is what is checked here; the spacing at the sender is checked exactly in
    # tests/unit/test_runner_rules.py.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert sum(gaps) / len(gaps) >= 0.045, gaps
    # The text so far (rebuilt from the appended parts) grows with each update and
    # ends before the final message; after the first, an update carries only its part.
    assert all(reply.content.startswith(text) and text for text in texts)
    assert texts == sorted(texts, key=len) and len(set(texts)) == len(texts)
    kinds = [e["type"] for _, e in recorder.events]
    assert kinds[0] == "message.created" and kinds[-1] == "message.updated"
    parts = [e for _, e in recorder.events if e["type"] == "agent.stream"]
    assert [e["offset"] for e in parts] == [0] + [len(text) for text in texts[:-1]]
    assert max(len(e["text"]) for e in parts[1:]) < len(reply.content) // 2


async def test_a_lone_token_is_not_held_back(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    """Throttling delays a token by at most the interval, even when nothing follows it."""
    room = Team({"name": "Scout"})
    fake_provider.configure(reply="first second", token_delay=1.0)
    async with BusRecorder(room.channel.id) as recorder:
        await room.post("@scout slowly")
        await recorder.wait_for_stream(lambda text: text == "first", timeout=10)
        first_seen = recorder.streams()[0][0]
        await runner.drain(timeout=20)
    second = next(at for at, text in recorder.streams() if text == "first second")
    assert second - first_seen >= 0.9  # the second token came a second later and went out alone


# ---------------------------------------------------------------- stopping and failures


async def test_stop_keeps_the_partial_text_as_incomplete(any_stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    fake_provider.configure(reply=" ".join(f"word{i}" for i in range(100)), token_delay=0.1)
    async with BusRecorder(room.channel.id) as recorder:
        await room.post("@scout tell me everything")
        message_id = await recorder.wait_for_stream(lambda text: "word3" in text)
        assert await runner.stop_reply(message_id, room.bob.id) is True  # any member may stop
        await runner.drain(timeout=10)
    [reply] = room.replies()
    assert reply.status == "incomplete"
    body, note = reply.content.rsplit("\n\n", 1)
    assert body.startswith("word0 word1 word2 word3") and "word99" not in body
    assert note == f"⏹ Stopped by {room.bob.name}."
    assert await runner.stop_reply(reply.id, room.bob.id) is False  # already over
    [event] = usage_events(room.ada.id)
    assert event.outcome == "stopped" and event.completion_tokens >= 4


async def test_stop_from_another_process_reaches_the_running_reply(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    """The stop request is made by another process (another worker): it goes through Redis."""
    room = Team({"name": "Scout"})
    fake_provider.configure(reply=" ".join(f"word{i}" for i in range(100)), token_delay=0.1)
    async with BusRecorder(room.channel.id) as recorder:
        await room.post("@scout tell me everything")
        message_id = await recorder.wait_for_stream(lambda text: "word2" in text)
        script = (
            "import asyncio; from neurocache_ui.services.agent_runs import runner; "
            f"print(asyncio.run(runner.stop_reply({message_id}, {room.bob.id})))"
        )
        env = {**os.environ, "DATABASE_URL": stores.database_url, "REDIS_URL": stores.redis_url or ""}
        done = await asyncio.to_thread(
            lambda: subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
        )
        assert done.stdout.strip() == "True", done.stderr
        await runner.drain(timeout=10)
    [reply] = room.replies()
    assert reply.status == "incomplete" and reply.content.endswith(f"⏹ Stopped by {room.bob.name}.")
    assert "word99" not in reply.content


async def test_non_members_cannot_stop_a_reply(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    fake_provider.configure(reply="a b c d e f g h", token_delay=0.2)
    async with BusRecorder(room.channel.id) as recorder:
        await room.post("@scout go")
        message_id = await recorder.wait_for_stream(bool)
        with pytest.raises(NotFound):
            await runner.stop_reply(message_id, person("Eve").id)
        await runner.drain(timeout=20)
    assert room.replies()[0].status == "complete"


async def test_an_abandoned_reply_can_still_be_closed(any_stores: Stores) -> None:
    """A reply whose worker died stays "streaming"; Stop closes it with the text it had
    streamed instead of doing nothing."""
    room = Team({"name": "Scout"})
    orphan = messaging.post_message(room.channel.id, agent_id=room.agents["scout"].id, content="", status="streaming", hop=1)
    await progress.Progress(room.channel.id, orphan.id).publish("half a")  # then its worker died
    assert await runner.stop_reply(orphan.id, room.ada.id) is True
    closed = messaging.get_message(orphan.id, viewer_id=room.ada.id)
    assert closed.status == "incomplete" and closed.content == f"half a\n\n{INTERRUPTED}"


async def test_provider_errors_are_shown_in_the_reply(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    fake_provider.configure(fail_status=500, fail_times=-1)
    await room.say("@scout hello?")
    [failed] = room.replies()
    assert failed.status == "error"
    assert failed.content == "⚠️ The model provider had a server error (HTTP 500). Try again in a moment."

    fake_provider.reset()
    fake_provider.configure(reply="one two three four five six", drop_after_tokens=3)
    await room.say("@scout again")
    broken = room.replies()[-1]
    assert broken.status == "incomplete"
    assert broken.content.startswith("one two three\n\n⚠️ ")
    assert "broke off" in broken.content
    assert [e.outcome for e in usage_events(room.ada.id)] == ["error", "error"]


async def test_a_silent_provider_times_out_with_the_partial_text(stores: Stores, fake_provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(NEUROCACHE_LLM_FIRST_TOKEN_TIMEOUT_SECONDS="0.5")
    room = Team({"name": "Scout"})
    fake_provider.configure(reply="one two three four", hang_after_tokens=2)
    await room.say("@scout go")
    [reply] = room.replies()
    assert reply.status == "incomplete" and reply.content.startswith("one two\n\n⚠️ ")
    assert "0.5 seconds" in reply.content
    assert usage_events(room.ada.id)[0].outcome == "timeout"


async def test_without_a_provider_the_agent_posts_one_clear_notice(any_stores: Stores, use_settings) -> None:
    use_settings(OPENAI_BASE_URL=None, OPENAI_API_KEY=None)
    room = Team({"name": "Scout"}, {"name": "Greeter", "reply_mode": "all"})
    await room.say("@scout are you there?")
    notices = room.replies()
    assert sorted(m.author_name for m in notices) == ["Greeter", "Scout"]
    assert all(m.content == NO_PROVIDER_NOTICE and m.status == "error" for m in notices)
    assert runner.running_here() == []


async def test_a_shutdown_keeps_what_was_written(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    fake_provider.configure(reply=" ".join(f"word{i}" for i in range(100)), token_delay=0.1)
    async with BusRecorder(room.channel.id) as recorder:
        await room.post("@scout go on")
        await recorder.wait_for_stream(lambda text: "word2" in text)
        await runner.shutdown()
    [reply] = room.replies()
    assert reply.status == "incomplete" and reply.content.startswith("word0 word1 word2")
    assert reply.content.endswith(INTERRUPTED)


async def test_a_reply_longer_than_a_message_is_cut(stores: Stores, fake_provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(NEUROCACHE_MAX_MESSAGE_CHARS="200")
    room = Team({"name": "Scout"})
    fake_provider.configure(reply=" ".join(["lengthy"] * 100))
    await room.say("@scout go")
    [reply] = room.replies()
    assert reply.status == "incomplete" and len(reply.content) <= 200
    assert reply.content.endswith(TOO_LONG)


# ---------------------------------------------------------------- what the model sees, and usage


def usage_events(user_id: int) -> list[UsageEvent]:
    with session_scope() as session:
        return list(session.exec(select(UsageEvent).where(UsageEvent.user_id == user_id).order_by(UsageEvent.id)).all())


async def test_the_prompt_has_goal_instructions_history_and_knowledge(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team(
        {"name": "Scout", "instructions": "Answer like a ship's navigator.", "description": "Finds facts"},
        {"name": "Critic", "description": "Pokes holes in plans"},
        goal="Launch the rocket on time",
    )
    scout = room.agents["scout"]
    knowledge.add_document(room.ada.id, scout.id, "launch-notes.md", b"# Launch\n\nThe launch window opens on the ninth of March at dawn.")
    await room.say("Morning all", by=room.bob)
    fake_provider.configure(reply="The window opens on 9 March.")
    await room.say("@scout when does the launch window open?")

    body = fake_provider.last_body()
    system = body["messages"][0]["content"]
    assert body["model"] == "fake-model" and body["stream"] is True
    assert "Launch the rocket on time" in system
    assert "Answer like a ship's navigator." in system
    assert "@critic (Critic): Pokes holes in plans" in system
    assert 'from "launch-notes.md"' in system and "ninth of March" in system
    turns = body["messages"][1:]
    assert {"role": "user", "content": f"{room.bob.name}: Morning all"} in turns
    assert turns[-1] == {"role": "user", "content": f"{room.ada.name}: @scout when does the launch window open?"}

    [reply] = room.replies()
    assert reply.content == "The window opens on 9 March."
    [cited] = reply.sources  # the knowledge it was given, under the reply, with the passage it got
    assert (cited.title, cited.url, cited.is_knowledge) == ("launch-notes.md", "", True) and cited.chunk_id

    [event] = usage_events(room.ada.id)
    assert (event.source, event.agent_id, event.channel_id, event.outcome) == ("hub", scout.id, room.channel.id, "ok")
    assert event.model == "fake-model" and event.completion_tokens == 6 and event.prompt_tokens > 50


async def test_knowledge_can_be_turned_off(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout", "knowledge_enabled": False})
    knowledge.add_document(room.ada.id, room.agents["scout"].id, "secret.md", b"The launch window opens at dawn.")
    await room.say("@scout when does the launch window open?")
    assert "secret.md" not in fake_provider.last_body()["messages"][0]["content"]
    assert "Sources" not in room.replies()[0].content


async def test_the_api_path_triggers_the_same_replies(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Team({"name": "Scout"})
    view = messaging.post_message(room.channel.id, user_id=room.bob.id, content="@scout via the API")
    tasks = await runner.handle_new_message(view, triggered_by_user_id=room.bob.id)
    assert len(tasks) == 1
    await asyncio.gather(*tasks)
    [reply] = room.replies()
    assert reply.status == "complete"
    assert [e.user_id for e in usage_events(room.bob.id)] == [room.bob.id]


# ---------------------------------------------------------------- what one message may spend (services/spend.py)


def notices(room: Team) -> list[MessageView]:
    history = messaging.recent_messages(room.channel.id, 200, viewer_id=room.ada.id)
    return [m for m in history if m.author_kind == "system"]


async def test_one_message_spends_at_most_the_call_budget_across_the_whole_tree(
    any_stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    """Breadth, not only depth: five agents answer every message and mention each
    other, which would be 5 + 20 + 80 calls within the hop limit."""
    names = ["Alpha", "Beta", "Gamma", "Delta", "Omega"]
    room = Team(*({"name": name, "reply_mode": "all"} for name in names))
    fake_provider.configure(reply=" ".join(f"@{name.lower()}" for name in names) + " over to you")
    started = await room.say("everyone, go")

    limit = 12
    assert len(fake_provider.requests()) == limit
    assert len(room.replies()) == limit
    [notice] = notices(room)
    assert notice.content == spend.message_budget_notice()
    assert f"{limit} model calls" in notice.content
    if any_stores.redis_url:  # the count lives in Redis, where every worker sees it
        key = spend.MESSAGE_BUDGET_KEY.format(started.id)
        assert int(any_stores.raw_redis().get(key)) > limit and any_stores.raw_redis().ttl(key) > 0

    # A new message starts a new budget.
    fake_provider.reset()
    fake_provider.configure(reply="done")
    await room.say("thanks, one more round")
    assert len(fake_provider.requests()) == len(names)
    assert len(notices(room)) == 1


async def test_the_call_budget_is_configurable_and_shared_by_processes(
    stores: Stores, use_settings, fake_provider: FakeOpenAIServer
) -> None:
    use_settings(NEUROCACHE_MAX_CALLS_PER_MESSAGE="3")
    room = Team({"name": "Alpha"}, {"name": "Beta"})
    fake_provider.configure(reply="@alpha @beta ping")
    await room.say("@alpha @beta start")
    assert len(fake_provider.requests()) == 3 and len(notices(room)) == 1

    # Another process (another worker) counts against the same budget.
    budget = 987_654_321
    assert spend.take_message_call(budget) == spend.MessageCall(allowed=True, announce=False)
    script = (
        "from neurocache_ui.services import spend; "
        f"c = spend.take_message_call({budget}); print(c.allowed, c.announce)"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    other = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert other.stdout.split() == ["True", "False"], other.stderr
    assert spend.take_message_call(budget) == spend.MessageCall(allowed=True, announce=False)
    assert spend.take_message_call(budget) == spend.MessageCall(allowed=False, announce=True)
    assert spend.take_message_call(budget) == spend.MessageCall(allowed=False, announce=False)


async def test_the_hourly_quota_refuses_the_call_and_says_when_it_frees_up(
    any_stores: Stores, use_settings, fake_provider: FakeOpenAIServer
) -> None:
    use_settings(NEUROCACHE_USER_MODEL_CALLS_PER_HOUR="2")
    room = Team({"name": "Scout"})
    for n in range(3):
        await room.say(f"@scout question {n}")
    assert len(fake_provider.requests()) == 2
    refused = room.replies()[-1]
    assert refused.status == "error"
    assert refused.content.startswith("⚠️ You have used your 2 model calls for this hour. The next one frees up in ")
    assert [e.outcome for e in usage_events(room.ada.id)] == ["ok", "ok"]  # the refused call cost nothing

    # Charged to the person who started the chain: Bob still has his own quota.
    await room.say("@scout my turn", by=room.bob)
    assert len(fake_provider.requests()) == 3 and room.replies()[-1].status == "complete"


async def test_a_model_taken_off_the_allow_list_is_refused_at_call_time(
    stores: Stores, use_settings, fake_provider: FakeOpenAIServer
) -> None:
    room = Team({"name": "Scout"})  # saved with "fake-model" while any model was allowed
    use_settings(NEUROCACHE_ALLOWED_MODELS="gpt-4o-mini, llama3.1")
    await room.say("@scout hello")
    assert fake_provider.requests() == []
    [refused] = room.replies()
    assert refused.status == "error"
    assert refused.content == "⚠️ The model 'fake-model' is not allowed on this hub. Choose one of: gpt-4o-mini, llama3.1."
