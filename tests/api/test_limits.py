"""Spending limits and id bounds through the API.

These run the API's FastAPI app in this process (`create_app()`, the same app the
hub mounts, with its middleware and error handlers) on the run's Postgres and
Redis, with the fake provider behind it: the limits are read from settings each
test sets, which a shared running hub could not change per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from neurocache_ui.api.app import PREFIX, create_app
from neurocache_ui.services import agents, api_keys, auth, channels, team
from testkit.fake_provider import FakeOpenAIServer
from testkit.servers import RedisServer
from tests.api.test_keys import assert_openai_error


@dataclass
class Api:
    http: TestClient
    user_id: int
    channel_slug: str


@pytest.fixture
def api(use_settings, postgres_url: str, redis_server: RedisServer, fake_provider: FakeOpenAIServer) -> Iterator[Api]:
    use_settings(
        DATABASE_URL=postgres_url, REDIS_URL=redis_server.url, **fake_provider.env(),
        NEUROCACHE_LLM_MAX_RETRIES="0", NEUROCACHE_USER_MODEL_CALLS_PER_HOUR="3",
    )  # fmt: skip
    tag = uuid.uuid4().hex[:8]
    user = auth.create_user(name=f"Ada {tag}", email=f"ada-{tag}@example.com", password=f"engine-{tag}-1843")
    secret, _ = api_keys.create_key(user.id, "limits test key")
    scout = agents.create_agent(user.id, {"name": "Scout", "model": "fake-model"})
    critic = agents.create_agent(user.id, {"name": "Critic", "model": "fake-model"})
    channel = channels.create_channel(user.id, name=f"Limits {tag}")
    for agent in (scout, critic):
        team.add_agent(channel.id, user.id, agent.id)
    with TestClient(create_app(), base_url=f"http://testserver{PREFIX}", headers={"Authorization": f"Bearer {secret}"}) as http:
        yield Api(http, user.id, channel.slug)


def ask(api: Api, model: str) -> object:
    return api.http.post("/chat/completions", json={"model": model, "messages": [{"role": "user", "content": "hi"}]})


@pytest.mark.parametrize(
    "before",
    [
        "9999999999999999999",  # fits the pattern's 19 digits, not a bigint
        "9223372036854775808",  # 2**63
        "1_9999999999999999999",
        "99999999999999999999",
        "-1",
        "0",
        "abc",
        "1e3",
        "1_2_3",
    ],
)
def test_message_cursors_beyond_the_database_range_are_422(api: Api, before: str) -> None:
    error = assert_openai_error(api.http.get(f"/channels/{api.channel_slug}/messages", params={"before": before}), 422)
    assert error["param"] == "before" and error["type"] == "invalid_request_error"


def test_the_largest_ids_and_integer_parameters_are_bounded(api: Api) -> None:
    messages_url = f"/channels/{api.channel_slug}/messages"
    largest = api.http.get(messages_url, params={"before": str(2**63 - 1)})
    assert largest.status_code == 200 and largest.json()["data"] == []
    far_future = api.http.get(messages_url, params={"before": f"{2**63 - 1}_1"})  # a date past year 9999
    assert_openai_error(far_future, 422)
    for params in ({"limit": "99999999999999999999"}, {"limit": "-1"}, {"limit": "x"}):
        assert_openai_error(api.http.get(messages_url, params=params), 422)
    for params in ({"offset": "99999999999999999999"}, {"offset": "-1"}, {"limit": "99999999999999999999"}):
        assert_openai_error(api.http.get("/agents", params=params), 422)


def test_the_hourly_quota_is_429_with_retry_after(api: Api, fake_provider: FakeOpenAIServer) -> None:
    for _ in range(3):
        assert ask(api, "agent:scout").status_code == 200
    refused = ask(api, "agent:scout")
    error = assert_openai_error(refused, 429, "model_call_quota_exceeded")
    assert error["type"] == "rate_limit_error"
    assert error["message"].startswith("You have used your 3 model calls for this hour. The next one frees up in ")
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    # The collective charges every agent's call too: nothing left for it either.
    assert_openai_error(ask(api, "channel:" + api.channel_slug), 429, "model_call_quota_exceeded")
    query = api.http.post(f"/channels/{api.channel_slug}/query", json={"question": "status?"})
    assert_openai_error(query, 429, "model_call_quota_exceeded")
    assert len(fake_provider.requests()) == 3


def test_the_collective_counts_each_agents_call(api: Api, fake_provider: FakeOpenAIServer) -> None:
    # Two agents and the synthesis: the whole quota of three.
    assert ask(api, "channel:" + api.channel_slug).status_code == 200
    assert len(fake_provider.requests()) == 3
    assert_openai_error(ask(api, "agent:scout"), 429)


def test_the_model_allow_list_refuses_saving_and_calling(api: Api, use_settings, fake_provider: FakeOpenAIServer) -> None:
    use_settings(NEUROCACHE_ALLOWED_MODELS="gpt-4o-mini")
    created = api.http.post("/agents", json={"name": "Pricey", "model": "gpt-4o"})
    error = assert_openai_error(created, 422)
    assert error["param"] == "model" and "not allowed" in error["message"]
    # Scout was saved with fake-model before the list: calling it is refused too.
    called = assert_openai_error(ask(api, "agent:scout"), 422, "model_not_allowed")
    assert called["param"] == "model"
    assert api.http.get("/agents/scout").json()["model"] == "fake-model"  # still readable, to be fixed
    assert fake_provider.requests() == []
