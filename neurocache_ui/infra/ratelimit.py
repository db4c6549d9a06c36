"""Request limits: the API's per-key limit and the throttles built on the same
`RateLimiter` (per user, invalid keys and sign-ups per IP, log-ins, model quotas).

Moving windows counted in Redis when REDIS_URL is set, so every worker shares one
count; in this worker's memory otherwise, and while Redis fails (`infra.redis.Outage`)
so limits stay roughly enforced instead of failing or letting everything through."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TypeVar

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from neurocache_ui.infra.redis import REDIS_ERRORS, Outage, redis_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

KEY_PREFIX = "nc:ratelimit"
T = TypeVar("T")
Strategy = MovingWindowRateLimiter | SlidingWindowCounterRateLimiter


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

    @property
    def retry_after_text(self) -> str:
        """The wait in whole minutes for people ("14 minutes", "1 minute")."""
        minutes = max(1, math.ceil(self.reset_after / 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"

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
    """Checks requests against `rule` (the `limits` notation, "60/minute;1000/day")
    for any identifier. A moving window: a request is allowed when fewer than N of
    that identifier's happened in the last window length, so a client may spend the
    whole amount in a burst, then waits until its oldest request leaves the window."""

    def __init__(self, rule: str, redis_url: str | None = None, *, approximate: bool = False) -> None:
        """`approximate`: a sliding window *counter* (two counters per identifier,
        the previous window weighted) instead of the exact moving window, which
        keeps one entry per request: O(1) per hit whatever the limit, for a busy
        identifier with a high limit (a user across all their keys)."""
        self.items: list[RateLimitItem] = parse_many(rule)
        if not self.items:
            raise ValueError(f"no rate limit in {rule!r}")
        strategy = SlidingWindowCounterRateLimiter if approximate else MovingWindowRateLimiter
        self._memory: Strategy = strategy(MemoryStorage())
        self._redis: Strategy | None = None
        self._outage = Outage(log, "The rate-limit store", "counting in this worker's memory")
        if redis_url:
            pool = redis_client(redis_url).connection_pool
            self._redis = strategy(RedisStorage(redis_url, connection_pool=pool, key_prefix=KEY_PREFIX))

    def check(self, identifier: str | int) -> Decision:
        """Count one request for `identifier` and say whether it may proceed: two Redis
        round trips (acquire, then the window's statistics for the headers)."""
        return self._with_fallback(self._check, str(identifier))

    def refusal(self, identifier: str | int) -> Decision | None:
        """Count one request; None if allowed, else the refusal (with its Retry-After).

        Half the cost of `check` (no window statistics for allowed requests), for a
        limit that only needs to speak when it refuses."""
        return self._with_fallback(self._refusal, str(identifier))

    def _refusal(self, limiter: Strategy, identifier: str) -> Decision | None:
        for item in self.items:
            if not limiter.hit(item, identifier):
                return self._decision(limiter, item, identifier, False)
        return None

    def peek(self, identifier: str | int) -> Decision:
        """Whether one more request for `identifier` would be allowed, without
        counting it: for throttles that count only failures (log-ins)."""
        return self._with_fallback(self._peek, str(identifier))

    def _with_fallback(self, action: Callable[[Strategy, str], T], identifier: str) -> T:
        in_memory = partial(action, self._memory, identifier)
        if self._redis is None:
            return in_memory()
        return self._outage.call(partial(action, self._redis, identifier), in_memory, "counting")

    def _peek(self, limiter: Strategy, identifier: str) -> Decision:
        # The first limit that would refuse decides, as in `_check`.
        decisions = [self._decision(limiter, item, identifier, limiter.test(item, identifier)) for item in self.items]
        refused = [d for d in decisions if not d.allowed]
        return refused[0] if refused else min(decisions, key=lambda d: d.remaining)

    @staticmethod
    def _decision(limiter: Strategy, item: RateLimitItem, identifier: str, allowed: bool) -> Decision:
        stats = limiter.get_window_stats(item, identifier)
        return Decision(allowed, item.amount, max(0, stats.remaining), max(0.0, stats.reset_time - time.time()))

    def _check(self, limiter: Strategy, identifier: str) -> Decision:
        # Every limit must allow the request; the tightest one fills the headers.
        tightest: Decision | None = None
        for item in self.items:
            decision = self._decision(limiter, item, identifier, limiter.hit(item, identifier))
            if not decision.allowed:
                return decision
            if tightest is None or decision.remaining < tightest.remaining:
                tightest = decision
        assert tightest is not None
        return tightest

    def reset(self, identifier: str | int) -> None:
        """Forget the identifier's counts (tests, or an operator lifting a block)."""
        for item in self.items:
            self._memory.clear(item, str(identifier))
            if self._redis is not None:
                try:
                    self._redis.clear(item, str(identifier))
                except REDIS_ERRORS as error:
                    self._outage.failed(error, "reset")


@lru_cache(maxsize=32)  # one per rule: an evicted limiter would forget its in-memory counts
def _limiter_for(rule: str, redis_url: str | None, approximate: bool) -> RateLimiter:
    return RateLimiter(rule, redis_url, approximate=approximate)


def limiter_for(rule: str, *, approximate: bool = False) -> RateLimiter:
    """The process's limiter for `rule` on the configured store (one per rule,
    so its in-memory fallback count lives as long as the process)."""
    return _limiter_for(rule, get_settings().redis_url, approximate)


def get_limiter() -> RateLimiter:
    """The process's limiter for the per-key rule (NEUROCACHE_RATE_LIMIT)."""
    return limiter_for(get_settings().rate_limit)


def check_key(key_id: int) -> Decision:
    """Count one API request of the key."""
    return get_limiter().check(f"key:{key_id}")


def check_user(user_id: int) -> Decision | None:
    """Count one API request of the user, whichever of their keys made it: more
    keys must not mean more throughput (NEUROCACHE_USER_RATE_LIMIT). None when
    allowed: the per-key limit fills the headers then (one Redis round trip less)."""
    return limiter_for(get_settings().user_rate_limit, approximate=True).refusal(f"user:{user_id}")


def check_invalid_key(client_ip: str) -> Decision:
    """Count one API request with an invalid key from this client IP
    (NEUROCACHE_INVALID_KEY_RATE_LIMIT): slows key scanning and its database lookups."""
    return limiter_for(get_settings().invalid_key_rate_limit).check(f"bad-key-ip:{client_ip}")


def check_signup(client_ip: str) -> Decision:
    """Count one sign-up attempt from this client IP (NEUROCACHE_SIGNUP_RATE_LIMIT):
    bounds mass account creation and the password hashing it costs."""
    return limiter_for(get_settings().signup_rate_limit).check(f"signup-ip:{client_ip}")


__all__ = [
    "Decision",
    "RateLimiter",
    "check_invalid_key",
    "check_key",
    "check_signup",
    "check_user",
    "get_limiter",
    "limiter_for",
]
