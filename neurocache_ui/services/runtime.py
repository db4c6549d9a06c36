"""What each server process sets up for itself and takes down at exit: its threads and
its parse processes (infra/threads.py, infra/parse_pool.py), and its start-up heap kept
out of the garbage collector's walks. Registered as a lifespan task before any other, so
the loop's default executor is the database one from the start."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from neurocache_ui.infra import parse_pool, threads

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Take everything alive once the worker has started (modules, the app, its state
    classes: a quarter of a million objects) out of the garbage collector's view; how many.
    Otherwise a full collection walks them all, ~130 ms with the event loop held, whenever
    a busy worker (an evaluation run's 200 cases) fills the oldest generation:
    bench/bench_evals.py's worst stall went from 121 to 14 ms."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """`asyncio.to_thread` runs on NEUROCACHE_DB_THREADS threads kept for database and
    Redis calls; the parse processes end with the worker."""
    threads.use_database_executor()
    log.info("start-up heap frozen: %d objects out of the collector's walks", freeze_startup_heap())
    try:
        yield
    finally:
        parse_pool.shutdown()


__all__ = ["freeze_startup_heap", "lifespan"]
