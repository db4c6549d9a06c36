"""The one Redis outage policy (infra.redis.Outage) on a real Redis that stops and
starts, and the four components that follow it when Redis is unreachable."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from neurocache_ui.domain.events import TypingChanged
from neurocache_ui.infra import bus, presence
from neurocache_ui.infra.ratelimit import RateLimiter
from neurocache_ui.infra.redis import RETRY_AFTER, Outage, redis_client, watch
from neurocache_ui.infra.window_cache import Miss, RedisChannelCache
from testkit.servers import RedisServer, free_port

LOGGER = "neurocache_ui.tests.outage"


class Pinger:
    """A Redis call that counts how often it really reached for Redis."""

    def __init__(self, url: str) -> None:
        self.client = redis_client(url)
        self.tries = 0

    def __call__(self) -> bool:
        self.tries += 1
        return bool(self.client.ping())


def new_outage() -> Outage:
    return Outage(logging.getLogger(LOGGER), "The widget", "showing nothing")


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_a_failure_skips_redis_for_a_while_warns_once_and_reports_recovery(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outage, down = new_outage(), lambda: False
    with RedisServer(tmp_path) as server, caplog.at_level(logging.INFO, logger=LOGGER):
        ping = Pinger(server.url)
        assert outage.call(ping, down, "ping") is True and outage.usable

        server.stop()
        started = time.monotonic()
        assert [outage.call(ping, down, "ping") for _ in range(50)] == [False] * 50
        assert ping.tries == 2  # one failed try, then Redis is left alone
        assert time.monotonic() - started < 1 and not outage.usable
        assert 0 < outage.wait() <= RETRY_AFTER
        [warning] = records(caplog, logging.WARNING)
        assert warning.startswith("The widget is unavailable (ping), showing nothing: Redis error ConnectionError")

        server.start()
        time.sleep(outage.wait())
        assert outage.usable and outage.call(ping, down, "ping") is True
        assert ping.tries == 3
        assert records(caplog, logging.INFO) == ["The widget is back on Redis"]
        assert outage.call(ping, down, "ping") is True
        assert records(caplog, logging.INFO) == ["The widget is back on Redis"]  # said once

        server.stop()
        assert outage.call(ping, down, "ping") is False and not outage.usable  # skipped again ...
        assert len(records(caplog, logging.WARNING)) == 1  # ... but not warned again so soon


def test_threads_failing_together_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    outage, ping = new_outage(), Pinger(f"redis://127.0.0.1:{free_port()}/0")
    start = threading.Barrier(16)
    results: list[bool] = []

    def run() -> None:
        start.wait()
        results.append(outage.call(ping, lambda: False, "ping"))

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        threads = [threading.Thread(target=run) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [False] * 16
    assert len(records(caplog, logging.WARNING)) == 1
    assert not outage.usable


def test_every_component_falls_back_fast_and_warns_once_under_its_own_name(
    use_settings: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    use_settings(REDIS_URL=url)
    cache = RedisChannelCache(redis_client(url), window=10, ttl_seconds=60)
    limiter = RateLimiter("2/minute", url)
    ident, channel = f"test:{uuid.uuid4().hex}", uuid.uuid4().int % 10**12
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        for _ in range(3):
            assert cache.read(channel, 10) == Miss(None)  # the database answers instead
            assert presence.online(channel) == []
            assert bus.publish(channel, TypingChanged()) is False
        assert [limiter.check(ident).allowed for _ in range(3)] == [True, True, False]  # counted in memory
        assert time.monotonic() - started < 2
    warned = sorted(r.name for r in caplog.records if r.levelno == logging.WARNING and "Redis error" in r.getMessage())
    assert warned == [
        "neurocache_ui.infra.bus",
        "neurocache_ui.infra.presence",
        "neurocache_ui.infra.ratelimit",
        "neurocache_ui.infra.window_cache.in_redis",
    ]


async def test_watch_reports_when_redis_goes_and_comes_back(tmp_path: Path) -> None:
    changes: list[bool] = []

    async def on_change(up: bool) -> None:
        changes.append(up)

    async def until(count: int) -> None:
        while len(changes) < count:
            await asyncio.sleep(0.02)

    with RedisServer(tmp_path) as server:
        watcher = asyncio.create_task(watch(server.url, on_change, every=0.05))
        try:
            await asyncio.sleep(0.3)
            assert changes == []  # up from the start: nothing to report
            await asyncio.to_thread(server.stop)
            await asyncio.wait_for(until(1), 5)
            await asyncio.to_thread(server.start)
            await asyncio.wait_for(until(2), 5)
            assert changes == [False, True]
        finally:
            watcher.cancel()
