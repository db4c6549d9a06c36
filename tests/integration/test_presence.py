"""Presence on real Redis and in-process, including expiry and a Redis outage."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import pytest
import redis

from neurocache_ui.infra import presence
from neurocache_ui.infra.presence import Present
from neurocache_ui.infra.redis import RETRY_AFTER
from neurocache_ui.settings import PROJECT_ROOT


def new_channel() -> int:
    """A channel id no other test uses (presence keys are per channel)."""
    return uuid.uuid4().int % 10**12


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=["redis", "memory"])
def backend(request: pytest.FixtureRequest, use_settings: Callable[..., None]) -> str:
    if request.param == "redis":
        use_settings(REDIS_URL=request.getfixturevalue("redis_server").url)
    else:
        use_settings(REDIS_URL=None)
    return request.param


def test_heartbeat_and_went_away(backend: str) -> None:
    channel, other = new_channel(), new_channel()
    assert presence.online(channel) == [] and presence.online_users(channel) == []

    presence.heartbeat(channel, 2, "grace")
    presence.heartbeat(channel, 1, "Ada")
    presence.heartbeat(channel, 1, "Ada  Lovelace")  # a renamed user is listed once
    presence.heartbeat(other, 3, "Alan")
    assert presence.online_users(channel) == [Present(1, "Ada Lovelace"), Present(2, "grace")]
    assert presence.online(channel) == ["Ada Lovelace", "grace"]
    assert presence.online(other) == ["Alan"]

    presence.went_away(channel, 1)
    presence.went_away(channel, 99)  # never seen: harmless
    assert presence.online_users(channel) == [Present(2, "grace")]


def test_entries_expire_after_their_ttl(backend: str) -> None:
    roster = presence.Roster(f"test-{uuid.uuid4().hex[:6]}", ttl=0.4)
    channel = new_channel()
    roster.touch(channel, 1, "Ada")
    time.sleep(0.25)
    roster.touch(channel, 2, "Grace")
    assert [p.user_id for p in roster.live(channel)] == [1, 2]
    time.sleep(0.25)  # Ada last seen 0.5 s ago, Grace 0.25 s ago
    assert roster.live(channel) == [Present(2, "Grace")]
    roster.touch(channel, 2, "Grace")  # a fresh heartbeat keeps her
    time.sleep(0.25)
    assert roster.live(channel) == [Present(2, "Grace")]
    time.sleep(0.3)
    assert roster.live(channel) == []


def test_redis_prunes_expired_entries_and_keys_expire(redis_server, use_settings: Callable[..., None]) -> None:  # type: ignore[no-untyped-def]
    use_settings(REDIS_URL=redis_server.url)
    kind = f"test-{uuid.uuid4().hex[:6]}"
    roster = presence.Roster(kind, ttl=0.3)
    channel = new_channel()
    roster.touch(channel, 1, "Ada")
    roster.touch(channel, 2, "Grace")

    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    zset, names = (key for key in sorted(client.keys(f"*{kind}:{channel}*")))
    assert client.zcard(zset) == 2 and client.hlen(names) == 2
    assert 0 < client.pttl(zset) <= 1000 and 0 < client.pttl(names) <= 1000

    time.sleep(0.4)
    assert roster.live(channel) == []
    assert client.zcard(zset) == 0 and client.hlen(names) == 0  # pruned on read, not only hidden
    roster.touch(channel, 3, "Alan")
    time.sleep(1.2)
    assert client.exists(zset, names) == 0  # quiet channels leave nothing behind
    client.close()


def test_workers_share_presence_through_redis(redis_server, use_settings: Callable[..., None]) -> None:  # type: ignore[no-untyped-def]
    """Another process (another backend worker) sees this one's heartbeat and vice versa."""
    use_settings(REDIS_URL=redis_server.url)
    channel = new_channel()
    presence.heartbeat(channel, 1, "Ada")
    script = (
        "import sys; from neurocache_ui.infra import presence as p; c = int(sys.argv[1]); "
        "p.heartbeat(c, 2, 'Grace'); print(p.online_users(c))"
    )
    env = {**os.environ, "REDIS_URL": redis_server.url}
    out = subprocess.run(
        [sys.executable, "-c", script, str(channel)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == repr([Present(1, "Ada"), Present(2, "Grace")])
    assert presence.online_users(channel) == [Present(1, "Ada"), Present(2, "Grace")]


def test_redis_down_means_nobody_online_not_an_error(
    use_settings: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    use_settings(REDIS_URL=closed_port_url())
    channel = new_channel()
    with caplog.at_level(logging.WARNING, logger="neurocache_ui.infra.presence"):
        started = time.monotonic()
        presence.heartbeat(channel, 1, "Ada")
        assert presence.online(channel) == []
        presence.went_away(channel, 1)
        elapsed = time.monotonic() - started
    warnings = [r for r in caplog.records if r.name == "neurocache_ui.infra.presence"]
    assert len(warnings) == 1  # logged once, not on every call
    assert "Presence is unavailable" in warnings[0].getMessage()
    assert elapsed < 2  # no retries with backoff


def test_presence_recovers_after_a_redis_restart(redis_server, use_settings: Callable[..., None]) -> None:  # type: ignore[no-untyped-def]
    use_settings(REDIS_URL=redis_server.url)
    channel = new_channel()
    presence.heartbeat(channel, 1, "Ada")
    assert presence.online(channel) == ["Ada"]

    redis_server.stop()
    try:
        presence.heartbeat(channel, 1, "Ada")
        assert presence.online(channel) == []
    finally:
        redis_server.start()

    deadline = time.monotonic() + RETRY_AFTER + 5
    while time.monotonic() < deadline:
        presence.heartbeat(channel, 1, "Ada")
        if presence.online(channel) == ["Ada"]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("presence did not come back after Redis restarted")
