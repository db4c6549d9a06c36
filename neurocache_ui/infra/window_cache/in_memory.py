"""The window cache in this process, for the single-worker default (no REDIS_URL).

Same rules as the Redis cache; one lock guards everything and each method is a
few dict and list operations."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import datetime

from neurocache_ui.domain.messages import score_of
from neurocache_ui.infra.window_cache.interface import (
    Cacheable,
    ChannelCache,
    Miss,
    Window,
    member_of,
)


class _Entries:
    """One channel's window in memory: sorted (score, id) keys and their payloads."""

    def __init__(self, whole: bool) -> None:
        self.whole = whole
        self.keys: list[tuple[int, int]] = []
        self.payloads: dict[int, bytes] = {}
        self.expires = 0.0


class MemoryChannelCache(ChannelCache):
    """A channel cache in a dict of sorted lists, with the Redis cache's behaviour."""

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
