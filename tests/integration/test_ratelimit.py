"""core.ratelimit with real Redis (shared by every limiter, like workers) and in memory."""

from __future__ import annotations

import time
import uuid

import pytest

from neurocache_ui.infra import ratelimit
from neurocache_ui.infra.ratelimit import RateLimiter
from neurocache_ui.settings import Settings, SettingsError
from testkit.servers import RedisServer


def _ident() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_n_allowed_then_refused_with_retry_after(store: str, redis_server: RedisServer) -> None:
    limiter = RateLimiter("5/minute", redis_server.url if store == "redis" else None)
    ident = _ident()
    decisions = [limiter.check(ident) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
    refused = decisions[-1].headers()
    assert refused["X-RateLimit-Limit"] == "5" and refused["X-RateLimit-Remaining"] == "0"
    assert 55 <= int(refused["Retry-After"]) <= 60
    assert "Retry-After" not in decisions[0].headers()
    assert limiter.check(_ident()).allowed  # other identifiers are not affected


def test_workers_share_one_count_through_redis(redis_server: RedisServer) -> None:
    worker_a, worker_b = RateLimiter("4/minute", redis_server.url), RateLimiter("4/minute", redis_server.url)
    ident = _ident()
    allowed = [(worker_a if i % 2 else worker_b).check(ident).allowed for i in range(6)]
    assert allowed == [True, True, True, True, False, False]


def test_moving_window_frees_requests_as_they_age(redis_server: RedisServer) -> None:
    limiter = RateLimiter("2/second", redis_server.url)
    ident = _ident()
    assert limiter.check(ident).allowed and limiter.check(ident).allowed
    refused = limiter.check(ident)
    assert not refused.allowed and refused.retry_after == 1
    time.sleep(1.05)
    assert limiter.check(ident).allowed


def test_several_limits_at_once(redis_server: RedisServer) -> None:
    limiter = RateLimiter("10/minute;3/second", redis_server.url)
    ident = _ident()
    decisions = [limiter.check(ident) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[0].limit == 3 and decisions[-1].limit == 3  # the tighter one shows


def test_redis_outage_falls_back_to_memory(tmp_path) -> None:
    down = RedisServer(tmp_path)
    down.start()
    limiter = RateLimiter("3/minute", down.url)
    ident = _ident()
    assert limiter.check(ident).allowed
    down.stop()
    started = time.monotonic()
    decisions = [limiter.check(ident) for _ in range(4)]  # memory: a fresh count, still limited
    assert time.monotonic() - started < 3
    assert [d.allowed for d in decisions] == [True, True, True, False]


def test_settings_validate_the_rule() -> None:
    assert Settings.from_env({"NEUROCACHE_RATE_LIMIT": "100/hour;10/minute"}).rate_limit == "100/hour;10/minute"
    assert Settings.from_env({}).rate_limit == "60/minute"
    with pytest.raises(SettingsError, match="NEUROCACHE_RATE_LIMIT"):
        Settings.from_env({"NEUROCACHE_RATE_LIMIT": "lots"})


def test_check_key_uses_the_settings(use_settings, redis_server: RedisServer) -> None:
    use_settings(REDIS_URL=redis_server.url, NEUROCACHE_RATE_LIMIT="2/minute")
    key_id = int(time.time() * 1000) % 10_000_000 + 10_000_000
    ratelimit.get_limiter().reset(f"key:{key_id}")
    assert [ratelimit.check_key(key_id).allowed for _ in range(3)] == [True, True, False]
