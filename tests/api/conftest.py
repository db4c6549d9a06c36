"""API fixtures: callers with keys and clients (httpx, the official `openai` package)
for the shared production-like `api_hub` (tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import openai
import pytest

from neurocache_ui.services import agents, api_keys, channels, team
from testkit.factories import create_user
from testkit.hub import HubServer
from testkit.servers import RedisServer


@dataclass
class Caller:
    """A user with an API key, and clients for the running app."""

    user_id: int
    email: str
    key: str
    key_id: int
    base_url: str

    def http(self, key: str | None = "__own__") -> httpx.Client:
        headers = {} if key is None else {"Authorization": f"Bearer {self.key if key == '__own__' else key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def openai(self, key: str | None = None, **kwargs) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base_url, api_key=key or self.key, max_retries=0, timeout=30, **kwargs)


@pytest.fixture
def db(use_settings, postgres_url: str, redis_server: RedisServer) -> str:
    """This process's services on the server's database and Redis (so posts reach the hub)."""
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url)
    return postgres_url


@pytest.fixture
def new_caller(api_hub: HubServer, db: str) -> Callable[..., Caller]:
    def make(name: str = "Ada") -> Caller:
        user = create_user(name)
        secret, key = api_keys.create_key(user.id, f"{name}'s test key")
        return Caller(user.id, user.email, secret, key.id, f"{api_hub.url}/api/v1")

    return make


@pytest.fixture
def caller(new_caller: Callable[..., Caller]) -> Caller:
    return new_caller()


@dataclass
class Workspace:
    """An agent pair in a channel with a goal, owned by the caller."""

    scout: agents.AgentPublic
    critic: agents.AgentPublic
    channel: channels.ChannelView


@pytest.fixture
def workspace(caller: Caller) -> Workspace:
    scout = agents.create_agent(caller.user_id, {"name": "Scout", "description": "Finds sources", "instructions": "Be brief."})
    critic = agents.create_agent(caller.user_id, {"name": "Critic", "description": "Checks claims"})
    channel = channels.create_channel(caller.user_id, name=f"Research {uuid.uuid4().hex[:6]}", goal="Answer with sources")
    team.add_agent(channel.id, caller.user_id, scout.id)
    team.add_agent(channel.id, caller.user_id, critic.id)
    return Workspace(scout, critic, channel)
