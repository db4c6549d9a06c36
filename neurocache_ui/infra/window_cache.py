"""The recent-messages window of each channel: Redis when REDIS_URL is set, else in-process.

Postgres is the truth; this is a copy of the newest `cache_window` messages of a
channel, kept so that opening a channel costs one cache round trip and no SQL.
It is built to avoid each bug of the seed sketch (DESIGN.md, "Data flow"):

* Structure: one sorted set per channel. The score is `created_at` in whole
  microseconds since 1970 (exact in a double until the year 2255), so the cache
  sorts like the database's `(created_at, id)` keyset and retention can drop the
  very range the database deleted with one `ZREMRANGEBYSCORE`. Ids are not the
  score because they do not follow `created_at` when two workers insert at once,
  and pages from the database are keyed by `(created_at, id)`: one order
  everywhere means no gap or duplicate where the window meets the older pages.
  A member is the JSON pair `["<id zero-padded to 19 digits>", {message}]`, so
  equal timestamps tie-break by id (members of equal score sort bytewise), the
  same as in SQL; an entry is found by (score, id prefix) for edits and
  deletes; and a read joins members with commas into one JSON array that the
  client parses in a single call.
* "Window complete" marker: a sentinel member at score -inf, `#all` (the window
  is the channel's whole history: an empty channel is a hit) or `#tail` (the
  newest messages only; older ones are in the database). It lives *inside* the
  key, so the window and its marker are created, expire and vanish together; a
  set without the sentinel (half-written, or left by anything else) is a miss.
* Atomic fill: a miss is filled by one Lua script that replaces the key with the
  sentinel plus every entry, so readers see the old state or the whole new
  window, never a part. A per-channel epoch counter, bumped by every change
  (and by every fill), lets the script refuse a fill whose database read raced
  a write.
* Write-through only into a complete window; otherwise the next fill brings the
  message. Appends cap the window with ZREMRANGEBYRANK (the sentinel at rank 0
  is kept); edits replace the entry; deletes remove it.
* Idle expiry: every access refreshes a key's TTL (`cache_ttl_seconds`).
* Revalidation: the epoch doubles as the window's version (like an HTTP ETag).
  A reader that still holds the decoded window of epoch E (`memo`, in this
  process) asks "unchanged since E?" and gets a two-field reply instead of the
  entries: no transfer, no JSON parsing. Every change and fill bumps the
  epoch, and a missing epoch restarts from the Redis clock in microseconds, so
  an epoch value is never reused for a channel.
* Outages: every Redis call has a 0.5 s socket timeout and no retries. After a
  failure Redis is skipped for RETRY_AFTER seconds (readers use the database).
  Channels whose cache writes failed are remembered in this process and their
  windows are dropped at the first successful contact (by the next call or a
  background healer), so a window that survived the outage never serves stale
  or missing messages.
"""

from __future__ import annotations

import bisect
import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol, TypeVar

import redis

from neurocache_ui.domain.messages import score_of
from neurocache_ui.infra.redis import redis_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER = 1.0  # seconds without Redis calls after a failure
WARN_EVERY = 60.0  # seconds between repeated outage warnings
KEY_PREFIX = "nc:cache:v1"  # bump the version when the entry format changes
WHOLE = b"#all"
TAIL = b"#tail"
_ID_DIGITS = 19


class Cacheable(Protocol):
    """What the cache needs of a message (core.messages.MessageView)."""

    @property
    def id(self) -> int: ...

    @property
    def channel_id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...

    def to_json(self) -> str: ...


@dataclass(frozen=True)
class Window:
    """A hit: up to `limit` entries, oldest -> newest, as ONE JSON array (`payload`,
    built inside Redis, so the reply is one string and the client parses once).
    `payload` is None when the window is unchanged since the `known` token the
    reader passed. `whole` means the window is the channel's entire history,
    so fewer than `limit` is the truth. `token` is the window's version."""

    payload: bytes | None
    count: int
    whole: bool
    token: str

    def entries(self) -> list[dict[str, object]]:
        if self.payload is None:
            raise ValueError("unchanged window: use the entries decoded for its token")
        return [pair[1] for pair in json.loads(self.payload)]


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

    def put(self, channel_id: int, token: str, limit: int, value: Any) -> None:
        with self._lock:
            self._items[channel_id] = (token, limit, value)
            self._items.move_to_end(channel_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class Miss:
    """No complete window. `token` is the fill permit (the channel's epoch when
    read); None means the cache is unreachable, so do not try to fill it."""

    token: str | None


def _id_prefix(message_id: int) -> bytes:
    return b'["%0*d",' % (_ID_DIGITS, message_id)


def member_of(entry: Cacheable) -> bytes:
    return _id_prefix(entry.id) + entry.to_json().encode() + b"]"


class ChannelCache(ABC):
    """The interface core.messages and core.retention use. Writes never raise:
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


# ---------------------------------------------------------------- in-process


class _Entries:
    """One channel's window in memory: sorted (score, id) keys and their payloads."""

    def __init__(self, whole: bool) -> None:
        self.whole = whole
        self.keys: list[tuple[int, int]] = []
        self.payloads: dict[int, bytes] = {}
        self.expires = 0.0


class MemoryChannelCache(ChannelCache):
    """Same rules as the Redis cache, for the single-worker default (no REDIS_URL).

    One lock guards everything; each method is a few dict/list operations."""

    def __init__(self, *, window: int, ttl_seconds: int) -> None:
        super().__init__(window=window, ttl_seconds=ttl_seconds)
        self._lock = threading.Lock()
        self._windows: dict[int, _Entries] = {}
        self._epochs: dict[int, int] = {}

    def _live(self, channel_id: int) -> _Entries | None:
        entries = self._windows.get(channel_id)
        if entries is not None and entries.expires <= time.monotonic():
            del self._windows[channel_id]
            return None
        return entries

    def _touch(self, entries: _Entries) -> None:
        entries.expires = time.monotonic() + self.ttl_seconds

    def _bump(self, channel_id: int) -> None:
        self._epochs[channel_id] = self._epochs.get(channel_id, 0) + 1

    def read(self, channel_id: int, limit: int, *, known: str | None = None) -> Window | Miss:
        with self._lock:
            token = str(self._epochs.get(channel_id, 0))
            entries = self._live(channel_id)
            if entries is None:
                return Miss(token)
            self._touch(entries)
            if known == token:
                return Window(None, -1, entries.whole, token)
            keys = entries.keys[-limit:] if limit > 0 else []
            payload = b"[" + b",".join(entries.payloads[k[1]] for k in keys) + b"]"
            return Window(payload, len(keys), entries.whole, token)

    def fill(self, channel_id: int, entries: Sequence[Cacheable], *, whole: bool, token: str, replace: bool = False) -> bool:
        with self._lock:
            if str(self._epochs.get(channel_id, 0)) != token:
                return False
            if not replace and self._live(channel_id) is not None:
                return False
            window = _Entries(whole)
            for entry in entries:
                window.keys.append((score_of(entry.created_at), entry.id))
                window.payloads[entry.id] = member_of(entry)
            window.keys.sort()
            self._touch(window)
            self._windows[channel_id] = window
            self._bump(channel_id)  # a new version: revalidating readers must re-read
            return True

    def _upsert(self, entry: Cacheable, *, replace: bool) -> None:
        with self._lock:
            self._bump(entry.channel_id)
            window = self._live(entry.channel_id)
            if window is None:
                return
            self._touch(window)
            key = (score_of(entry.created_at), entry.id)
            oldest = window.keys[0] if window.keys else None
            if entry.id in window.payloads:
                if not replace:
                    return
                window.keys.remove(key)
                del window.payloads[entry.id]
            if not window.whole and oldest is not None and key < oldest:
                return  # older than a partial window: it belongs to the database pages
            bisect.insort(window.keys, key)
            window.payloads[entry.id] = member_of(entry)
            overflow = len(window.keys) - self.window
            if overflow > 0:
                for _, message_id in window.keys[:overflow]:
                    del window.payloads[message_id]
                del window.keys[:overflow]
                window.whole = False

    def add(self, entry: Cacheable) -> None:
        self._upsert(entry, replace=False)

    def replace(self, entry: Cacheable) -> None:
        self._upsert(entry, replace=True)

    def remove(self, entry: Cacheable) -> None:
        with self._lock:
            self._bump(entry.channel_id)
            window = self._live(entry.channel_id)
            if window is None:
                return
            key = (score_of(entry.created_at), entry.id)
            if entry.id in window.payloads:
                window.keys.remove(key)
                del window.payloads[entry.id]
            elif window.whole or (window.keys and key > window.keys[0]):
                # It should be here but is not: a write is in flight. Start over.
                del self._windows[entry.channel_id]

    def trim_before(self, cutoff: datetime, channel_ids: Iterable[int] = ()) -> dict[int, int]:
        limit = (score_of(cutoff), -1)
        removed: dict[int, int] = {}
        with self._lock:
            for channel_id in set(channel_ids) | set(self._windows):
                self._bump(channel_id)
                window = self._windows.get(channel_id)
                if window is None:
                    continue
                cut = bisect.bisect_left(window.keys, limit)
                if cut:
                    for _, message_id in window.keys[:cut]:
                        del window.payloads[message_id]
                    del window.keys[:cut]
                    removed[channel_id] = cut
        return removed

    def invalidate(self, channel_id: int) -> None:
        with self._lock:
            self._bump(channel_id)
            self._windows.pop(channel_id, None)


# ---------------------------------------------------------------- Redis

# KEYS[1] = window, KEYS[2] = epoch everywhere. Every script that changes a
# channel bumps its epoch first, so a fill that read the database before the
# change is refused.

_BUMP = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
"""

_READ = """
local epoch = redis.call('GET', KEYS[2]) or ''
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
local kind = head[1]
if kind ~= '#all' and kind ~= '#tail' then return {'', epoch} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' and ARGV[3] == epoch then return {kind, epoch} end
local items = redis.call('ZRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
if string.byte(items[1], 1) == 35 then table.remove(items, 1) end -- the marker
return {kind, epoch, '[' .. table.concat(items, ',') .. ']', #items}
"""

# ARGV: ttl, token, kind, replace ('1'/'0'), then score, member pairs.
_FILL = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
if ARGV[4] ~= '1' then
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if head[1] == '#all' or head[1] == '#tail' then return 2 end
end
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[1], '-inf', ARGV[3])
local i = 5
while i <= #ARGV do
  local j = math.min(i + 999, #ARGV)
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
""" + _BUMP + """
return 1
"""

# ARGV: ttl, score, member, id prefix, cap, replace ('1'/'0').
# Returns 0 no complete window, 1 written, 2 already there, 3 older than a partial window.
_UPSERT = _BUMP + """
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
local kind = head[1]
if kind ~= '#all' and kind ~= '#tail' then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local score = tonumber(ARGV[2])
local n = string.len(ARGV[4])
local oldest = redis.call('ZRANGE', KEYS[1], 1, 1, 'WITHSCORES')
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])) do
  if string.sub(m, 1, n) == ARGV[4] then
    if ARGV[6] ~= '1' then return 2 end
    redis.call('ZREM', KEYS[1], m)
  end
end
if kind == '#tail' and #oldest > 0 then
  local s = tonumber(oldest[2])
  if score < s or (score == s and ARGV[4] < string.sub(oldest[1], 1, n)) then return 3 end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local size = redis.call('ZCARD', KEYS[1]) - 1
local cap = tonumber(ARGV[5])
if size > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 1, size - cap)
  if kind == '#all' then
    redis.call('ZREM', KEYS[1], '#all')
    redis.call('ZADD', KEYS[1], '-inf', '#tail')
  end
end
return 1
"""

# ARGV: ttl, score, id prefix. Returns 1 removed, 0 nothing to do, 4 window dropped.
_REMOVE = _BUMP + """
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
local kind = head[1]
if kind ~= '#all' and kind ~= '#tail' then return 0 end
local n = string.len(ARGV[3])
local removed = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])) do
  if string.sub(m, 1, n) == ARGV[3] then removed = removed + redis.call('ZREM', KEYS[1], m) end
end
if removed > 0 then return 1 end
local inside = kind == '#all'
if not inside then
  local oldest = redis.call('ZRANGE', KEYS[1], 1, 1, 'WITHSCORES')
  if #oldest > 0 then
    local score, s = tonumber(ARGV[2]), tonumber(oldest[2])
    inside = score > s or (score == s and ARGV[3] > string.sub(oldest[1], 1, n))
  end
end
if inside then
  redis.call('DEL', KEYS[1])
  return 4
end
return 0
"""

# ARGV: ttl, cutoff score (exclusive). The sentinel at -inf is excluded by '(-inf'.
_TRIM = _BUMP + "return redis.call('ZREMRANGEBYSCORE', KEYS[1], '(-inf', '(' .. ARGV[2])\n"

_DROP = _BUMP + "return redis.call('DEL', KEYS[1])\n"


class RedisChannelCache(ChannelCache):
    def __init__(self, client: redis.Redis, *, window: int, ttl_seconds: int, prefix: str = KEY_PREFIX) -> None:
        super().__init__(window=window, ttl_seconds=ttl_seconds)
        self.client = client
        self.prefix = prefix
        self._ttl_ms = ttl_seconds * 1000
        self._read = client.register_script(_READ)
        self._fill = client.register_script(_FILL)
        self._upsert = client.register_script(_UPSERT)
        self._remove = client.register_script(_REMOVE)
        self._trim = client.register_script(_TRIM)
        self._drop = client.register_script(_DROP)
        self._lock = threading.Lock()
        self._dirty: set[int] = set()
        self._healer_running = False
        self._down_until = 0.0
        self._last_warning = float("-inf")

    # -- keys

    def keys(self, channel_id: int) -> list[str]:
        """The window and epoch keys; the hash tag keeps both in one Cluster slot."""
        base = f"{self.prefix}:{{{channel_id}}}"
        return [f"{base}:win", f"{base}:epoch"]

    def _channel_of(self, key: bytes) -> int | None:
        try:
            return int(key.decode().rsplit("{", 1)[1].split("}", 1)[0])
        except (IndexError, ValueError):
            return None

    # -- health

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, error: Exception, what: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + RETRY_AFTER
            warn = now - self._last_warning >= WARN_EVERY
            if warn:
                self._last_warning = now
        if warn:
            log.warning("Message cache unavailable (%s), using the database: %s: %s", what, type(error).__name__, error)

    def _mark_dirty(self, channel_id: int) -> None:
        with self._lock:
            self._dirty.add(channel_id)
            if self._healer_running:
                return
            self._healer_running = True
        threading.Thread(target=self._heal_loop, name="nc-cache-healer", daemon=True).start()

    def _heal(self) -> None:
        """Drop the windows of channels whose cache writes failed (raises on failure)."""
        with self._lock:
            pending = list(self._dirty)
        if not pending:
            return
        pipe = self.client.pipeline(transaction=False)
        for channel_id in pending:
            self._drop(keys=self.keys(channel_id), args=[self._ttl_ms], client=pipe)
        pipe.execute()
        with self._lock:
            self._dirty.difference_update(pending)
        log.info("Message cache healed: dropped %d channel window(s) written during an outage", len(pending))

    def _heal_loop(self) -> None:
        """Heal without waiting for traffic, so other workers stop reading stale windows."""
        while True:
            time.sleep(RETRY_AFTER)
            with self._lock:
                if not self._dirty:
                    self._healer_running = False
                    return
            if not self._usable():
                continue
            try:
                self._heal()
            except (redis.RedisError, OSError) as error:
                self._failed(error, "healing")

    @property
    def dirty_channels(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._dirty)

    def _call(self, what: str, action: Callable[[], T], *, dirty: int | None = None) -> T | None:
        """Run `action` after any pending heal; on failure log, remember and return None."""
        if not self._usable():
            if dirty is not None:
                self._mark_dirty(dirty)
            return None
        try:
            self._heal()
            return action()
        except (redis.RedisError, OSError) as error:
            if dirty is not None:
                self._mark_dirty(dirty)
            self._failed(error, what)
            return None

    # -- interface

    def read(self, channel_id: int, limit: int, *, known: str | None = None) -> Window | Miss:
        args = [limit, self._ttl_ms, known or ""]
        reply = self._call("read", lambda: self._read(keys=self.keys(channel_id), args=args))
        if reply is None:
            return Miss(None)
        kind, epoch = reply[0], reply[1].decode()
        if not kind:
            return Miss(epoch)
        if len(reply) == 2:
            return Window(None, -1, kind == WHOLE, epoch)
        return Window(reply[2], int(reply[3]), kind == WHOLE, epoch)

    def fill(self, channel_id: int, entries: Sequence[Cacheable], *, whole: bool, token: str, replace: bool = False) -> bool:
        args: list[bytes | str | int] = [self._ttl_ms, token, WHOLE if whole else TAIL, "1" if replace else "0"]
        for entry in entries:
            args.append(score_of(entry.created_at))
            args.append(member_of(entry))
        done = self._call("fill", lambda: self._fill(keys=self.keys(channel_id), args=args))
        return done == 1

    def _write(self, entry: Cacheable, *, replace: bool) -> None:
        args = [self._ttl_ms, score_of(entry.created_at), member_of(entry), _id_prefix(entry.id), self.window, "1" if replace else "0"]
        self._call("write", lambda: self._upsert(keys=self.keys(entry.channel_id), args=args), dirty=entry.channel_id)

    def add(self, entry: Cacheable) -> None:
        self._write(entry, replace=False)

    def replace(self, entry: Cacheable) -> None:
        self._write(entry, replace=True)

    def remove(self, entry: Cacheable) -> None:
        args = [self._ttl_ms, score_of(entry.created_at), _id_prefix(entry.id)]
        self._call("delete", lambda: self._remove(keys=self.keys(entry.channel_id), args=args), dirty=entry.channel_id)

    def trim_before(self, cutoff: datetime, channel_ids: Iterable[int] = ()) -> dict[int, int]:
        """Pipelined ZREMRANGEBYSCORE over the given channels and every window found
        by SCAN (which also catches leftovers of an interrupted earlier run)."""
        targets = set(channel_ids)
        try:
            self._heal()
            for key in self.client.scan_iter(match=f"{self.prefix}:{{*}}:win", count=1000):
                if (channel_id := self._channel_of(key)) is not None:
                    targets.add(channel_id)
            ordered = sorted(targets)
            pipe = self.client.pipeline(transaction=False)
            for channel_id in ordered:
                self._trim(keys=self.keys(channel_id), args=[self._ttl_ms, score_of(cutoff)], client=pipe)
            counts = pipe.execute()
        except (redis.RedisError, OSError) as error:
            for channel_id in targets:
                self._mark_dirty(channel_id)
            self._failed(error, "retention trim")
            raise
        return {c: n for c, n in zip(ordered, counts, strict=True) if n}

    def invalidate(self, channel_id: int) -> None:
        self._call("invalidate", lambda: self._drop(keys=self.keys(channel_id), args=[self._ttl_ms]), dirty=channel_id)


# ---------------------------------------------------------------- selection


@lru_cache(maxsize=8)
def _cache_for(redis_url: str | None, database_url: str, window: int, ttl_seconds: int) -> ChannelCache:
    if redis_url:
        return RedisChannelCache(redis_client(redis_url), window=window, ttl_seconds=ttl_seconds)
    # Keyed by database too: an in-process window must never outlive a switch of database.
    return MemoryChannelCache(window=window, ttl_seconds=ttl_seconds)


def get_cache() -> ChannelCache:
    """The cache for the current settings: Redis if REDIS_URL is set, else in-process."""
    settings = get_settings()
    return _cache_for(settings.redis_url, settings.database_url, settings.cache_window, settings.cache_ttl_seconds)


def reset_caches() -> None:
    """Forget every cache object (and its in-process windows); for tests and benchmarks."""
    _cache_for.cache_clear()
