"""Channel events for every backend worker: Redis pub/sub, or in-process fan-out.

Publishing never raises (a failure is logged; viewers catch up from the
database). `listen()` yields decoded `domain.events` and reconnects by itself;
after a reconnect it yields `BusReconnected` on channel 0, since events
published meanwhile are lost (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import NamedTuple

import redis

from neurocache_ui.domain import events
from neurocache_ui.domain.events import BusReconnected, Event
from neurocache_ui.infra.redis import (
    REDIS_ERRORS,
    Outage,
    redis_client,
    subscription_client,
)
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

TOPIC = "nc:events"
QUEUE_LIMIT = 10_000  # per local subscriber; a stuck consumer must not eat all memory


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


class _Outages(NamedTuple):
    publishing: Outage
    listening: Outage


@lru_cache(maxsize=8)
def _outages(url: str) -> _Outages:
    """Per URL. Publishing and listening use other connections, so they fail and recover apart."""
    return _Outages(
        Outage(log, "Event publishing", "viewers catch up on reload"), Outage(log, "The event subscription", "reconnecting")
    )


def publish(channel_id: int, event: Event) -> bool:
    """Send `event` to every listener of every worker; False if it could not be sent."""
    raw = events.encode(channel_id, event)
    url = get_settings().redis_url
    if not url:
        _local.publish(raw)
        return True

    def send() -> bool:
        redis_client(url).publish(TOPIC, raw)
        return True

    return _outages(url).publishing.call(send, lambda: False, event.type)


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
    outage = _outages(url).listening
    connected_before = False
    while True:
        client = subscription_client(url)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(TOPIC)
            # Live only once Redis confirms: a PUBLISH racing the SUBSCRIBE is missed.
            confirm = await pubsub.get_message(timeout=5.0)
            if confirm is None or confirm["type"] != "subscribe":
                raise redis.ConnectionError("Redis did not confirm the subscription")
            if ready is not None:
                ready.set()
            outage.succeeded()
            if connected_before:
                yield 0, BusReconnected()
            connected_before = True
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    if (item := _decode(message["data"])) is not None:
                        yield item
        except REDIS_ERRORS as error:
            if ready is not None:
                ready.clear()
            outage.failed(error, TOPIC)
        finally:
            try:
                await pubsub.aclose()
                await client.aclose()
            except REDIS_ERRORS:
                pass
        await asyncio.sleep(outage.wait())
