"""What each server process sets up for itself and takes down at exit: its threads and
its parse processes (infra/threads.py, infra/parse_pool.py). Registered as a lifespan
task before any other, so the loop's default executor is the database one from the start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from neurocache_ui.infra import parse_pool, threads


@asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """`asyncio.to_thread` runs on NEUROCACHE_DB_THREADS threads kept for database and
    Redis calls; the parse processes end with the worker."""
    threads.use_database_executor()
    try:
        yield
    finally:
        parse_pool.shutdown()


__all__ = ["lifespan"]
