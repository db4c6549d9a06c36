"""The rate limit of the running app (the default: 60 requests a minute per key),
shared by both workers through Redis."""

from __future__ import annotations

import redis

from testkit.servers import RedisServer
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error

LIMIT = 60


def test_61st_request_in_a_minute_is_429_across_workers(caller: Caller, redis_server: RedisServer) -> None:
    remaining = []
    for _ in range(LIMIT):
        with caller.http() as http:  # a new connection per request: both workers serve them
            response = http.get("/models")
            assert response.status_code == 200, response.text
            assert response.headers["x-ratelimit-limit"] == str(LIMIT)
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
    assert remaining == list(range(LIMIT - 1, -1, -1))  # one count for all workers
    with caller.http() as http:
        refused = http.get("/models")
    error = assert_openai_error(refused, 429, "rate_limit_exceeded")
    assert error["type"] == "rate_limit_error"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"
    # The count lives in the shared Redis, not in a worker's memory.
    client = redis.Redis.from_url(redis_server.url)
    keys = [k for k in client.scan_iter("nc:ratelimit*") if f"key:{caller.key_id}/".encode() in k]
    assert keys and client.llen(keys[0]) == LIMIT


def test_limits_are_per_key(new_caller, caller: Caller) -> None:
    for _ in range(LIMIT):
        with caller.http() as http:
            assert http.get("/models").status_code == 200
    other = new_caller("Grace")
    with other.http() as http:
        assert http.get("/models").status_code == 200
    with caller.http() as http:
        assert http.get("/models").status_code == 429
