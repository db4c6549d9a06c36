"""Throw-away databases: a fresh, migrated Postgres database per run, dropped afterwards.

A run only ever drops the database it made, so runs (and benches) can share one
Postgres server. NEUROCACHE_TEST_PG_URL overrides the admin connection."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic.config import Config

from alembic import command
from testkit.servers import PROJECT_ROOT

PG_ADMIN_URL = os.environ.get("NEUROCACHE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def migrate(url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


@contextmanager
def fresh_database(prefix: str = "nc_test", *, migrated: bool = True) -> Iterator[str]:
    """The URL of a new Postgres database named `<prefix>_<pid>_<random>`."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate(url)
        yield url
    finally:
        from neurocache_ui.store.db import engine_for

        engine_for(url).dispose()  # the app's pooled connections to it
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
