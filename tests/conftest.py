"""Shared fixtures, thin wrappers over testkit/: per-run Postgres database and Redis, the
settings switch, the fake model provider, and the app servers the API and browser tests
share (a start costs an app import and a compile; the Vite build is reused while its
input is unchanged, testkit/build_cache.py; every set of settings runs once per session)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from neurocache_ui.settings import get_settings
from testkit.database import fresh_database, migrate
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.servers import RedisServer


def pytest_configure(config: pytest.Config) -> None:
    """The test processes' own pools stay small too (the hubs': testkit/hub.py): two
    processes and a dozen hubs share one Postgres of 100 connections."""
    os.environ.setdefault("NEUROCACHE_DB_POOL_SIZE", "3")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated Postgres database for this run; dropped afterwards."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'neurocache.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """This run's own redis-server, which a test may stop to prove the fallback."""
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def unshared_redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server no hub server of the run uses, for tests on `unshared_postgres_url`."""
    with RedisServer(tmp_path_factory.mktemp("unshared-redis")) as server:
        yield server


@pytest.fixture
def use_settings(monkeypatch: pytest.MonkeyPatch):
    """Point the app's settings at the given environment for one test."""

    def apply(**env: str | None) -> None:
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture(params=["postgres", "sqlite"])
def database(request: pytest.FixtureRequest, use_settings) -> str:
    """Run the test once on Postgres and once on the embedded SQLite default."""
    url = request.getfixturevalue(f"{request.param}_url")
    use_settings(DATABASE_URL=url, REDIS_URL=None)
    return url


@pytest.fixture(scope="session")
def unshared_postgres_url() -> Iterator[str]:
    """A Postgres database no hub server of the run uses: the hubs' background workers
    (knowledge ingestion and indexing, evaluation sweeps) claim work from their own
    database, and would take a test's queued documents or runs from under it."""
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["unshared_postgres", "sqlite"], ids=["postgres", "sqlite"])
def unshared_database(request: pytest.FixtureRequest, use_settings) -> str:
    """`database` for tests that drive background work themselves (the queue, the indexer, runs)."""
    url = request.getfixturevalue(f"{request.param}_url")
    use_settings(DATABASE_URL=url, REDIS_URL=None)
    return url


# ---------------------------------------------------------------- fake model provider


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def fake_provider(fake_provider_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The fake provider with default behaviour and no recorded requests.

    `use_settings(**fake_provider.env())` points the app at it; controls are reset
    before and after each test."""
    fake_provider_server.reset()
    yield fake_provider_server
    fake_provider_server.reset()


# ---------------------------------------------------------------- app servers

_running: list[HubServer] = []  # for the failure report


@pytest.fixture(scope="session")
def start_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., HubServer]]:
    """Start a server with its own settings or command (`HubServer` arguments); all
    stopped at session end. Use it from module- or session-scoped fixtures."""
    servers: list[HubServer] = []

    def start(**kwargs: Any) -> HubServer:
        server = HubServer(tmp_path_factory.mktemp("hub"), **kwargs)
        servers.append(server)
        _running.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
        _running.remove(server)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test shows what the running servers logged."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in _running:
            report.sections.append((f"server {server.url} log (tail)", server.log_tail()))


PER_IP_LIMITS = {
    "NEUROCACHE_SIGNUP_RATE_LIMIT": "10000/hour",
    "NEUROCACHE_LOGIN_FAILURES_PER_IP": "10000/15 minutes",
    "NEUROCACHE_INVALID_KEY_RATE_LIMIT": "10000/minute",
}
"""Every client comes from 127.0.0.1, so the shared hubs raise the per-IP limits (sign-ups,
failed log-ins, invalid API keys); the per-account log-in lock keeps its default.
tests/api/test_throttles.py and tests/e2e/test_login_lockout.py check them."""
ALLOWED_ORIGIN = "http://allowed.example"
"""The one foreign origin `agent_hub` allows (CORS and the websocket)."""


@pytest.fixture(scope="session")
def start_provider_hub(
    start_hub: Callable[..., HubServer], postgres_url: str, redis_server: RedisServer, fake_provider_server: FakeOpenAIServer
) -> Callable[..., HubServer]:
    """`start_provider_hub(workers=2, **env)`: a production-like hub (Postgres, Redis, the
    raised per-IP limits) whose model provider is the fake OpenAI-compatible server,
    speech-to-text included (voice messages get their transcript)."""

    def start(workers: int = 2, **env: str) -> HubServer:
        provider = {"OPENAI_BASE_URL": fake_provider_server.base_url, "OPENAI_API_KEY": "test",
                    "NEUROCACHE_TRANSCRIPTION_MODEL": "whisper-1"}
        return start_hub(
            database_url=postgres_url, redis_url=redis_server.url, workers=workers, env={**PER_IP_LIMITS, **provider, **env}
        )

    return start


@pytest.fixture(scope="session")
def agent_hub(start_provider_hub: Callable[..., HubServer]) -> HubServer:
    """The production-like hub: two workers, the fake provider, the default per-key
    limit (60/minute) and one allowed cross-origin caller. The browser and API tests'
    `hub` and `api_hub`; tests that need "no model provider" run `make run` as it comes
    (test_default_run.py)."""
    return start_provider_hub(NEUROCACHE_CORS_ORIGINS=ALLOWED_ORIGIN)


@pytest.fixture(scope="session")
def hub(agent_hub: HubServer) -> HubServer:
    return agent_hub


@pytest.fixture(scope="session")
def api_hub(agent_hub: HubServer) -> HubServer:
    return agent_hub


@pytest.fixture(scope="session")
def fuzz_hub(start_provider_hub: Callable[..., HubServer]) -> HubServer:
    """One worker and a per-key limit no test reaches: schema fuzzing sends many
    requests with one key, and an upload that stalled the only worker would show."""
    return start_provider_hub(workers=1, NEUROCACHE_RATE_LIMIT="100000/minute")


@pytest.fixture(scope="session")
def single_worker_hub(fuzz_hub: HubServer) -> HubServer:
    return fuzz_hub
