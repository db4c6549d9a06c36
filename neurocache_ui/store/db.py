"""Database engine and sessions.

One engine per process and URL. SQLite gets WAL and a busy timeout so the embedded
default tolerates the hub, the API and the retention job writing at once; Postgres
gets a pre-ping so a restarted server costs one failed check, not a user's request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import logging

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
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error.

    `expire_on_commit=False` lets callers return the rows they just wrote
    without a second round trip."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
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
