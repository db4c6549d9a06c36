"""Usage events written off the request path, in batches.

An API request must not wait for its usage row: `enqueue(...)` appends the event
to an in-process queue and returns at once; one writer thread per process
empties the queue every FLUSH_INTERVAL (0.25 s), inserting everything waiting in
one multi-row INSERT. Hundreds of requests a second thus cost four commits a
second per worker (a commit per request was the largest share of Postgres's work
in bench/bench_api.py), and an event reaches the usage dashboard within 0.25 s
plus its refresh interval.

Like `core.usage.record`, recording is best effort: a batch that breaks a
foreign key (an agent or key deleted meanwhile) is retried row by row through
`usage.record`, which drops the stale references; a database outage drops the
batch with a warning. Events still queued when the process exits are flushed for
up to FLUSH_AT_EXIT seconds. At most QUEUE_LIMIT events wait; beyond that new
ones are dropped (the database is down or far behind) rather than eating memory.

`latest_event_id(user_id)` is the dashboard's cheap "anything new?" probe.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from neurocache_ui.services import usage
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import UsageEvent, UTCDateTime, utcnow

log = logging.getLogger(__name__)

BATCH_MAX = 500
FLUSH_INTERVAL = 0.25  # seconds: the most an event waits before it is written
QUEUE_LIMIT = 50_000
FLUSH_AT_EXIT = 2.0


class UsageWriter:
    """A deque that requests append to (no lock, no wake-up: appending is all a
    request pays) and one thread per process that empties it every
    FLUSH_INTERVAL into one INSERT, so even a steady stream of requests costs a
    few commits a second, not one per request."""

    def __init__(self) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._writing = False
        self._dropped_warned = 0.0

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
            self._thread.start()

    def put(self, values: dict[str, Any]) -> None:
        self._ensure_thread()
        if len(self._pending) >= QUEUE_LIMIT:
            now = time.monotonic()
            if now - self._dropped_warned > 60:
                self._dropped_warned = now
                log.warning("usage queue is full (%d events); dropping usage events", QUEUE_LIMIT)
            return
        self._pending.append(values)

    def _drain(self) -> None:
        while self._pending:
            self._writing = True  # before taking events, so flush() never sees them in neither place
            batch = []
            while self._pending and len(batch) < BATCH_MAX:
                batch.append(self._pending.popleft())
            try:
                write_batch(batch)
            except Exception:  # the writer must survive anything
                log.exception("writing %d usage events failed", len(batch))
            finally:
                self._writing = False

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
            self._drain()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event is written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._pending and not self._writing:
                return True
            time.sleep(0.02)
        return False


def write_batch(batch: list[dict[str, Any]]) -> None:
    try:
        with session_scope() as session:
            session.execute(sa.insert(UsageEvent), batch)
    except IntegrityError:
        for values in batch:  # one row refers to something deleted meanwhile
            usage.record(**values)
    except DBAPIError as error:
        log.warning("%d usage events not recorded: %s", len(batch), error.orig or error)


_writer = UsageWriter()


def enqueue(
    user_id: int,
    *,
    source: usage.Source,
    model: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    latency_ms: int = 0,
    outcome: str = "ok",
    agent_id: int | None = None,
    channel_id: int | None = None,
    api_key_id: int | None = None,
) -> None:
    """Record one usage event soon, without waiting (same fields as `usage.record`)."""
    if source not in usage.SOURCES or outcome not in usage.OUTCOMES:
        raise ValueError(f"bad usage event: source={source!r} outcome={outcome!r}")
    _writer.put(
        {
            "user_id": user_id,
            "source": source,
            "model": (model or "")[: usage.MODEL_MAX],
            "prompt_tokens": max(0, int(prompt_tokens)),
            "completion_tokens": max(0, int(completion_tokens)),
            "latency_ms": max(0, int(latency_ms)),
            "outcome": outcome,
            "agent_id": agent_id,
            "channel_id": channel_id,
            "api_key_id": api_key_id,
            "created_at": utcnow(),
        }
    )


def enqueue_result(user_id: int, result: Any, *, source: usage.Source, **refs: int | None) -> None:
    """`enqueue` for a `core.llm.CompletionResult`."""
    enqueue(
        user_id,
        source=source,
        model=result.model,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        latency_ms=result.latency_ms,
        outcome=result.outcome,
        **refs,
    )


def flush(timeout: float = 5.0) -> bool:
    return _writer.flush(timeout)


atexit.register(flush, FLUSH_AT_EXIT)


RECENT = timedelta(minutes=10)


def latest_event_id(user_id: int) -> int:
    """The highest id among the user's events of the last ten minutes (0 for
    none): it changes whenever something new is written for them, whichever
    worker wrote it (ids only grow). One range scan of the (user_id,
    created_at) index over the recent events only."""
    since = sa.literal(utcnow() - RECENT, UTCDateTime())
    query = sa.select(sa.func.max(UsageEvent.id)).where(UsageEvent.user_id == user_id, UsageEvent.created_at >= since)
    with get_engine().connect() as conn:
        return int(conn.execute(query).scalar() or 0)


__all__ = ["enqueue", "enqueue_result", "flush", "latest_event_id"]
