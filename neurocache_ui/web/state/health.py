"""The "reconnecting" notice when the Redis behind the Hub is unreachable.

With several workers Reflex keeps every tab's state in Redis, so while Redis is
down no event can run and no state can change: the notice therefore bypasses the
state manager and is pushed straight down each open websocket of this worker as a
one-var delta. Messages are safe meanwhile (Postgres holds every acknowledged one)
and pages re-join their channel when Redis is back (state/live.py)."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx
import redis.asyncio as aioredis
from reflex.state import StateUpdate
from reflex_base.constants.state import FIELD_MARKER

from neurocache_ui.settings import get_settings
from neurocache_ui.web.state.auth import AuthState

log = logging.getLogger(__name__)

NOTICE = "Reconnecting… the Hub lost its connection to its cache. Your messages are safe; this clears by itself."
CHECK_EVERY = 1.0


async def _broadcast(app: rx.App, notice: str) -> None:
    namespace = app.event_namespace
    if namespace is None:
        return
    update = StateUpdate(delta={AuthState.get_full_name(): {"service_notice" + FIELD_MARKER: notice}})
    for sid in list(namespace.sid_to_token):
        try:
            await namespace.emit("event", update, to=sid)
        except Exception:
            log.debug("could not tell socket %s about the cache state", sid, exc_info=True)


async def redis_watchdog(app: rx.App) -> None:
    """Lifespan task: ping Redis every second; tell open pages when it goes and returns."""
    url = get_settings().redis_url
    if not url:
        return
    client = aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    down = False
    while True:
        try:
            await client.ping()
            healthy = True
        except (aioredis.RedisError, OSError):
            healthy = False
        if healthy == down:
            down = not healthy
            log.warning("Redis is %s", "unreachable: showing the reconnecting notice" if down else "back")
            await _broadcast(app, NOTICE if down else "")
        await asyncio.sleep(CHECK_EVERY)
