"""What a channel's window cache offers and returns, whichever store holds it.

The Redis and in-process caches implement `ChannelCache` with the same rules,
so the message service and retention never ask which one they have."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson

from neurocache_ui.domain.messages import MessageView

WHOLE = b"#all"
TAIL = b"#tail"
_ID_DIGITS = 19


class Cacheable(Protocol):
    """What the cache needs of a message (domain.messages.MessageView: the row is
    what `MessageView.from_row` reads back)."""

    @property
    def id(self) -> int: ...

    @property
    def channel_id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...

    def to_row(self) -> list[Any]: ...


@dataclass(frozen=True)
class Window:
    """A hit: up to `limit` entries, oldest -> newest, as ONE JSON array of
    `[id, row]` pairs (`payload`), parsed once, with orjson.
    `payload` is None when the window is unchanged since the `known` token the
    reader passed. `whole` means the window is the channel's entire history,
    so fewer than `limit` is the truth. `token` is the window's version."""

    payload: bytes | None
    count: int
    whole: bool
    token: str

    def _pairs(self) -> list[Any]:
        if self.payload is None:
            raise ValueError("unchanged window: use the entries decoded for its token")
        return orjson.loads(self.payload)

    def rows(self) -> list[Any]:
        """The entries' rows as stored (`Cacheable.to_row`)."""
        return [pair[1] for pair in self._pairs()]

    def views(self) -> list[MessageView]:
        """The entries as messages; ValueError, TypeError or IndexError if unreadable."""
        from_row = MessageView.from_row
        return [from_row(pair[1]) for pair in self._pairs()]

    def entries(self) -> list[dict[str, Any]]:
        """The messages in `MessageView.to_dict` form, for tests and tools."""
        return [view.to_dict() for view in self.views()]


@dataclass(frozen=True)
class Miss:
    """No complete window. `token` is the fill permit (the channel's epoch when
    read); None means the cache is unreachable, so do not try to fill it."""

    token: str | None


class Memo:
    """Decoded windows of recently read channels, per cache object, for revalidated
    reads: channel id -> (token, limit it was read with, value). LRU-bounded."""

    def __init__(self, capacity: int = 128) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._items: OrderedDict[int, tuple[str, int, Any]] = OrderedDict()

    def get(self, channel_id: int) -> tuple[str, int, Any] | None:
        with self._lock:
            item = self._items.get(channel_id)
            if item is not None:
                self._items.move_to_end(channel_id)
            return item

    def forget(self, channel_id: int) -> None:
        """Drop a channel's decoded copy: its next read is a worker's first (benchmarks)."""
        with self._lock:
            self._items.pop(channel_id, None)

    def put(self, channel_id: int, token: str, limit: int, value: Any) -> None:
        with self._lock:
            self._items[channel_id] = (token, limit, value)
            self._items.move_to_end(channel_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


def id_prefix(message_id: int) -> bytes:
    """The start of a message's member: entries of equal score sort by id, as in SQL."""
    return b'["%0*d",' % (_ID_DIGITS, message_id)


def member_of(entry: Cacheable) -> bytes:
    """The JSON pair `["<zero-padded id>", [row]]` stored for `entry`."""
    return id_prefix(entry.id) + orjson.dumps(entry.to_row()) + b"]"


class ChannelCache(ABC):
    """The interface the message service and retention use. Writes never raise:
    the database already has the truth, and a failed cache write is healed."""

    def __init__(self, *, window: int, ttl_seconds: int) -> None:
        self.window = window
        self.ttl_seconds = ttl_seconds
        self.memo = Memo()

    @abstractmethod
    def read(self, channel_id: int, limit: int, *, known: str | None = None) -> Window | Miss:
        """The newest `limit` (<= window) entries of a complete window; no entries
        (payload None) if its token still equals `known`."""

    @abstractmethod
    def fill(self, channel_id: int, entries: Sequence[Cacheable], *, whole: bool, token: str, replace: bool = False) -> bool:
        """Install `entries` (oldest -> newest) as the window, atomically, unless the
        channel changed since `token` was read. `replace` overwrites a complete window."""

    @abstractmethod
    def add(self, entry: Cacheable) -> None:
        """Write-through of a new message (kept only if the window is complete)."""

    @abstractmethod
    def replace(self, entry: Cacheable) -> None:
        """An edited message replaces its entry."""

    @abstractmethod
    def remove(self, entry: Cacheable) -> None:
        """A deleted message leaves the window."""

    @abstractmethod
    def trim_before(self, cutoff: datetime, channel_ids: Iterable[int] = ()) -> dict[int, int]:
        """Drop entries created before `cutoff` from `channel_ids` and every cached
        window; returns entries removed per channel. Raises if the cache is down."""

    @abstractmethod
    def invalidate(self, channel_id: int) -> None:
        """Forget the channel's window; the next read refills it."""
