"""The worker's thread pools, kept apart by what their work waits on, so that one
kind of slow work can never take the threads another kind needs.

- The loop's default executor (what `asyncio.to_thread` uses, in every layer) is
  for database and Redis calls only: short, and what page handlers and the
  attachment route wait on. `use_database_executor` sizes it
  (NEUROCACHE_DB_THREADS) when a worker starts.
- `outbound()` is for blocking calls whose speed someone outside decides: DNS
  lookups of hosts a model or an agent's owner named, the keyless search package.
  A slow name server fills these threads, not the database's.
- `knowledge()` is the one thread that processes knowledge documents in the
  background (services/knowledge/worker.py): it waits on parse processes and
  embeds passages (CPU work), one document at a time, never on a database thread.
- Parsing never runs in a thread of this process: infra/parse_pool.py."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from neurocache_ui.settings import get_settings

OUTBOUND_THREADS = 8
"""Blocking outbound calls at once in one worker; more wait their turn (each within its tool's timeout)."""

_lock = threading.Lock()
_outbound: ThreadPoolExecutor | None = None
_database: ThreadPoolExecutor | None = None
_knowledge: ThreadPoolExecutor | None = None


def outbound() -> ThreadPoolExecutor:
    """The executor for DNS lookups and other blocking calls to outside servers."""
    global _outbound
    with _lock:
        if _outbound is None:
            _outbound = ThreadPoolExecutor(OUTBOUND_THREADS, thread_name_prefix="outbound")
        return _outbound


def database_executor() -> ThreadPoolExecutor:
    """The executor for database and Redis calls, NEUROCACHE_DB_THREADS threads."""
    global _database
    with _lock:
        if _database is None:
            _database = ThreadPoolExecutor(get_settings().db_threads, thread_name_prefix="db")
        return _database


def knowledge() -> ThreadPoolExecutor:
    """The executor for processing knowledge documents, one thread."""
    global _knowledge
    with _lock:
        if _knowledge is None:
            _knowledge = ThreadPoolExecutor(1, thread_name_prefix="knowledge")
        return _knowledge


def use_database_executor() -> None:
    """Make the running loop's default executor the database one (call once per worker, at start)."""
    asyncio.get_running_loop().set_default_executor(database_executor())


__all__ = ["OUTBOUND_THREADS", "database_executor", "knowledge", "outbound", "use_database_executor"]
