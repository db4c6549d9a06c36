"""The Redis window cache against the in-process one: random operation sequences
must leave both answering the same bytes; an unreadable entry is dropped and the
database read instead."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis

from neurocache_ui.domain.messages import AttachmentRef, MessageView
from neurocache_ui.domain.tools import Source
from neurocache_ui.infra.window_cache import (
    ChannelCache,
    MemoryChannelCache,
    Miss,
    RedisChannelCache,
    Window,
)
from neurocache_ui.services import messaging
from tests.integration.messaging_support import (
    Stores,
    make_channel,
    make_user,
    redis_cache,
    setup_stores,
)
from tests.integration.test_cache import read_without_sql

WINDOW = 8
T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def client(redis_server) -> redis.Redis:
    if redis_server.process is None:
        redis_server.start()
    return redis.Redis.from_url(redis_server.url)


def message(rng: random.Random, message_id: int, channel_id: int, created: datetime, text: str) -> MessageView:
    agent = rng.random() < 0.3
    return MessageView(
        message_id,
        channel_id,
        None if agent else 7,
        3 if agent else None,
        "Scout" if agent else "Ada ✓",
        "agent" if agent else "user",
        text,
        rng.choice(["complete", "streaming"]),
        created,
        created + timedelta(seconds=30) if rng.random() < 0.2 else None,
        (Source("A page", "https://example.com/a"),) if agent and rng.random() < 0.5 else (),
        (AttachmentRef(message_id, "cat.png", 640, 480),) if not agent and rng.random() < 0.3 else (),
    )


def same(ours: Window | Miss, theirs: Window | Miss) -> bool:
    if isinstance(ours, Miss) or isinstance(theirs, Miss):
        return type(ours) is type(theirs) and (ours.token is None) == (theirs.token is None)
    return (ours.payload, ours.count, ours.whole) == (theirs.payload, theirs.count, theirs.whole)


@pytest.mark.parametrize("seed", range(10))
def test_random_operations_leave_redis_and_memory_equal(client: redis.Redis, seed: int) -> None:
    rng = random.Random(seed)
    channel = rng.randrange(10**9)
    red = RedisChannelCache(client, window=WINDOW, ttl_seconds=600, prefix=f"nc:test:{uuid.uuid4().hex}")
    mem = MemoryChannelCache(window=WINDOW, ttl_seconds=600)
    caches: tuple[ChannelCache, ChannelCache] = (red, mem)
    known: dict[int, str | None] = {0: None, 1: None}
    history: dict[int, MessageView] = {}  # what "the database" holds, by id
    next_id = 100
    try:
        for step in range(250):
            op = rng.choice(["fill", "add", "add", "replace", "remove", "trim", "invalidate", "read", "read", "read"])
            if op == "fill":
                ordered = sorted(history.values(), key=lambda v: (v.created_at, v.id))
                newest = ordered[max(0, len(ordered) - rng.randint(0, WINDOW)) :]  # as the service fills
                whole, replace = rng.random() < 0.5, rng.random() < 0.5
                done = []
                for cache in caches:
                    found = cache.read(channel, WINDOW)
                    assert found.token is not None
                    done.append(cache.fill(channel, newest, whole=whole, token=found.token, replace=replace))
                assert done[0] == done[1], (step, op)
            elif op in ("add", "replace") or (op == "remove" and history):
                if op == "add" or not history:
                    next_id += rng.randint(-3, 3) if rng.random() < 0.2 else rng.randint(1, 5)
                    created = T0 + timedelta(seconds=rng.randint(0, 40))
                    view = history.get(next_id) or message(rng, next_id, channel, created, f"m{next_id} {step}")
                else:
                    old = history[rng.choice(list(history))]
                    view = message(rng, old.id, channel, old.created_at, f"edited {step} «{old.content}»")
                history[view.id] = view
                for cache in caches:
                    getattr(cache, op)(view)
                if op == "remove":
                    del history[view.id]
            elif op == "trim":
                cutoff = T0 + timedelta(seconds=rng.randint(0, 20))
                trimmed = [cache.trim_before(cutoff, [channel]).get(channel, 0) for cache in caches]
                assert trimmed[0] == trimmed[1], (step, op)
            elif op == "invalidate":
                for cache in caches:
                    cache.invalidate(channel)
            limit = rng.randint(1, WINDOW + 2)
            revalidate = rng.random() < 0.3
            found = [
                cache.read(channel, limit, known=known[i] if revalidate else None) for i, cache in enumerate(caches)
            ]
            assert same(found[0], found[1]), (step, op, limit)
            for i, result in enumerate(found):
                known[i] = result.token if isinstance(result, Window) else None
            if isinstance(found[0], Window) and found[0].payload is not None:
                assert found[0].views() == found[1].views()
                assert all(history.get(v.id) == v for v in found[0].views()), (step, op)
    finally:
        client.delete(*red.keys(channel))


def test_a_flushed_script_cache_is_reloaded(client: redis.Redis) -> None:
    cache = RedisChannelCache(client, window=WINDOW, ttl_seconds=600, prefix=f"nc:test:{uuid.uuid4().hex}")
    miss = cache.read(1, 5)
    assert isinstance(miss, Miss) and miss.token is not None
    assert cache.fill(1, [], whole=True, token=miss.token)
    client.script_flush()  # as after a restart of Redis, or another server behind the URL
    found = cache.read(1, 5)
    assert isinstance(found, Window) and found.whole and found.views() == []
    client.script_flush()
    assert cache.read(1, 5, known=found.token) == Window(None, -1, True, found.token)  # the revalidating read
    client.delete(*cache.keys(1))


@pytest.fixture
def redis_stores(request: pytest.FixtureRequest, use_settings) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis")


_ROW = '1,1,null,null,"Ada","user","hi","complete","2025-03-01T09:00:00+00:00",null'
_UNREADABLE = [
    b"not json",
    b'["0000000000000000001"]',
    b'["0000000000000000001",{"id":1}]',
    b'["0000000000000000001",[1,2]]',
    b'["0000000000000000001",[1,1,null,null,"Ada","user","hi","complete","yesterday",null,[],[]]]',
    b'["0000000000000000001",[' + _ROW.encode() + b',[["only a title"]],[]]]',
    b'["0000000000000000001",[' + _ROW.encode() + b',[],[[1,"cat.png"]]]]',
]


@pytest.mark.parametrize("member", _UNREADABLE)
def test_an_unreadable_entry_is_dropped_and_the_database_read(redis_stores: Stores, member: bytes) -> None:
    ada = make_user()
    channel = make_channel(ada)
    view = messaging.post_message(channel, user_id=ada, content="kept")
    assert messaging.recent_messages(channel, viewer_id=None) == [view]  # fills the window
    cache = redis_cache()
    cache.memo.forget(channel)  # as in a worker that has not read it yet
    raw = redis_stores.raw_redis()
    raw.zadd(cache.keys(channel)[0], {member: 1.0})
    assert messaging.recent_messages(channel, viewer_id=None) == [view]
    assert not raw.exists(cache.keys(channel)[0])  # dropped
    assert messaging.recent_messages(channel, viewer_id=None) == [view]  # refilled
    cache.memo.forget(channel)
    assert read_without_sql(channel) == [view]
