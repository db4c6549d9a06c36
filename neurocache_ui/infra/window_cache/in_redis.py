"""The window cache in Redis, shared by every backend worker (REDIS_URL set).

Each change is one Lua script (the .lua files next to this module), so readers
never see half a change; outages follow `infra.redis.Outage` and are healed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from neurocache_ui.domain.messages import score_of
from neurocache_ui.infra.redis import REDIS_ERRORS, RETRY_AFTER, Outage
from neurocache_ui.infra.window_cache.interface import (
    TAIL,
    WHOLE,
    Cacheable,
    ChannelCache,
    Miss,
    Window,
    id_prefix,
    member_of,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

KEY_PREFIX = "nc:cache:v9"  # bump the version when the entry format changes
_HERE = Path(__file__).parent
_PRELUDE = (_HERE / "prelude.lua").read_text()


class _Scripts(NamedTuple):
    read: Script
    fill: Script
    upsert: Script
    remove: Script
    trim: Script
    drop: Script


_SOURCES = {name: _PRELUDE + (_HERE / f"{name}.lua").read_text() for name in _Scripts._fields}


class RedisChannelCache(ChannelCache):
    """One sorted set per channel, scored by `created_at` in whole microseconds.

    The score is the time, not the id, because ids do not follow `created_at` when
    two workers insert at once: with the database's `(created_at, id)` order
    everywhere (members of equal score tie-break bytewise on the zero-padded id)
    there is no gap or duplicate where the window meets older pages, and retention
    drops the very range the database deleted with one ZREMRANGEBYSCORE.

    A marker member at -inf (`#all`: the whole history; `#tail`: the newest only)
    lives inside the key, so a window and its completeness appear and expire
    together; a set without it is a miss. The channel's epoch, bumped by every
    change, refuses fills that raced a write and doubles as the window's version
    for revalidated reads. Every access refreshes the TTL.

    A full read takes the entries with a plain ZRANGE next to the read script in
    one MULTI: passing ~25 KB through Lua (as the script's reply, or to store a
    ready-made page) cost more than the rest of the read together.

    Writes that fail (Redis down) mark the channel dirty in this process; its
    window is dropped at the first successful contact, by the next call or a
    background healer, so a window that outlived the outage is never served."""

    def __init__(self, client: redis.Redis, *, window: int, ttl_seconds: int, prefix: str = KEY_PREFIX) -> None:
        super().__init__(window=window, ttl_seconds=ttl_seconds)
        self.client = client
        self.prefix = prefix
        self.outage = Outage(log, "The message cache", "using the database")
        self._ttl_ms = ttl_seconds * 1000
        self._scripts = _Scripts(*(client.register_script(_SOURCES[name]) for name in _Scripts._fields))
        self._lock = threading.Lock()
        self._dirty: set[int] = set()
        self._healer_running = False

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

    # -- healing

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
            self._scripts.drop(keys=self.keys(channel_id), args=[self._ttl_ms], client=pipe)
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
            self.outage.call(self._heal, lambda: None, "healing")

    @property
    def dirty_channels(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._dirty)

    def _call(self, what: str, action: Callable[[], T], *, dirty: int | None = None) -> T | None:
        """Run `action` after any pending heal; None if Redis is skipped or fails,
        and then a write (`dirty`: its channel) is remembered for healing."""

        def healed() -> T | None:
            self._heal()
            return action()

        def missed() -> None:
            if dirty is not None:
                self._mark_dirty(dirty)

        return self.outage.call(healed, missed, what)

    # -- interface

    def read(self, channel_id: int, limit: int, *, known: str | None = None) -> Window | Miss:
        keys = self.keys(channel_id)
        if known:  # usually unchanged: one short reply, else a second trip for the entries
            check = self._read_script(lambda: self.client.evalsha(self._scripts.read.sha, 2, *keys, self._ttl_ms))
            reply = self._call("read", check)
            if reply is None:
                return Miss(None)
            kind, epoch = reply[0], reply[1].decode()
            if not kind:
                return Miss(epoch)
            if epoch == known:
                return Window(None, -1, kind == WHOLE, epoch)
        found = self._call("read", self._read_script(lambda: self._read_entries(keys, limit)))
        return Miss(None) if found is None else found

    def _read_script(self, run: Callable[[], T]) -> Callable[[], T]:
        """`run`, which calls the read script by its hash (directly: redis-py's Script
        call costs ~10 us more), loading the script first where the server lacks it."""

        def loaded() -> T:
            try:
                return run()
            except NoScriptError:  # a restarted or another server: load it, once
                self.client.script_load(self._scripts.read.script)
                return run()

        return loaded

    def _read_entries(self, keys: list[str], limit: int) -> Window | Miss:
        """The read script, then a plain ZRANGE of the newest `limit` members in the
        same MULTI (atomic, one trip); joined here into one JSON array."""
        pipe = self.client.pipeline(transaction=True)
        pipe.evalsha(self._scripts.read.sha, len(keys), *keys, self._ttl_ms)
        pipe.zrange(keys[0], -limit, -1)
        (kind, epoch), members = pipe.execute()
        if not kind:
            return Miss(epoch.decode())
        if members and members[0].startswith(b"#"):
            del members[0]  # the marker: the window holds fewer than `limit`
        return Window(b"[" + b",".join(members) + b"]", len(members), kind == WHOLE, epoch.decode())

    def fill(self, channel_id: int, entries: Sequence[Cacheable], *, whole: bool, token: str, replace: bool = False) -> bool:
        args: list[bytes | str | int] = [self._ttl_ms, token, WHOLE if whole else TAIL, "1" if replace else "0"]
        for entry in entries:
            args.append(score_of(entry.created_at))
            args.append(member_of(entry))
        done = self._call("fill", lambda: self._scripts.fill(keys=self.keys(channel_id), args=args))
        return done == 1

    def _write(self, entry: Cacheable, *, replace: bool) -> None:
        args = [self._ttl_ms, score_of(entry.created_at), member_of(entry), id_prefix(entry.id), self.window, "1" if replace else "0"]
        self._call("write", lambda: self._scripts.upsert(keys=self.keys(entry.channel_id), args=args), dirty=entry.channel_id)

    def add(self, entry: Cacheable) -> None:
        self._write(entry, replace=False)

    def replace(self, entry: Cacheable) -> None:
        self._write(entry, replace=True)

    def remove(self, entry: Cacheable) -> None:
        args = [self._ttl_ms, score_of(entry.created_at), id_prefix(entry.id)]
        self._call("delete", lambda: self._scripts.remove(keys=self.keys(entry.channel_id), args=args), dirty=entry.channel_id)

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
                self._scripts.trim(keys=self.keys(channel_id), args=[self._ttl_ms, score_of(cutoff)], client=pipe)
            counts = pipe.execute()
        except REDIS_ERRORS as error:
            for channel_id in targets:
                self._mark_dirty(channel_id)
            self.outage.failed(error, "retention trim")
            raise
        self.outage.succeeded()
        return {c: n for c, n in zip(ordered, counts, strict=True) if n}

    def invalidate(self, channel_id: int) -> None:
        self._call("invalidate", lambda: self._scripts.drop(keys=self.keys(channel_id), args=[self._ttl_ms]), dirty=channel_id)
