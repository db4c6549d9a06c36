"""Database engine and the unit of work: one transaction per service action,
so a check and the write it guards see the same data. SQLite gets WAL and a
busy timeout (several writers at once), Postgres a pre-ping (a restarted server
costs one failed check, not a user's request)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=get_settings().db_pool_size, max_overflow=20)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(joined: Session | None = None) -> Iterator[Session]:
    """One unit of work: a session that commits on success and rolls back on any error.

    Given the caller's session (`joined`), it runs inside that transaction
    instead and leaves the commit to the caller, so a service's check can be
    part of another service's write. `expire_on_commit=False` lets callers
    return the rows they just wrote without a second round trip."""
    if joined is not None:
        yield joined
        return
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            if session.in_transaction():  # a unit that ran nothing has nothing to commit
                session.commit()
        except BaseException:
            session.rollback()
            raise


DATABASE_DOWN = "The database is unreachable right now. Try again in a moment."


@contextmanager
def database_guard(message: str = DATABASE_DOWN) -> Iterator[None]:
    """Turn "the database is unreachable" into errors.Unavailable with a clear message,
    so callers show it instead of a stack trace; other database errors pass through."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        log.warning("database unavailable: %s", error.orig or error)
        raise Unavailable(message) from None
    except DBAPIError as error:
        if error.connection_invalidated:
            log.warning("database connection lost: %s", error.orig or error)
            raise Unavailable(message) from None
        raise
