"""The one Redis client of the hub and the one rule for living through a Redis outage.

The window cache, bus, presence, rate limits and services all connect here, so
timeouts and the outage policy (`Outage`) are set in one place."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import TypeVar

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET_TIMEOUT = 0.5  # seconds, connect and read: an outage must fail fast
RETRY_AFTER = 1.0  # seconds a component leaves Redis alone after a failure
WARN_EVERY = 60.0  # seconds between two outage warnings of one component
SUBSCRIPTION_TIMEOUT = 10.0  # a pub/sub read blocked longer than this means a dead link
REDIS_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, OSError)

T = TypeVar("T")


@lru_cache(maxsize=8)
def redis_client(url: str) -> redis.Redis:
    """One pooled client per URL: short timeouts and no retries, because redis-py's
    default retry with backoff would turn an outage into seconds per call."""
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )


def _async_client(url: str, read_timeout: float, health_check_interval: int = 0) -> aioredis.Redis:
    """A new async client (they belong to one event loop, so they are not shared)."""
    return aioredis.Redis.from_url(
        url,
        socket_timeout=read_timeout,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=AsyncRetry(NoBackoff(), 0),
        health_check_interval=health_check_interval,
    )


def subscription_client(url: str) -> aioredis.Redis:
    """A client for one pub/sub subscription; idle links are PINGed to notice a dead server."""
    return _async_client(url, SUBSCRIPTION_TIMEOUT, health_check_interval=5)


class Outage:
    """What a component does when Redis fails; the same rule for all of them.

    Redis holds nothing the hub cannot do without for a while (Postgres has every
    message), so a failed call must cost little and say little. After a failure the
    component leaves Redis alone for RETRY_AFTER seconds and uses its fallback (the
    database, this worker's memory, "nobody online"): a dead Redis then costs one
    SOCKET_TIMEOUT per RETRY_AFTER, not one per call. It warns at most every
    WARN_EVERY seconds, so an outage does not flood the log, and says once when Redis
    answers again. Keep one per component and Redis URL (a dead URL must not silence
    another); it is safe to share between threads.
    """

    def __init__(self, log: logging.Logger, name: str, fallback: str) -> None:
        """`log` is the component's logger, `name` says who is affected ("Presence"),
        `fallback` what happens meanwhile ("showing nobody online")."""
        self.log = log
        self.name = name
        self.fallback = fallback
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_warning = float("-inf")
        self._failing = False

    @property
    def usable(self) -> bool:
        """False while the component should not try Redis."""
        return time.monotonic() >= self._down_until

    def wait(self) -> float:
        """Seconds until Redis may be tried again (0 if now)."""
        return max(0.0, self._down_until - time.monotonic())

    def failed(self, error: BaseException, action: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + RETRY_AFTER
            self._failing = True
            warn = now - self._last_warning >= WARN_EVERY
            if warn:
                self._last_warning = now
        if warn:
            self.log.warning(
                "%s is unavailable (%s), %s: Redis error %s: %s", self.name, action, self.fallback, type(error).__name__, error
            )

    def succeeded(self) -> None:
        if not self._failing:  # the common case, without taking the lock
            return
        with self._lock:
            recovered, self._failing = self._failing, False
        if recovered:
            self.log.info("%s is back on Redis", self.name)

    def call(self, action: Callable[[], T], fallback: Callable[[], T], what: str) -> T:
        """`action()` unless Redis is being skipped or fails; `fallback()` then."""
        if self.usable:
            try:
                result = action()
            except REDIS_ERRORS as error:
                self.failed(error, what)
            else:
                self.succeeded()
                return result
        return fallback()


async def watch(url: str, on_change: Callable[[bool], Awaitable[None]], *, every: float = 1.0) -> None:
    """PING Redis every `every` seconds, forever; await `on_change(up)` whenever it
    stops or starts answering (a lifespan task that tells open pages)."""
    client = _async_client(url, SOCKET_TIMEOUT)
    up = True
    try:
        while True:
            try:
                await client.ping()
                answered = True
            except REDIS_ERRORS:
                answered = False
            if answered != up:
                up = answered
                await on_change(up)
            await asyncio.sleep(every)
    finally:
        await client.aclose()
