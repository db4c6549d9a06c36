"""Alembic environment: the URL comes from our settings, the schema from store.models."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

from neurocache_ui.store import (  # noqa: F401 (their tables join the metadata)
    arena_models,
    dm_models,
    eval_models,
    ingest_models,
    media_models,
    models,
    pin_models,
    notify_models,
    profile_models,
    response_models,
    retrieval_models,
    version_models,
    webhook_models,
    workspace_models,
)
from neurocache_ui.store.db import engine_for
from neurocache_ui.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as plain SQLAlchemy so migrations never import app code."""
    if type_ == "type" and isinstance(obj, models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "AutoString":
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    return False


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Full-text search objects are made by hand in migrations (SQLite's FTS5
    tables, Postgres's generated tsvector column and its index): not models."""
    fts_tables = (models.KNOWLEDGE_FTS_TABLE, models.MESSAGE_FTS_TABLE, media_models.MEDIA_FTS_TABLE)
    if type_ == "table" and name and name.startswith(fts_tables):
        return False
    if type_ == "column" and name in (models.KNOWLEDGE_SEARCH_COLUMN, models.MESSAGE_SEARCH_COLUMN):
        return False
    indexes = (models.KNOWLEDGE_SEARCH_INDEX, models.MESSAGE_SEARCH_INDEX, media_models.MEDIA_SEARCH_INDEX)
    return not (type_ == "index" and name in indexes)


def url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with engine_for(url()).connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table by dropping the old one; with foreign keys
            # on, that drop would cascade into every table referencing it.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_item=render_item,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # the engine's pooled connection goes back as it came
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
