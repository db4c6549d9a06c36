"""Channel events for every backend worker: Redis pub/sub, or in-process fan-out.

An event is `(channel_id, event)` where `event` is a JSON-able dict with a
"type": "message.created" / "message.updated" carry {"message": MessageView dict},
"message.deleted" carries {"message_id": id, "message": MessageView dict};
ephemeral kinds (typing, presence) are added by other modules with their own
fields. The bus is a notification, not storage: a message is in the database
before its event is published, publishing never raises (a failure is logged and
viewers catch up from the database), and subscribers de-duplicate by message id.

`listen()` is an endless async iterator that reconnects by itself after a Redis
outage. Events published while it was disconnected are lost, so after every
reconnect it yields `(0, {"type": "bus.reconnected"})` (0 is never a channel id):
consumers should reload what their viewers show from `messages.recent_messages`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.backoff import NoBackoff
from redis.retry import Retry

from neurocache_ui.infra.window_cache import SOCKET_TIMEOUT, redis_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

Event = tuple[int, dict[str, Any]]

TOPIC = "nc:events"
RECONNECTED = "bus.reconnected"
QUEUE_LIMIT = 10_000  # per local subscriber; a stuck consumer must not eat all memory
WARN_EVERY = 60.0
_RECONNECT_MIN, _RECONNECT_MAX = 0.2, 5.0


def _encode(channel_id: int, event: Mapping[str, Any]) -> str:
    if "type" not in event:
        raise ValueError("a bus event needs a 'type'")
    return json.dumps({"channel_id": channel_id, "event": dict(event)}, separators=(",", ":"), ensure_ascii=False)


def _decode(raw: str | bytes) -> Event | None:
    try:
        data = json.loads(raw)
        return int(data["channel_id"]), dict(data["event"])
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring a malformed bus event: %.200r", raw)
        return None


class _LocalHub:
    """In-process fan-out: each listener owns a queue on its own event loop, so
    `publish` may be called from any thread (Reflex runs sync work in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = []

    def add(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> None:
        with self._lock:
            self._queues.append((loop, queue))

    def discard(self, queue: asyncio.Queue[str]) -> None:
        with self._lock:
            self._queues = [(l, q) for l, q in self._queues if q is not queue]

    def publish(self, raw: str) -> None:
        with self._lock:
            targets = list(self._queues)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(self._put, queue, raw)
            except RuntimeError:  # that loop is closed: its listener is gone
                self.discard(queue)

    @staticmethod
    def _put(queue: asyncio.Queue[str], raw: str) -> None:
        try:
            queue.put_nowait(raw)
        except asyncio.QueueFull:
            log.warning("a bus listener is %d events behind; dropping an event", QUEUE_LIMIT)


_local = _LocalHub()
_last_warning = [float("-inf")]


def _warn(message: str, *args: object) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY:
        _last_warning[0] = now
        log.warning(message, *args)


def publish(channel_id: int, event: Mapping[str, Any]) -> bool:
    """Send `event` to every listener of every worker; False if it could not be sent."""
    raw = _encode(channel_id, event)
    url = get_settings().redis_url
    if not url:
        _local.publish(raw)
        return True
    try:
        redis_client(url).publish(TOPIC, raw)
        return True
    except (redis.RedisError, OSError) as error:
        _warn("Could not publish a %s event (viewers will catch up on reload): %s", event.get("type"), error)
        return False


async def listen(*, ready: asyncio.Event | None = None) -> AsyncIterator[Event]:
    """Every event of every channel, forever. `ready` is set whenever the
    subscription is live (and cleared while reconnecting)."""
    url = get_settings().redis_url
    source = _redis_events(url, ready) if url else _local_events(ready)
    async for item in source:
        yield item


async def _local_events(ready: asyncio.Event | None) -> AsyncIterator[Event]:
    queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_LIMIT)
    _local.add(asyncio.get_running_loop(), queue)
    if ready is not None:
        ready.set()
    try:
        while True:
            if (item := _decode(await queue.get())) is not None:
                yield item
    finally:
        _local.discard(queue)


async def _redis_events(url: str, ready: asyncio.Event | None) -> AsyncIterator[Event]:
    delay = _RECONNECT_MIN
    connected_before = False
    while True:
        client = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=SOCKET_TIMEOUT,
            socket_timeout=10,  # a blocked read longer than this means a dead link
            health_check_interval=5,  # PING an idle subscription to notice a dead server
            retry=Retry(NoBackoff(), 0),
        )
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(TOPIC)
            # Live only once Redis confirms: a PUBLISH racing the SUBSCRIBE is missed.
            confirm = await pubsub.get_message(timeout=5.0)
            if confirm is None or confirm["type"] != "subscribe":
                raise redis.ConnectionError("Redis did not confirm the subscription")
            if ready is not None:
                ready.set()
            if connected_before:
                log.info("Event bus reconnected to Redis")
                yield 0, {"type": RECONNECTED}
            connected_before, delay = True, _RECONNECT_MIN
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    if (item := _decode(message["data"])) is not None:
                        yield item
        except (redis.RedisError, OSError) as error:
            if ready is not None:
                ready.clear()
            _warn("Event bus lost Redis (%s: %s); reconnecting", type(error).__name__, error)
        finally:
            try:
                await pubsub.aclose()
                await client.aclose()
            except (redis.RedisError, OSError):
                pass
        await asyncio.sleep(delay)
        delay = min(delay * 2, _RECONNECT_MAX)
