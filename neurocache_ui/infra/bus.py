"""Channel events for every backend worker: Redis pub/sub, or in-process fan-out.

Publishing never raises (a failure is logged; viewers catch up from the
database). `listen()` yields decoded `domain.events` and reconnects by itself;
after a reconnect it yields `BusReconnected` on channel 0, since events
published meanwhile are lost (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator

import redis
import redis.asyncio as aioredis
from redis.backoff import NoBackoff
from redis.retry import Retry

from neurocache_ui.domain import events
from neurocache_ui.domain.events import BusReconnected, Event
from neurocache_ui.infra.redis import SOCKET_TIMEOUT, redis_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

TOPIC = "nc:events"
QUEUE_LIMIT = 10_000  # per local subscriber; a stuck consumer must not eat all memory
WARN_EVERY = 60.0
_RECONNECT_MIN, _RECONNECT_MAX = 0.2, 5.0


def _decode(raw: str | bytes) -> tuple[int, Event] | None:
    if (envelope := events.decode(raw)) is None:
        log.warning("ignoring a malformed bus event: %.200r", raw)
        return None
    return envelope.channel_id, envelope.event


class _LocalHub:
    """In-process fan-out: each listener owns a queue on its own event loop, so
    `publish` may be called from any thread (Reflex runs sync work in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[bytes]]] = []

    def add(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes]) -> None:
        with self._lock:
            self._queues.append((loop, queue))

    def discard(self, queue: asyncio.Queue[bytes]) -> None:
        with self._lock:
            self._queues = [(l, q) for l, q in self._queues if q is not queue]

    def publish(self, raw: bytes) -> None:
        with self._lock:
            targets = list(self._queues)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(self._put, queue, raw)
            except RuntimeError:  # that loop is closed: its listener is gone
                self.discard(queue)

    @staticmethod
    def _put(queue: asyncio.Queue[bytes], raw: str) -> None:
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


def publish(channel_id: int, event: Event) -> bool:
    """Send `event` to every listener of every worker; False if it could not be sent."""
    raw = events.encode(channel_id, event)
    url = get_settings().redis_url
    if not url:
        _local.publish(raw)
        return True
    try:
        redis_client(url).publish(TOPIC, raw)
        return True
    except (redis.RedisError, OSError) as error:
        _warn("Could not publish a %s event (viewers will catch up on reload): %s", event.type, error)
        return False


async def listen(*, ready: asyncio.Event | None = None) -> AsyncIterator[tuple[int, Event]]:
    """Every event of every channel, forever. `ready` is set whenever the
    subscription is live (and cleared while reconnecting)."""
    url = get_settings().redis_url
    source = _redis_events(url, ready) if url else _local_events(ready)
    async for item in source:
        yield item


async def _local_events(ready: asyncio.Event | None) -> AsyncIterator[tuple[int, Event]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_LIMIT)
    _local.add(asyncio.get_running_loop(), queue)
    if ready is not None:
        ready.set()
    try:
        while True:
            if (item := _decode(await queue.get())) is not None:
                yield item
    finally:
        _local.discard(queue)


async def _redis_events(url: str, ready: asyncio.Event | None) -> AsyncIterator[tuple[int, Event]]:
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
                yield 0, BusReconnected()
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
