"""What the web's live layer needs from below it (web may not reach infra):
every channel event as the bus delivers it, and word when the Redis behind the
hub stops or starts answering. Only services publish; this only listens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from neurocache_ui.domain.events import Event
from neurocache_ui.infra import bus
from neurocache_ui.infra import redis as shared_redis
from neurocache_ui.settings import get_settings


def events() -> AsyncIterator[tuple[int, Event]]:
    """(channel id, event) for every event of every channel, forever, decoded
    once; after a lost connection, `BusReconnected` on channel 0."""
    return bus.listen()


async def watch_redis(on_change: Callable[[bool], Awaitable[None]]) -> None:
    """Forever: `await on_change(up)` whenever Redis stops or starts answering.
    Returns at once when the hub runs without Redis."""
    if url := get_settings().redis_url:
        await shared_redis.watch(url, on_change)
