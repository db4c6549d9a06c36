"""The one Redis client every part of the hub uses (cache, bus, presence, limits)."""

from __future__ import annotations

from functools import lru_cache

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET_TIMEOUT = 0.5  # seconds, connect and read: an outage must fail fast


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
