"""The API's throttles besides the per-key limit, on a running app with small
limits: requests with invalid keys per client IP, and each user's requests
across all their keys. Both counted in the shared Redis by two workers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from neurocache_ui.infra import ratelimit
from neurocache_ui.services import api_keys, auth
from testkit.hub import HubServer
from testkit.servers import RedisServer
from tests.api.test_keys import assert_openai_error

INVALID_PER_IP = 5
PER_USER = 8
CLIENT_IP = "127.0.0.1"


@pytest.fixture(scope="module")
def tight_hub(start_hub: Callable[..., HubServer], postgres_url: str, redis_server: RedisServer) -> HubServer:
    return start_hub(
        database_url=postgres_url,
        redis_url=redis_server.url,
        workers=2,
        env={
            "NEUROCACHE_INVALID_KEY_RATE_LIMIT": f"{INVALID_PER_IP}/minute",
            # The user limit is a sliding window counter, exact within one window:
            # an hour-long window makes crossing its boundary mid-test negligible.
            "NEUROCACHE_USER_RATE_LIMIT": f"{PER_USER}/hour",
        },
    )


@pytest.fixture
def invalid_key_count(db: str, redis_server: RedisServer) -> Iterator[None]:
    """This client's invalid-key count starts and ends empty (all tests call from 127.0.0.1)."""
    limiter = ratelimit.RateLimiter(f"{INVALID_PER_IP}/minute", redis_server.url)
    limiter.reset(f"bad-key-ip:{CLIENT_IP}")
    yield
    limiter.reset(f"bad-key-ip:{CLIENT_IP}")


def new_user_with_keys(count: int) -> tuple[int, list[str]]:
    tag = uuid.uuid4().hex[:8]
    user = auth.create_user(name=f"Ada {tag}", email=f"ada-{tag}@example.com", password=f"engine-{tag}-1843")
    return user.id, [api_keys.create_key(user.id, f"key {n}")[0] for n in range(count)]


def get_models(hub: HubServer, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    with httpx.Client(base_url=f"{hub.url}/api/v1", headers=headers, timeout=30) as http:  # a new connection: either worker
        return http.get("/models")


def test_invalid_keys_from_one_ip_get_429_valid_keys_still_pass(tight_hub: HubServer, invalid_key_count: None) -> None:
    _, (valid,) = new_user_with_keys(1)
    guesses = ["nck_" + uuid.uuid4().hex + "a" * 11 for _ in range(INVALID_PER_IP)]  # well-formed, unknown
    for guess in guesses:
        assert_openai_error(get_models(tight_hub, guess), 401, "invalid_api_key")
    refused = get_models(tight_hub, "nck_" + "b" * 43)
    error = assert_openai_error(refused, 429, "rate_limit_exceeded")
    assert error["type"] == "rate_limit_error"
    assert error["message"].startswith("Too many requests with an invalid API key from your address.")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert_openai_error(get_models(tight_hub, "sk-not-ours"), 429)  # malformed keys count too
    assert get_models(tight_hub, valid).status_code == 200  # the same IP with a valid key
    assert_openai_error(get_models(tight_hub, None), 401, "missing_api_key")  # no key is not a guess


def test_one_users_keys_share_the_user_limit(tight_hub: HubServer, db: str) -> None:
    _, (first, second) = new_user_with_keys(2)
    _, (stranger,) = new_user_with_keys(1)
    for n in range(PER_USER):
        response = get_models(tight_hub, first if n % 2 else second)
        assert response.status_code == 200, response.text
    for key in (first, second):
        refused = get_models(tight_hub, key)
        error = assert_openai_error(refused, 429, "rate_limit_exceeded")
        assert f"{PER_USER} requests per window for your account (all its keys together)" in error["message"]
        assert refused.headers["x-ratelimit-limit"] == str(PER_USER)  # the refusing limit speaks
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert get_models(tight_hub, stranger).status_code == 200  # other users are not affected
