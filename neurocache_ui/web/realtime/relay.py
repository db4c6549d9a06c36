"""The lifespan task that carries bus events into this worker's tabs, one frame at a time.

Each tab has a queue delivered in frames, each one state change: a few frames may
go out back to back (a typing notice must not hold up the message after it), then
one every FRAME seconds with everything that arrived meanwhile (so a burst of 300
posts costs a tab a few dozen socket messages, not 300). Streaming text bypasses the page state: the tab is sent the appended text
(realtime/streams.py). Only the state classes an event concerns are loaded."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import reflex as rx

from neurocache_ui.domain.events import (
    AgentStreamed,
    BusReconnected,
    ChannelHidden,
    Event,
    MessageDeleted,
    MessageEvent,
)
from neurocache_ui.services import live
from neurocache_ui.services.agent_runs import progress
from neurocache_ui.web.realtime import reflex_adapter
from neurocache_ui.web.realtime.dispatch import ends_stream, recipients
from neurocache_ui.web.realtime.streams import reply_texts, script
from neurocache_ui.web.realtime.watchers import watchers

log = logging.getLogger(__name__)

FRAME = 0.05
"""Seconds between two deliveries to one tab once its BURST allowance is spent."""
BURST = 3
IDLE_TAB = 60.0

Item = tuple[int, Event]


class Receiver(Protocol):
    """A state class that takes live events. Private (underscore), so no browser
    can call it as an event handler. `_receive` may return events for the page
    (toasts), sent once the state change is."""

    @classmethod
    def _wants(cls, event: Event) -> bool: ...

    async def _receive(self, token: str, items: list[Item]) -> list[Any] | None: ...


@dataclass
class _Tab:
    events: list[Item] = field(default_factory=list)
    streams: dict[int, None] = field(default_factory=dict)  # message ids with new text, in order
    task: asyncio.Task[None] | None = None
    allowance: float = BURST  # frames that may go out at once; one comes back every FRAME
    stamp: float = field(default_factory=time.monotonic)
    # Held from reading what the tab lacks to sending it, so two sends of one
    # reply's text reach the page in the order their offsets were taken.
    pushing: asyncio.Lock = field(default_factory=asyncio.Lock)


class _Relay:
    def __init__(self, app: rx.App, receivers: Sequence[type[rx.State]]) -> None:
        self.app = app
        self.receivers = receivers
        self.tabs: dict[str, _Tab] = {}
        self.swept = time.monotonic()

    def _forget_idle(self, now: float) -> None:
        """Drop tabs idle for a minute (closed pages leave no other trace here); their
        allowance is full again, so nothing is lost if they come back."""
        self.swept = now
        for token, tab in list(self.tabs.items()):
            if tab.task is None and not tab.pushing.locked() and now - tab.stamp > IDLE_TAB:
                del self.tabs[token]

    async def take(self, channel_id: int, event: Event) -> None:
        if (now := time.monotonic()) - self.swept > IDLE_TAB:
            self._forget_idle(now)
        if isinstance(event, AgentStreamed) and not reply_texts.apply(event):
            text = await asyncio.to_thread(progress.text_so_far, event.message_id)
            reply_texts.set(event.message_id, text if text is not None else "")
        if isinstance(event, BusReconnected):
            reply_texts.clear()
        for token in recipients(watchers, channel_id, event):
            if not reflex_adapter.is_local(self.app, token):
                watchers.forget(token)
                reply_texts.forget_tab(token)
                self.tabs.pop(token, None)
                continue
            tab = self.tabs.setdefault(token, _Tab())
            if isinstance(event, AgentStreamed):
                tab.streams[event.message_id] = None
            else:
                tab.events.append((channel_id, event))
            if tab.task is None:
                tab.task = asyncio.create_task(self._run(token, tab))
        if isinstance(event, ChannelHidden):  # told it (above), non-members' tabs get nothing more of it
            watchers.hide(channel_id, event.member_ids)
        if isinstance(event, MessageDeleted) or (isinstance(event, MessageEvent) and ends_stream(event)):
            reply_texts.ended(event.message.id)

    async def _run(self, token: str, tab: _Tab) -> None:
        """Deliver this tab's queue frame by frame until it is empty."""
        try:
            while tab.events or tab.streams:
                now = time.monotonic()
                tab.allowance = min(BURST, tab.allowance + (now - tab.stamp) / FRAME)
                tab.stamp = now
                if tab.allowance < 1:
                    await asyncio.sleep((1 - tab.allowance) * FRAME)
                    continue
                tab.allowance -= 1
                events, tab.events = tab.events, []
                streams, tab.streams = list(tab.streams), {}
                await self._deliver(token, events, streams)
        finally:
            tab.task = None

    async def push_streams(self, token: str, message_ids: list[int]) -> None:
        tab = self.tabs.setdefault(token, _Tab())
        async with tab.pushing:
            if updates := reply_texts.updates_for(token, message_ids):
                await reflex_adapter.run_script(self.app, token, script(updates))

    async def _deliver(self, token: str, events: list[Item], streams: list[int]) -> None:
        try:
            if streams:
                await self.push_streams(token, streams)
            if events:
                wanted = [cls for cls in self.receivers if any(cls._wants(e) for _, e in events)]  # type: ignore[attr-defined]
                if wanted:
                    said: list[Any] = []
                    async with reflex_adapter.tab_states(self.app, token, wanted) as states:
                        parts: list[Receiver] = states
                        for part in parts:
                            said.extend(await part._receive(token, events) or ())
                    if said:
                        await reflex_adapter.emit(self.app, token, said)
        except Exception:
            log.exception(
                "could not deliver %d events to tab %s…",
                len(events) + len(streams),
                token[:8],
            )


_running: list[_Relay] = []  # this worker's relay, once its lifespan task runs


async def relay(app: rx.App, receivers: Sequence[type[rx.State]]) -> None:
    """Lifespan task: bus events -> the page state of this worker's viewers.
    `receivers` get each frame's events in order; a class listed before another
    must be its ancestor or unrelated."""
    fanout = _Relay(app, receivers)
    _running.append(fanout)
    try:
        async for channel_id, event in live.events():
            await fanout.take(channel_id, event)
    finally:
        _running.remove(fanout)


async def catch_up(token: str, message_ids: list[int]) -> None:
    """Send tab `token`, which has just loaded its channel, the whole text so far
    of these streaming replies; deltas continue from there."""
    if not _running or not message_ids:
        return
    for message_id in message_ids:
        reply_texts.forget_tab_reply(token, message_id)
        if reply_texts.text(message_id) is None:
            text = await asyncio.to_thread(progress.text_so_far, message_id)
            reply_texts.set(message_id, text if text is not None else "")
    await _running[0].push_streams(token, message_ids)
