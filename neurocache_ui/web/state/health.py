"""The "reconnecting" notice while the Redis behind the hub is unreachable. No
event can run and no state can change meanwhile, so the notice goes straight down
this worker's websockets; messages are safe in Postgres, and pages re-join their
channel when Redis is back."""

from __future__ import annotations

import logging

import reflex as rx

from neurocache_ui.services import live
from neurocache_ui.web.realtime.reflex_adapter import push_to_every_tab
from neurocache_ui.web.state.auth import AuthState

log = logging.getLogger(__name__)

NOTICE = "Reconnecting… the Hub lost its connection to its cache. Your messages are safe; this clears by itself."


async def redis_watchdog(app: rx.App) -> None:
    """Lifespan task: tell open pages when Redis goes and when it returns."""

    async def tell(up: bool) -> None:
        log.warning("Redis is %s", "back" if up else "unreachable: showing the reconnecting notice")
        await push_to_every_tab(app, AuthState, "service_notice", "" if up else NOTICE)

    await live.watch_redis(tell)
