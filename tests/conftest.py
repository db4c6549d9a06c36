"""Shared fixtures: real Postgres, real Redis, and a switch for the app's settings.

Every run creates its own Postgres database (and drops only that one) and starts
its own Redis server on a free port, so runs never touch data they did not make
and a test may stop "its" Redis to prove the fallback."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from neurocache_ui.settings import PROJECT_ROOT, get_settings
from tests.fakes.openai_server import FakeOpenAIServer

PG_ADMIN_URL = os.environ.get("NEUROCACHE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def migrate(url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated Postgres database for this run; dropped afterwards."""
    name = f"nc_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    from neurocache_ui.store.db import engine_for

    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'neurocache.db'}"
    migrate(url)
    return url


class RedisServer:
    """A private redis-server process that tests may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (make test installs it)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


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


# ---------------------------------------------------------------- fake model provider


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeOpenAIServer]:
    """The fake OpenAI-compatible server (tests/fakes/openai_server.py), one per run."""
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def fake_provider(fake_provider_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The fake provider with default behaviour and no recorded requests.

    `.base_url` is what OPENAI_BASE_URL should be (`use_settings(**fake_provider.env())`
    points the app at it); `.configure(...)`, `.requests()`, `.last_body()` drive and
    inspect it. Controls are reset before and after each test."""
    fake_provider_server.reset()
    yield fake_provider_server
    fake_provider_server.reset()
