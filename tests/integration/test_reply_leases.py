"""A reply's text so far (agent_runs/progress.py), its lease (agent_runs/stops.py) and
the sweeper that ends replies whose worker died (agent_runs/orphans.py), on Postgres +
Redis and on SQLite in one process. A dead worker is played by what it leaves behind:
a "streaming" placeholder older than a lease, its text so far, and no lease. Two
sweepers in one process play two workers: each keeps its own memory."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import messaging
from neurocache_ui.services.agent_runs import orphans, progress, runner, stops
from neurocache_ui.services.agent_runs.delivery import INTERRUPTED
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Message, utcnow
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores
from tests.integration.test_runner import BusRecorder, Team

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def any_stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, request.param, **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


@pytest.fixture
def redis_stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis", **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


@pytest.fixture(autouse=True)
async def no_leftover_replies() -> AsyncIterator[None]:
    yield
    await runner.shutdown()


def _post_placeholder(room: Team, age: float) -> MessageView:
    view = messaging.post_message(
        room.channel.id, agent_id=room.agents["scout"].id, content="", status="streaming", hop=1
    )
    with get_engine().begin() as conn:
        started = utcnow() - timedelta(seconds=age)
        conn.execute(sa.update(Message).where(Message.id == view.id).values(created_at=started))
    return view


async def placeholder(room: Team, *, age: float, text: str = "") -> MessageView:
    """A reply as a worker leaves it when it dies `age` seconds after starting: the
    placeholder (in the database and the cache window) and, if any, its text so far."""
    view = await asyncio.to_thread(_post_placeholder, room, age)
    if text:
        await progress.Progress(room.channel.id, view.id).publish(text)
    return view


def status(room: Team, message_id: int) -> tuple[str, str]:
    view = messaging.get_message(message_id, viewer_id=room.ada.id)
    return view.status, view.content


async def sweep(room: Team, *sweepers: orphans.Sweeper) -> list[int]:
    """One sweep of each sweeper, all at once (as workers would); the ids of the room's
    replies they ended (the database is shared with other tests' leftovers)."""
    rounds = await asyncio.gather(*(asyncio.to_thread(s.sweep) for s in sweepers))
    with get_engine().connect() as conn:
        mine = set(conn.execute(sa.select(Message.id).where(Message.channel_id == room.channel.id)).scalars())
    return [message_id for ended in rounds for message_id in ended if message_id in mine]


# ---------------------------------------------------------------- the text so far


async def test_viewers_get_appended_parts_and_the_text_so_far_is_shared(
    any_stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Team({"name": "Scout"})
    words = " ".join(f"word{i}" for i in range(60))
    fake_provider.configure(reply=words, token_delay=0.02)
    seen: list[str] = []
    async with BusRecorder(room.channel.id) as recorder:
        await room.post("@scout go")
        message_id = await recorder.wait_for_stream(bool)
        while message_id in runner.running_here():
            if (text := await asyncio.to_thread(progress.text_so_far, message_id)) is not None:
                seen.append(text)
            await asyncio.sleep(0.03)
        await runner.drain(timeout=30)
    [reply] = room.replies()
    assert reply.content == words and reply.status == "complete"
    # Applying each part at its offset rebuilds the text so far exactly (the tail
    # that was not flushed yet comes with the final message).
    rebuilt = [text for _, text in recorder.streams(reply.id)]
    assert all(words.startswith(text) for text in rebuilt) and len(rebuilt[-1]) > len(words) // 2
    parts = [e for _, e in recorder.events if e["type"] == "agent.stream"]
    assert parts[0]["offset"] == 0 and len(parts) >= 5
    assert all(e["offset"] > 0 and len(e["text"]) < len(words) // 4 for e in parts[1:])
    # While it streamed, every worker could read the text so far; it is gone once stored.
    assert len(seen) >= 3 and all(words.startswith(text) for text in seen)
    assert len(set(seen)) >= 2
    assert await asyncio.to_thread(progress.text_so_far, reply.id) is None


async def test_a_text_that_does_not_continue_starts_over(any_stores: Stores) -> None:
    room = Team({"name": "Scout"})
    reply = await placeholder(room, age=0)
    shown = progress.Progress(room.channel.id, reply.id)
    async with BusRecorder(room.channel.id) as recorder:
        for text in ("Looking", "Looking it up", "Found: cats", "Found: cats purr"):
            await shown.publish(text)
        await shown.publish("Found: cats purr")  # nothing new: nothing sent
    parts = [(e["offset"], e["text"]) for _, e in recorder.events if e["type"] == "agent.stream"]
    assert parts == [(0, "Looking"), (7, " it up"), (0, "Found: cats"), (11, " purr")]
    assert progress.text_so_far(reply.id) == "Found: cats purr"


async def test_the_text_so_far_heals_when_its_key_was_lost(redis_stores: Stores) -> None:
    """Redis restarted (or the key expired) mid-reply: the next update stores the whole text again."""
    room = Team({"name": "Scout"})
    reply = await placeholder(room, age=0)
    shown = progress.Progress(room.channel.id, reply.id)
    await shown.publish("one two")
    redis_stores.raw_redis().delete(progress.TEXT_KEY.format(reply.id))
    await shown.publish("one two three")
    assert progress.text_so_far(reply.id) == "one two three"
    assert 0 < redis_stores.raw_redis().ttl(progress.TEXT_KEY.format(reply.id)) <= progress.TEXT_TTL


# ---------------------------------------------------------------- the lease


async def test_a_running_reply_keeps_its_lease_alive(redis_stores: Stores) -> None:
    room = Team({"name": "Scout"})
    reply = await placeholder(room, age=0)
    key = stops.RUN_KEY.format(reply.id)
    async with stops.lease(stops.Running(reply.id, room.channel.id, room.agents["scout"].id)):
        assert 0 < redis_stores.raw_redis().ttl(key) <= stops.RUN_TTL
        await asyncio.sleep(stops.RUN_REFRESH + 0.5)
        assert redis_stores.raw_redis().ttl(key) >= stops.RUN_TTL - 1  # refreshed, not counting down
    assert not redis_stores.raw_redis().exists(key)


# ---------------------------------------------------------------- orphans


async def test_a_dead_workers_reply_is_ended_once_with_its_partial_text(any_stores: Stores) -> None:
    room = Team({"name": "Scout"})
    orphan = await placeholder(room, age=stops.RUN_TTL + 1, text="Cats sleep sixteen hours")
    workers = [orphans.Sweeper(), orphans.Sweeper()]
    async with BusRecorder(room.channel.id) as recorder:
        assert await sweep(room, *workers) == []  # a first sweep only takes note: a lease may be on its way back
        assert status(room, orphan.id) == ("streaming", "")
        assert await sweep(room, *workers) == [orphan.id]  # both workers tried at once; one ended it
        assert await sweep(room, *workers) == []
    assert status(room, orphan.id) == ("incomplete", f"Cats sleep sixteen hours\n\n{INTERRUPTED}")
    updates = [e for _, e in recorder.events if e["type"] == "message.updated"]
    assert [(e["message"]["id"], e["message"]["status"]) for e in updates] == [(orphan.id, "incomplete")]
    # Every viewer's window has the ending too, and the text so far is gone.
    [cached] = [m for m in messaging.recent_messages(room.channel.id, 10, viewer_id=room.ada.id) if m.id == orphan.id]
    assert cached.status == "incomplete"
    assert progress.text_so_far(orphan.id) is None


async def test_many_workers_ending_one_reply_at_once_end_it_exactly_once(any_stores: Stores) -> None:
    room = Team({"name": "Scout"})
    orphan = await placeholder(room, age=stops.RUN_TTL + 1, text="half")
    agent_id = room.agents["scout"].id
    start = threading.Barrier(6)

    def end() -> bool:
        start.wait()
        return orphans.end(orphan.id, agent_id)

    async with BusRecorder(room.channel.id) as recorder:
        results = await asyncio.gather(*(asyncio.to_thread(end) for _ in range(6)))
    assert sorted(results) == [False] * 5 + [True]
    assert [e["type"] for _, e in recorder.events] == ["message.updated"]
    assert status(room, orphan.id) == ("incomplete", f"half\n\n{INTERRUPTED}")


async def test_live_and_young_replies_are_left_alone(any_stores: Stores) -> None:
    room = Team({"name": "Scout"})
    agent_id = room.agents["scout"].id
    old = stops.RUN_TTL + 1
    here = await placeholder(room, age=old, text="mine")
    young = await placeholder(room, age=0, text="just started")
    elsewhere = await placeholder(room, age=old, text="another host's")
    if any_stores.redis_url:  # another host's lease, as its worker keeps it
        any_stores.raw_redis().set(stops.RUN_KEY.format(elsewhere.id), "1", ex=stops.RUN_TTL)
    worker = orphans.Sweeper()
    async with stops.lease(stops.Running(here.id, room.channel.id, agent_id)):
        await sweep(room, worker)
        ended = await sweep(room, worker)
    assert here.id not in ended and young.id not in ended
    assert status(room, here.id)[0] == status(room, young.id)[0] == "streaming"
    if any_stores.redis_url:
        assert elsewhere.id not in ended and status(room, elsewhere.id)[0] == "streaming"
    else:  # one process: a reply it does not run is nobody's
        assert elsewhere.id in ended
    # Once the lease is gone the reply is an orphan like any other.
    await sweep(room, worker)
    assert here.id in await sweep(room, worker)


async def test_stop_ends_an_orphan_as_the_sweeper_would(any_stores: Stores) -> None:
    """Nobody runs the reply: Stop ends it at once with its text so far and the note."""
    room = Team({"name": "Scout"})
    orphan = await placeholder(room, age=stops.RUN_TTL + 1, text="Partial answer")
    assert await runner.stop_reply(orphan.id, room.bob.id) is True
    assert status(room, orphan.id) == ("incomplete", f"Partial answer\n\n{INTERRUPTED}")
    assert await runner.stop_reply(orphan.id, room.bob.id) is False  # already over


async def test_every_worker_sweeps_in_the_background(redis_stores: Stores) -> None:
    """The lifespan task (neurocache_ui.py) ends an orphan within two sweeps."""
    room = Team({"name": "Scout"})
    orphan = await placeholder(room, age=stops.RUN_TTL + 1, text="Left behind")
    task = asyncio.create_task(orphans.sweep_forever())
    try:
        deadline = time.monotonic() + 2 * orphans.SWEEP_EVERY + 5
        while status(room, orphan.id)[0] == "streaming" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert status(room, orphan.id) == ("incomplete", f"Left behind\n\n{INTERRUPTED}")
