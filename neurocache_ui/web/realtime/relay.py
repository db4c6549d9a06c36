"""The lifespan task that carries bus events into the page state of this worker's
tabs. The bus yields each event decoded once per worker; `dispatch` picks the
tabs, and each registered state class applies the event to its own vars."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

import reflex as rx

from neurocache_ui.domain.events import Event
from neurocache_ui.services import live
from neurocache_ui.web.realtime import reflex_adapter
from neurocache_ui.web.realtime.dispatch import recipients
from neurocache_ui.web.realtime.watchers import watchers

log = logging.getLogger(__name__)


class Receiver(Protocol):
    """A state class that takes live events. Private (underscore), so no browser
    can call it as an event handler."""

    async def _receive(self, token: str, channel_id: int, event: Event) -> None: ...


async def _deliver(app: rx.App, receivers: Sequence[type[rx.State]], token: str, channel_id: int, event: Event) -> None:
    try:
        async with reflex_adapter.tab_states(app, token, receivers) as states:
            tab_parts: list[Receiver] = states
            for part in tab_parts:
                await part._receive(token, channel_id, event)
    except Exception:
        log.exception("could not deliver %s to a viewer of channel %s", event.type, channel_id)


async def relay(app: rx.App, receivers: Sequence[type[rx.State]]) -> None:
    """Lifespan task: bus events -> the page state of this worker's viewers.
    `receivers` get each event in order; the first is the others' ancestor."""
    async for channel_id, event in live.events():
        targets = []
        for token in recipients(watchers, channel_id, event):
            if reflex_adapter.is_local(app, token):
                targets.append(token)
            else:
                watchers.forget(token)
        if targets:
            await asyncio.gather(*(_deliver(app, receivers, token, channel_id, event) for token in targets))
