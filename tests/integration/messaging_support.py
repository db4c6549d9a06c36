"""Helpers shared by the message, cache, bus and retention tests (not a test module).

Rows are inserted directly through SQLModel so these tests depend only on the
schema, not on other modules' rules; messages that need a past timestamp are
inserted the same way, which also puts them in the database behind the cache's
back (a cold cache)."""

from __future__ import annotations

import secrets
import select
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
import redis
import sqlalchemy as sa

from neurocache_ui.infra import bus
from neurocache_ui.infra.window_cache import RedisChannelCache, get_cache, reset_caches
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import Agent, Channel, ChannelMember, Message, User


@dataclass
class Stores:
    database: str  # "postgres" | "sqlite"
    cache: str  # "redis" | "memory"
    database_url: str
    redis_url: str | None

    def raw_redis(self) -> redis.Redis:
        assert self.redis_url
        return redis.Redis.from_url(self.redis_url)


def setup_stores(request: pytest.FixtureRequest, use_settings, combo: str, **env: str) -> Stores:
    database, cache = combo.split("+")
    url = request.getfixturevalue(f"{database}_url")
    redis_url = None
    if cache == "redis":
        # Another Postgres database than the hubs' gets a redis-server of its own: its channel
        # ids would meet theirs in the cache's keys and on the bus (pub/sub spans Redis' databases).
        server = request.getfixturevalue("redis_server" if database == "postgres" else "unshared_redis_server")
        if server.process is None:  # a failed outage test must not break the next one
            server.start()
        redis_url = server.url
        redis.Redis.from_url(redis_url).flushdb()
    use_settings(DATABASE_URL=url, REDIS_URL=redis_url, **env)
    reset_caches()
    # The bus remembers an outage per URL for a second: an outage test just before
    # (the same redis-server) would make this test's first events skip Redis.
    bus._outages.cache_clear()
    return Stores(database, cache, url, redis_url)


def redis_cache() -> RedisChannelCache:
    cache = get_cache()
    assert isinstance(cache, RedisChannelCache)
    return cache


def make_user(name: str = "Ada") -> int:
    user = User(name=name, email=f"{name.lower()}-{secrets.token_hex(6)}@example.com", password_hash="x")
    with session_scope() as session:
        session.add(user)
    assert user.id is not None
    return user.id


def make_channel(owner_id: int, *members: int) -> int:
    channel = Channel(slug=f"c-{secrets.token_hex(8)}", name="Test", owner_id=owner_id)
    with session_scope() as session:
        session.add(channel)
        session.flush()
        assert channel.id is not None
        for user_id in {owner_id, *members}:
            session.add(ChannelMember(channel_id=channel.id, user_id=user_id))
    return channel.id


def make_agent(owner_id: int, name: str = "Scout") -> int:
    agent = Agent(owner_id=owner_id, slug=f"a-{secrets.token_hex(6)}", name=name, model="fake")
    with session_scope() as session:
        session.add(agent)
    assert agent.id is not None
    return agent.id


def insert_messages(channel_id: int, user_id: int, times: Sequence[datetime], prefix: str = "old") -> list[int]:
    """Messages written straight to the database (the cache does not see them)."""
    rows = [
        Message(channel_id=channel_id, user_id=user_id, content=f"{prefix} {i}", created_at=t)
        for i, t in enumerate(times)
    ]
    with session_scope() as session:
        session.add_all(rows)
    return [r.id for r in rows if r.id is not None]


def message_ids(channel_id: int) -> list[int]:
    """Every id in the channel, in history order (created_at, id)."""
    with get_engine().connect() as conn:
        return list(
            conn.execute(
                sa.select(Message.id).where(Message.channel_id == channel_id).order_by(Message.created_at, Message.id)
            ).scalars()
        )


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """Every SQL statement sent through the app's engine inside the block."""
    counter = StatementCounter()
    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)


class TcpProxy:
    """A loopback TCP proxy to a real server that a test can cut and restore, to
    play a network partition: the server keeps its data while we cannot reach it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._links: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            listener.close()
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            try:
                link.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            link.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._links += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (b if src is a else a).sendall(data)
        except (OSError, ValueError):  # ValueError: cut() closed the socket under us
            return
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass
