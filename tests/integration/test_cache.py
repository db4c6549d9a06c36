"""The channel window cache: hits without SQL, atomic fills, write-through, caps,
expiry, and healing after Redis outages with nothing stale or missing."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from neurocache_ui.domain.messages import MessageView, score_of
from neurocache_ui.infra.window_cache import Miss, Window, get_cache, member_of
from neurocache_ui.services import messaging
from tests.integration.messaging_support import (
    Stores,
    TcpProxy,
    count_statements,
    insert_messages,
    make_channel,
    make_user,
    message_ids,
    redis_cache,
    setup_stores,
)


@pytest.fixture
def redis_stores(request: pytest.FixtureRequest, use_settings) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis")


def cached(channel_id: int, limit: int = 1000) -> Window | Miss:
    return get_cache().read(channel_id, min(limit, get_cache().window))


def cached_contents(channel_id: int) -> list[str] | None:
    found = cached(channel_id)
    return None if isinstance(found, Miss) else [view.content for view in found.views()]


def read_without_sql(channel_id: int, limit: int = 50) -> list[MessageView]:
    with count_statements() as sql:
        views = messaging.recent_messages(channel_id, limit, viewer_id=None)
    assert sql.statements == [], "expected a cache hit"
    return views


def test_empty_channel_is_a_hit_not_a_miss(stores: Stores) -> None:
    ada = make_user()
    channel = make_channel(ada)
    with count_statements() as sql:
        assert messaging.recent_messages(channel, viewer_id=None) == []
    assert sql.count >= 1  # the first read filled the window from the database
    assert read_without_sql(channel) == []  # the second is answered by the marker alone
    found = cached(channel)
    assert isinstance(found, Window) and found.whole and found.entries() == [] and found.count == 0
    if stores.cache == "redis":
        win = redis_cache().keys(channel)[0]
        assert stores.raw_redis().zrange(win, 0, -1, withscores=True) == [(b"#all", float("-inf"))]


def test_cold_cache_fills_from_the_database(stores: Stores) -> None:
    ada = make_user()
    channel = make_channel(ada)
    start = datetime.now(UTC) - timedelta(minutes=5)
    ids = insert_messages(channel, ada, [start + timedelta(seconds=i) for i in range(30)])
    assert isinstance(cached(channel), Miss)
    with count_statements() as sql:
        views = messaging.recent_messages(channel, 20, viewer_id=None)
    assert sql.count == 1  # one query for the whole window
    assert [v.id for v in views] == ids[-20:]
    assert [v.id for v in read_without_sql(channel, 30)] == ids  # the window holds all 30
    assert all(v.author_name == "Ada" for v in views)


def test_write_through_edit_and_delete_reach_the_window(stores: Stores) -> None:
    ada = make_user()
    channel = make_channel(ada)
    messaging.recent_messages(channel, viewer_id=ada)
    a = messaging.post_message(channel, user_id=ada, content="a")
    b = messaging.post_message(channel, user_id=ada, content="b")
    c = messaging.post_message(channel, user_id=ada, content="c")
    assert cached_contents(channel) == ["a", "b", "c"]
    assert read_without_sql(channel) == [a, b, c]
    edited = messaging.edit_message(b.id, user_id=ada, content="b2")
    messaging.delete_message(a.id, user_id=ada)
    assert cached_contents(channel) == ["b2", "c"]
    assert read_without_sql(channel) == [edited, c]


def test_write_through_skips_a_cold_window(stores: Stores) -> None:
    """No window yet: the post must not create a partial one that looks complete."""
    ada = make_user()
    channel = make_channel(ada)
    insert_messages(channel, ada, [datetime.now(UTC) - timedelta(minutes=1)])
    messaging.post_message(channel, user_id=ada, content="new")
    assert isinstance(cached(channel), Miss)
    assert [m.content for m in messaging.recent_messages(channel, viewer_id=None)] == ["old 0", "new"]


def test_window_is_capped_and_stays_a_suffix(stores: Stores, use_settings) -> None:
    use_settings(NEUROCACHE_CACHE_WINDOW="5")
    ada = make_user()
    channel = make_channel(ada)
    assert messaging.recent_messages(channel, viewer_id=None) == []
    views = [messaging.post_message(channel, user_id=ada, content=str(i)) for i in range(12)]
    assert cached_contents(channel) == [str(i) for i in range(7, 12)]
    found = cached(channel)
    assert isinstance(found, Window) and not found.whole  # older messages exist in the database
    assert read_without_sql(channel, 5) == views[-5:]
    older = messaging.older_messages(channel, before=views[-5].cursor, limit=50, viewer_id=None)
    assert older == views[:-5]
    if stores.cache == "redis":
        assert stores.raw_redis().zcard(redis_cache().keys(channel)[0]) == 6  # 5 + the marker
    # Deletes shrink the partial window below a requested limit: that read is refilled.
    messaging.delete_message(views[-1].id, user_id=ada)
    assert [m.content for m in messaging.recent_messages(channel, 5, viewer_id=None)] == ["6", "7", "8", "9", "10"]
    assert [m.content for m in read_without_sql(channel, 5)] == ["6", "7", "8", "9", "10"]


@dataclass(frozen=True)
class Entry:
    """The least a cache entry is (domain.messages.MessageView has more)."""

    id: int
    channel_id: int
    created_at: datetime
    text: str = ""

    def to_row(self) -> list[object]:
        return [self.id, self.text]


def test_equal_times_sort_by_id_at_the_edge_of_a_partial_window(stores: Stores) -> None:
    """Both caches keep the database's (created_at, id) order where a partial window
    starts: what sorts before its oldest entry belongs to the database pages."""
    cache, channel = get_cache(), uuid.uuid4().int % 10**12
    t = datetime(2024, 5, 1, 12, tzinfo=UTC)

    def ids() -> list[tuple[int, str]]:
        found = cache.read(channel, 10)
        assert isinstance(found, Window) and not found.whole
        return [(row[0], row[1]) for row in found.rows()]

    miss = cache.read(channel, 10)
    assert isinstance(miss, Miss) and miss.token is not None
    assert cache.fill(channel, [Entry(20, channel, t), Entry(30, channel, t + timedelta(seconds=1))], whole=False, token=miss.token)
    cache.add(Entry(10, channel, t))  # same time, smaller id: before the window
    cache.add(Entry(5, channel, t - timedelta(seconds=1)))  # older: before the window
    cache.add(Entry(25, channel, t))  # same time, larger id: inside
    cache.add(Entry(25, channel, t, "again"))  # already there: an add does not overwrite
    assert ids() == [(20, ""), (25, ""), (30, "")]
    cache.replace(Entry(20, channel, t, "edited"))  # the oldest entry itself stays in
    assert ids() == [(20, "edited"), (25, ""), (30, "")]
    cache.remove(Entry(10, channel, t))  # not in the window, and not meant to be
    assert ids() == [(20, "edited"), (25, ""), (30, "")]
    cache.remove(Entry(27, channel, t))  # meant to be in it but is not: start over
    assert isinstance(cache.read(channel, 10), Miss)


def test_a_fill_that_raced_a_write_is_refused(stores: Stores) -> None:
    ada = make_user()
    channel = make_channel(ada)
    cache = get_cache()
    miss = cache.read(channel, 10)
    assert isinstance(miss, Miss) and miss.token is not None
    snapshot: list[MessageView] = []  # what a slow reader saw in the database
    messaging.post_message(channel, user_id=ada, content="committed meanwhile")
    assert cache.fill(channel, snapshot, whole=True, token=miss.token) is False
    assert [m.content for m in messaging.recent_messages(channel, viewer_id=None)] == ["committed meanwhile"]


def test_idle_windows_expire(stores: Stores, use_settings) -> None:
    use_settings(NEUROCACHE_CACHE_TTL_SECONDS="2")
    ada = make_user()
    channel = make_channel(ada)
    messaging.recent_messages(channel, viewer_id=None)
    if stores.cache == "redis":
        win = redis_cache().keys(channel)[0]
        assert 0 < stores.raw_redis().pttl(win) <= 2000
    for _ in range(4):  # access refreshes the expiry (2 s in all, more than the TTL)
        time.sleep(0.5)
        assert isinstance(cached(channel), Window)
    time.sleep(2.2)
    assert isinstance(cached(channel), Miss)


def test_a_window_without_the_marker_is_a_miss(redis_stores: Stores) -> None:
    """A half-written window (here: raw entries with no marker, like the seed's
    list after a restart) must not be served as the channel's history."""
    ada = make_user()
    channel = make_channel(ada)
    views = [messaging.post_message(channel, user_id=ada, content=str(i)) for i in range(4)]
    win = redis_cache().keys(channel)[0]
    raw = redis_stores.raw_redis()
    raw.zadd(win, {member_of(views[3]): score_of(views[3].created_at)})
    assert isinstance(cached(channel), Miss)
    assert messaging.recent_messages(channel, viewer_id=None) == views
    assert raw.zrange(win, 0, 0) == [b"#all"]  # replaced by a complete window


def test_redis_restart_during_an_outage_loses_nothing(redis_stores: Stores, redis_server) -> None:
    ada = make_user()
    channel = make_channel(ada)
    before = [messaging.post_message(channel, user_id=ada, content=f"before {i}") for i in range(3)]
    assert messaging.recent_messages(channel, viewer_id=ada) == before
    redis_server.stop()
    try:
        during = [messaging.post_message(channel, user_id=ada, content=f"during {i}") for i in range(3)]
        assert messaging.recent_messages(channel, viewer_id=ada) == before + during  # from the database
    finally:
        redis_server.start()
    time.sleep(1.1)  # the cache skips Redis for a second after a failure
    after = messaging.post_message(channel, user_id=ada, content="after")
    expected = before + during + [after]
    assert messaging.recent_messages(channel, viewer_id=ada) == expected
    assert [v.id for v in read_without_sql(channel)] == message_ids(channel) == [v.id for v in expected]


def test_a_partition_heals_without_stale_or_missing_messages(request, use_settings, redis_server) -> None:
    """Redis keeps its (now stale) window while this worker cannot reach it; other
    workers must not keep reading that window once the link is back."""
    stores = setup_stores(request, use_settings, "postgres+redis")
    proxy = TcpProxy(redis_server.port)
    proxy.start()
    use_settings(REDIS_URL=proxy.url)  # this worker reaches Redis through the proxy
    raw = stores.raw_redis()
    ada = make_user()
    channel = make_channel(ada)
    win = redis_cache().keys(channel)[0]
    try:
        before = [messaging.post_message(channel, user_id=ada, content=f"before {i}") for i in range(3)]
        assert messaging.recent_messages(channel, viewer_id=None) == before
        proxy.cut()
        during = [messaging.post_message(channel, user_id=ada, content=f"during {i}") for i in range(2)]
        edited = messaging.edit_message(before[0].id, user_id=ada, content="edited during")
        messaging.delete_message(before[1].id, user_id=ada)
        expected = [edited, before[2], *during]
        assert messaging.recent_messages(channel, viewer_id=None) == expected  # database fallback
        assert redis_cache().dirty_channels == {channel}
        # Redis still holds the old window: another worker would serve it as is.
        assert raw.zcard(win) == 4

        proxy.start()
        deadline = time.monotonic() + 10
        while raw.exists(win) and time.monotonic() < deadline:
            time.sleep(0.05)  # the background healer drops it, with no traffic from us
        assert not raw.exists(win)
        assert redis_cache().dirty_channels == frozenset()
        assert messaging.recent_messages(channel, viewer_id=None) == expected
        assert read_without_sql(channel) == expected
        use_settings(REDIS_URL=redis_server.url)  # and so does another worker
        assert read_without_sql(channel) == expected
    finally:
        proxy.cut()


def test_reads_fall_back_to_the_database_while_redis_is_unreachable(redis_stores: Stores, use_settings) -> None:
    from testkit.servers import free_port

    ada = make_user()
    channel = make_channel(ada)
    view = messaging.post_message(channel, user_id=ada, content="stored")
    use_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    expected = [view]
    for i in range(20):
        expected.append(messaging.post_message(channel, user_id=ada, content=f"more {i}"))
        assert messaging.recent_messages(channel, viewer_id=ada) == expected
    assert time.monotonic() - started < 5  # fails fast, then skips Redis for a while


def test_a_change_by_another_worker_is_seen_through_the_local_copy(redis_stores: Stores) -> None:
    """This process keeps decoded windows and revalidates them by version; a post,
    edit or delete from another process must still show on the next read."""
    import os
    import subprocess
    import sys

    from neurocache_ui.settings import PROJECT_ROOT

    ada = make_user()
    channel = make_channel(ada)
    assert messaging.recent_messages(channel, viewer_id=None) == []  # the window exists
    first = messaging.post_message(channel, user_id=ada, content="first")
    assert read_without_sql(channel) == [first]  # decoded here once ...
    assert read_without_sql(channel) == [first]  # ... then revalidated, not re-sent
    token = get_cache().memo.get(channel)[0]
    assert get_cache().read(channel, 50, known=token).payload is None

    script = (
        "import sys; from neurocache_ui.services import messaging as m; "
        "v = m.post_message(int(sys.argv[1]), user_id=int(sys.argv[2]), content='from the other worker'); "
        "m.edit_message(int(sys.argv[3]), user_id=int(sys.argv[2]), content='first, edited elsewhere')"
    )
    env = {**os.environ, "DATABASE_URL": redis_stores.database_url, "REDIS_URL": redis_stores.redis_url or ""}
    subprocess.run([sys.executable, "-c", script, str(channel), str(ada), str(first.id)],
                   cwd=PROJECT_ROOT, env=env, check=True, timeout=60)
    seen = read_without_sql(channel)
    assert [m.content for m in seen] == ["first, edited elsewhere", "from the other worker"]


def test_an_unreadable_window_is_dropped_not_served(redis_stores: Stores) -> None:
    ada = make_user()
    channel = make_channel(ada)
    view = messaging.post_message(channel, user_id=ada, content="kept")
    win = redis_cache().keys(channel)[0]
    redis_stores.raw_redis().zadd(win, {b"#all": float("-inf"), b'["0000000000000000001",{"id":1}]': 1.0})
    assert messaging.recent_messages(channel, viewer_id=None) == [view]
    assert messaging.recent_messages(channel, viewer_id=None) == [view]
    assert read_without_sql(channel) == [view]
