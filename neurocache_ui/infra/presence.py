"""Who is online in a channel: ephemeral, never in Postgres. (Who is typing needs
no roster: each notice travels on the bus with the name, and pages forget it.)

Shared by every worker through Redis (a sorted set of user ids per channel and kind,
scored by Redis's clock) when REDIS_URL is set, else in this process. Presence is
decoration: if Redis fails it shows nobody (see `infra.redis.Outage`). Callers check
membership first, so this module never touches the database."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import redis
from redis.commands.core import Script

from neurocache_ui.infra.redis import Outage, redis_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

ONLINE_TTL = 60.0  # seconds; pages send a heartbeat well within this window
KEY_PREFIX = "nc:presence"


class Present(NamedTuple):
    user_id: int
    name: str


# Atomic "who is here": prune expired ids from the set and the name hash, then
# return the rest as id, name, id, name... Loops instead of unpack() so a big
# channel cannot exceed Lua's stack.
_LIVE_SCRIPT = """
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) + tonumber(t[2]) / 1000000 - tonumber(ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
for i = 1, #gone do redis.call('HDEL', KEYS[2], gone[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = redis.call('HGET', KEYS[2], ids[i]) or ''
end
return out
"""

# Record a sighting at Redis's time; both keys live one TTL past the last one.
_TOUCH_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""


class _Redis(NamedTuple):
    client: redis.Redis
    touch: Script
    live: Script
    outage: Outage


@lru_cache(maxsize=8)
def _connect(url: str) -> _Redis:
    """The scripts (sent by hash, EVALSHA) and the outage state of one Redis URL."""
    client = redis_client(url)
    outage = Outage(log, "Presence", "showing nobody online")
    return _Redis(client, client.register_script(_TOUCH_SCRIPT), client.register_script(_LIVE_SCRIPT), outage)


class Roster:
    """The people seen in a channel within the last `ttl` seconds, for one kind
    of activity ("online", "typing"). Backend chosen per call from settings, so
    a changed REDIS_URL (tests) takes effect immediately."""

    def __init__(self, kind: str, ttl: float) -> None:
        self.kind = kind
        self.ttl = ttl
        self._lock = threading.Lock()
        # channel id -> user id -> (monotonic expiry, name); used without Redis.
        self._local: dict[int, dict[int, tuple[float, str]]] = {}

    # -- public

    def touch(self, channel_id: int, user_id: int, name: str) -> None:
        name = " ".join(name.split()) or f"User {user_id}"
        if url := get_settings().redis_url:
            keys = self._keys(channel_id)
            expire = max(1, round(self.ttl + 0.5))
            self._redis(url, "touch", lambda r: r.touch(keys=keys, args=[user_id, name, expire]))
            return
        with self._lock:
            self._local.setdefault(channel_id, {})[user_id] = (time.monotonic() + self.ttl, name)

    def drop(self, channel_id: int, user_id: int) -> None:
        if url := get_settings().redis_url:
            zset, names = self._keys(channel_id)

            def run(r: _Redis) -> None:
                pipe = r.client.pipeline(transaction=True)
                pipe.zrem(zset, user_id)
                pipe.hdel(names, user_id)
                pipe.execute()

            self._redis(url, "drop", run)
            return
        with self._lock:
            self._local.get(channel_id, {}).pop(user_id, None)

    def live(self, channel_id: int) -> list[Present]:
        """Everyone still within the TTL, sorted by name."""
        if url := get_settings().redis_url:
            keys = self._keys(channel_id)
            flat: list[bytes] = self._redis(url, "live", lambda r: r.live(keys=keys, args=[self.ttl])) or []
            ids = [int(user_id) for user_id in flat[::2]]
            people = [Present(i, name.decode() or f"User {i}") for i, name in zip(ids, flat[1::2], strict=True)]
        else:
            people = self._local_live(channel_id)
        return sorted(people, key=lambda p: (p.name.casefold(), p.user_id))

    # -- internals

    def _keys(self, channel_id: int) -> list[str]:
        # The hash tag keeps both keys in one slot, as scripts need on Redis Cluster.
        base = f"{KEY_PREFIX}:{{{self.kind}:{channel_id}}}"
        return [base, f"{base}:names"]

    def _local_live(self, channel_id: int) -> list[Present]:
        now = time.monotonic()
        with self._lock:
            seen = self._local.get(channel_id)
            if not seen:
                return []
            for user_id in [u for u, (expires, _) in seen.items() if expires <= now]:
                del seen[user_id]
            if not seen:
                del self._local[channel_id]  # quiet channels do not accumulate
            return [Present(user_id, name) for user_id, (_, name) in seen.items()]

    def _redis(self, url: str, what: str, action: Callable[[_Redis], Any]) -> Any:
        """`action`'s result, or None while Redis is skipped or when it fails."""
        scripts = _connect(url)
        return scripts.outage.call(lambda: action(scripts), lambda: None, f"{self.kind} {what}")


_online = Roster("online", ONLINE_TTL)


def heartbeat(channel_id: int, user_id: int, name: str) -> None:
    """The user has the channel open; call at least every ONLINE_TTL / 2 seconds."""
    _online.touch(channel_id, user_id, name)


def went_away(channel_id: int, user_id: int) -> None:
    """The user closed or switched away from the channel: offline."""
    _online.drop(channel_id, user_id)


def online(channel_id: int) -> list[str]:
    """Names of the people who have the channel open, sorted (what the page shows)."""
    return [p.name for p in _online.live(channel_id)]


def online_users(channel_id: int) -> list[Present]:
    """Like `online`, with user ids, for callers that need to tell people apart."""
    return _online.live(channel_id)


HUB = 0
"""The roster of everyone with any channel or DM open (channel ids start at 1): the sidebar's presence dots."""


def online_in_hub() -> set[int]:
    """The ids of the people with a channel or DM of the hub open now."""
    return {p.user_id for p in _online.live(HUB)}
