"""Each channel's newest messages, so that opening a channel costs one cache round
trip and no SQL. Postgres is the truth; this is a copy, in Redis when REDIS_URL is
set (shared by every worker), else in this process. See docs/ARCHITECTURE.md."""

from __future__ import annotations

from functools import lru_cache

from neurocache_ui.infra.redis import redis_client
from neurocache_ui.infra.window_cache.in_memory import MemoryChannelCache
from neurocache_ui.infra.window_cache.in_redis import RedisChannelCache
from neurocache_ui.infra.window_cache.interface import (
    TAIL,
    ChannelCache,
    Miss,
    Window,
    member_of,
)
from neurocache_ui.settings import get_settings


@lru_cache(maxsize=8)
def _cache_for(redis_url: str | None, database_url: str, window: int, ttl_seconds: int) -> ChannelCache:
    if redis_url:
        return RedisChannelCache(redis_client(redis_url), window=window, ttl_seconds=ttl_seconds)
    # Keyed by database too: an in-process window must never outlive a switch of database.
    return MemoryChannelCache(window=window, ttl_seconds=ttl_seconds)


def get_cache() -> ChannelCache:
    """The cache for the current settings: Redis if REDIS_URL is set, else in-process."""
    settings = get_settings()
    return _cache_for(settings.redis_url, settings.database_url, settings.cache_window, settings.cache_ttl_seconds)


def reset_caches() -> None:
    """Forget every cache object (and its in-process windows); for tests and benchmarks."""
    _cache_for.cache_clear()


__all__ = [
    "TAIL",
    "ChannelCache",
    "MemoryChannelCache",
    "Miss",
    "RedisChannelCache",
    "Window",
    "get_cache",
    "member_of",
    "reset_caches",
]
