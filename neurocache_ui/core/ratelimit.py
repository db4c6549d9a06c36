"""Per-key request limits for the API, with the `limits` package.

The limit is NEUROCACHE_RATE_LIMIT ("60/minute" by default; several limits as
"60/minute;1000/day"), counted per API key with a *moving window*: a request is
allowed when fewer than N requests of that key happened in the last window
length, so a client may spend the whole amount in a burst and then gets 429
until the oldest request leaves the window (`Retry-After` says when).

Storage: Redis when REDIS_URL is set, so every worker shares one count per key;
in-process memory otherwise (one worker). If Redis fails, this process falls
back to its own in-memory count for RETRY_AFTER seconds, then tries Redis again:
limits stay roughly enforced (per worker) instead of failing every request or
letting everything through.

`check(key_id)` costs two Redis round trips (acquire, then the window's stats
for the headers); measured with the key check in bench/bench_api.py.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from neurocache_ui.core.settings import get_settings

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 0.5  # seconds: an outage must fail fast, like core.cache
RETRY_AFTER = 2.0  # seconds on the in-memory fallback after a Redis failure
WARN_EVERY = 60.0
KEY_PREFIX = "nc:ratelimit"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request and the headers that tell the client."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    """Seconds until the window frees a request (0 when one is free now)."""

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait before retrying (at least 1)."""
        return max(1, math.ceil(self.reset_after))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_after)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Checks requests against `rule` (the `limits` notation) for any identifier."""

    def __init__(self, rule: str, redis_url: str | None = None) -> None:
        self.items: list[RateLimitItem] = parse_many(rule)
        if not self.items:
            raise ValueError(f"no rate limit in {rule!r}")
        self.redis_url = redis_url
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis: MovingWindowRateLimiter | None = None
        self._redis_errors: tuple[type[BaseException], ...] = ()
        self._skip_redis_until = 0.0
        self._last_warning = float("-inf")
        if redis_url:
            storage = RedisStorage(
                redis_url,
                key_prefix=KEY_PREFIX,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=SOCKET_TIMEOUT,
                health_check_interval=30,
            )
            self._redis = MovingWindowRateLimiter(storage)
            self._redis_errors = (*_as_tuple(storage.base_exceptions), OSError)

    def _limiter(self) -> MovingWindowRateLimiter:
        if self._redis is not None and time.monotonic() >= self._skip_redis_until:
            return self._redis
        return self._memory

    def check(self, identifier: str | int) -> Decision:
        """Count one request for `identifier` and say whether it may proceed."""
        limiter = self._limiter()
        try:
            return self._check(limiter, str(identifier))
        except self._redis_errors as error:
            if limiter is self._memory:
                raise
            self._skip_redis_until = time.monotonic() + RETRY_AFTER
            now = time.monotonic()
            if now - self._last_warning >= WARN_EVERY:
                self._last_warning = now
                log.warning("Rate limits fall back to this worker's memory: Redis failed (%s)", error)
            return self._check(self._memory, str(identifier))

    def _check(self, limiter: MovingWindowRateLimiter, identifier: str) -> Decision:
        # Every limit must allow the request; the tightest one fills the headers.
        tightest: Decision | None = None
        for item in self.items:
            allowed = limiter.hit(item, identifier)
            stats = limiter.get_window_stats(item, identifier)
            reset_after = max(0.0, stats.reset_time - time.time())
            decision = Decision(allowed, item.amount, max(0, stats.remaining), reset_after)
            if not allowed:
                return decision
            if tightest is None or decision.remaining < tightest.remaining:
                tightest = decision
        assert tightest is not None
        return tightest

    def reset(self, identifier: str | int) -> None:
        """Forget the identifier's counts (tests, or an operator lifting a block)."""
        for item in self.items:
            for limiter in (self._memory, self._redis):
                if limiter is not None:
                    try:
                        limiter.clear(item, str(identifier))
                    except self._redis_errors:
                        pass


def _as_tuple(exceptions: type[BaseException] | tuple[type[BaseException], ...]) -> tuple[type[BaseException], ...]:
    return exceptions if isinstance(exceptions, tuple) else (exceptions,)


@lru_cache(maxsize=4)
def _limiter_for(rule: str, redis_url: str | None) -> RateLimiter:
    return RateLimiter(rule, redis_url)


def get_limiter() -> RateLimiter:
    """The process's limiter for the configured rule and store."""
    settings = get_settings()
    return _limiter_for(settings.rate_limit, settings.redis_url)


def check_key(key_id: int) -> Decision:
    """Count one API request of the key."""
    return get_limiter().check(f"key:{key_id}")


__all__ = ["Decision", "RateLimiter", "check_key", "get_limiter"]
