"""The one usage recorder: a `UsageRecord` is built and checked once, then stored
now (`record`, the hub) or batched off the request path (`enqueue`, the API).
Best effort both ways: the reply is already delivered, so failures are logged."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.limits import MODEL_NAME_MAX
from neurocache_ui.infra.llm import CompletionResult, Outcome
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import UsageEvent, utcnow

log = logging.getLogger(__name__)

Source = Literal["hub", "api"]
SOURCES: tuple[str, ...] = get_args(Source)
OUTCOMES: tuple[str, ...] = get_args(Outcome)

BATCH_MAX = 500
FLUSH_INTERVAL = 0.25  # seconds: the most a queued record waits before it is written
QUEUE_LIMIT = 50_000  # beyond this the database is down or far behind: drop, don't eat memory
FLUSH_AT_EXIT = 2.0


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One model call or API request. Invalid for an unknown source or outcome
    (a programming error); counts below zero become 0, the model is cut to its column."""

    user_id: int
    source: Source
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    outcome: Outcome = "ok"
    agent_id: int | None = None
    channel_id: int | None = None
    api_key_id: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    tool_calls: int = 0
    """How many tool calls the model asked for in this reply (all its steps)."""
    agent_version: int | None = None
    """The version of the agent that made the call."""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise Invalid(f"Usage source must be one of {', '.join(SOURCES)}.", "source")
        if self.outcome not in OUTCOMES:
            raise Invalid(f"Usage outcome must be one of {', '.join(OUTCOMES)}.", "outcome")
        set_ = object.__setattr__
        set_(self, "model", (self.model or "")[:MODEL_NAME_MAX])
        for name in ("prompt_tokens", "completion_tokens", "latency_ms", "tool_calls"):
            set_(self, name, max(0, int(getattr(self, name))))

    @classmethod
    def of(
        cls, user_id: int, result: CompletionResult, *, source: Source, tool_calls: int | None = None, **refs: int | None
    ) -> UsageRecord:
        """The record of a finished model call; `refs`: agent_id, agent_version, channel_id, api_key_id.
        `tool_calls` defaults to the result's own count (0 if it has none)."""
        calls = getattr(result, "tool_calls", 0) if tool_calls is None else tool_calls
        return cls(
            user_id,
            source,
            model=result.model,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            latency_ms=result.latency_ms,
            outcome=result.outcome,
            tool_calls=calls if isinstance(calls, int) else len(calls),
            **refs,  # type: ignore[arg-type]
        )

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def without_refs(self) -> UsageRecord:
        """The record with no agent, channel or key: what ON DELETE SET NULL leaves."""
        return replace(self, agent_id=None, agent_version=None, channel_id=None, api_key_id=None)

    @property
    def has_refs(self) -> bool:
        return self.agent_id is not None or self.channel_id is not None or self.api_key_id is not None


def _insert(entry: UsageRecord) -> int | None:
    with session_scope() as session:
        row = UsageEvent(**entry.values())
        session.add(row)
        session.flush()
        return row.id


def record(entry: UsageRecord) -> int | None:
    """Store the record now; its id, or None if it could not be stored. A reference
    deleted while the call ran is dropped (stored as NULL) rather than the record."""
    try:
        try:
            return _insert(entry)
        except IntegrityError:
            if not entry.has_refs:
                raise
            return _insert(entry.without_refs())
    except IntegrityError:
        log.warning("usage event for user %s dropped: the user no longer exists", entry.user_id)
    except DBAPIError as error:
        log.warning("usage event for user %s not recorded: %s", entry.user_id, error.orig or error)
    return None


def record_result(
    user_id: int, result: CompletionResult, *, source: Source, tool_calls: int | None = None, **refs: int | None
) -> int | None:
    """`record` for a finished model call."""
    return record(UsageRecord.of(user_id, result, source=source, tool_calls=tool_calls, **refs))


def _write_batch(batch: list[UsageRecord]) -> None:
    """One multi-row INSERT; if a row refers to something deleted meanwhile, row by row."""
    try:
        with session_scope() as session:
            session.execute(sa.insert(UsageEvent), [entry.values() for entry in batch])
    except IntegrityError:
        for entry in batch:
            record(entry)
    except DBAPIError as error:
        log.warning("%d usage events not recorded: %s", len(batch), error.orig or error)


class _BatchWriter:
    """A deque requests append to (no lock, no wake-up: appending is all a request
    pays) and one thread per process that empties it every FLUSH_INTERVAL into one
    INSERT, so a steady stream of requests costs a few commits a second, not one each."""

    def __init__(self) -> None:
        self._pending: deque[UsageRecord] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._writing = False
        self._dropped_warned = 0.0

    def _running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def _ensure_thread(self) -> None:
        if self._running():
            return
        with self._lock:
            if self._running():
                return
            self._pid = os.getpid()  # a forked worker starts its own thread
            self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
            self._thread.start()

    def put(self, entry: UsageRecord) -> None:
        self._ensure_thread()
        if len(self._pending) >= QUEUE_LIMIT:
            now = time.monotonic()
            if now - self._dropped_warned > 60:
                self._dropped_warned = now
                log.warning("usage queue is full (%d events); dropping usage events", QUEUE_LIMIT)
            return
        self._pending.append(entry)

    def _drain(self) -> None:
        while self._pending:
            self._writing = True  # before taking records, so flush() never sees them in neither place
            batch = []
            while self._pending and len(batch) < BATCH_MAX:
                batch.append(self._pending.popleft())
            try:
                _write_batch(batch)
            except Exception:  # the writer must survive anything
                log.exception("writing %d usage events failed", len(batch))
            finally:
                self._writing = False

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
            self._drain()

    def flush(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._pending and not self._writing:
                return True
            time.sleep(0.02)
        return False


_writer = _BatchWriter()


def enqueue(entry: UsageRecord) -> None:
    """Store the record within FLUSH_INTERVAL, without waiting (the API's hot path)."""
    _writer.put(entry)


def enqueue_result(
    user_id: int, result: CompletionResult, *, source: Source, tool_calls: int | None = None, **refs: int | None
) -> None:
    """`enqueue` for a finished model call."""
    enqueue(UsageRecord.of(user_id, result, source=source, tool_calls=tool_calls, **refs))


def flush(timeout: float = 5.0) -> bool:
    """Wait until every queued record is written (tests, shutdown)."""
    return _writer.flush(timeout)


atexit.register(flush, FLUSH_AT_EXIT)

__all__ = [
    "Source",
    "UsageRecord",
    "enqueue",
    "enqueue_result",
    "flush",
    "record",
    "record_result",
]
