"""Real-time delivery: which browser tabs on this worker watch which channels, and
the lifespan task that pushes bus events into their page state.

Every worker subscribes to the bus and updates only the tabs whose websocket it
holds, so an event reaches each tab exactly once however many workers run. A tab
that reconnected elsewhere (reload landing on another worker) is dropped here the
first time an event finds it gone; applying an event is idempotent by message id
in case two workers briefly both hold it."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

import reflex as rx

from neurocache_ui.infra import bus
from neurocache_ui.domain.events import AgentStreamed, BusReconnected, Event, SessionsEnded
from neurocache_ui.services.auth import CurrentUser

if TYPE_CHECKING:
    from neurocache_ui.web.state.chat import ChatState

log = logging.getLogger(__name__)


class Watchers:
    """channel id -> client tokens on this worker (and back), in memory only."""

    def __init__(self) -> None:
        self._by_channel: dict[int, set[str]] = defaultdict(set)
        self._by_token: dict[str, set[int]] = defaultdict(set)
        # The channel each tab has open (state/team.py sets it), for events only
        # that channel's viewers need (an agent's reply streaming in).
        self._focus: dict[str, int] = {}
        # Who each tab is and which channel page it shows, set when it joins: lets
        # a tab whose server state was lost (Redis restarted) be re-joined when
        # the next event for it arrives, before the browser sends anything.
        self._seats: dict[str, tuple[CurrentUser, str]] = {}
        # Whose each tab is: when a user's sessions end, their tabs are told.
        self._users: dict[str, int] = {}

    def watch(self, token: str, channel_ids: set[int], user_id: int) -> None:
        self.drop(token)
        for channel_id in channel_ids:
            self._by_channel[channel_id].add(token)
        self._by_token[token] = set(channel_ids)
        self._users[token] = user_id

    def drop(self, token: str) -> None:
        for channel_id in self._by_token.pop(token, set()):
            tokens = self._by_channel.get(channel_id)
            if tokens is not None:
                tokens.discard(token)
                if not tokens:
                    del self._by_channel[channel_id]

    def focus(self, token: str, channel_id: int) -> None:
        self._focus[token] = channel_id

    def sees(self, token: str, channel_id: int) -> bool:
        """False only when the tab is known to have another channel open."""
        return self._focus.get(token, channel_id) == channel_id

    def seat(self, token: str, user: CurrentUser, slug: str) -> None:
        self._seats[token] = (user, slug)

    def seat_of(self, token: str) -> tuple[CurrentUser, str] | None:
        return self._seats.get(token)

    def forget(self, token: str) -> None:
        self.drop(token)
        self._focus.pop(token, None)
        self._seats.pop(token, None)
        self._users.pop(token, None)

    def tabs_of(self, user_id: int) -> list[str]:
        return [token for token, owner in self._users.items() if owner == user_id]

    def tokens(self, channel_id: int) -> list[str]:
        return list(self._by_channel.get(channel_id, ()))

    def all_tokens(self) -> list[str]:
        return list(self._by_token)


watchers = Watchers()


def _is_local(app: rx.App, token: str) -> bool:
    manager = app.event_namespace._token_manager if app.event_namespace else None
    if manager is None:
        return False
    record = manager.token_to_socket.get(token)
    return record is not None and record.instance_id == manager.instance_id


async def _deliver(app: rx.App, state_cls: type[ChatState], token: str, channel_id: int, event: Event) -> None:
    try:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as state:
            chat = await state.get_state(state_cls)
            if not chat.channel_id and (seat := watchers.seat_of(token)):
                await chat._restore(token, *seat)
            if isinstance(event, BusReconnected):
                await chat._resync()
            else:
                await chat._apply_event(channel_id, event)
    except Exception:
        log.exception("could not deliver %s to a viewer of channel %s", event.type, channel_id)




async def relay(app: rx.App) -> None:
    """Lifespan task: bus events -> page state of the local viewers."""
    from neurocache_ui.web.state.chat import ChatState

    async for channel_id, event in bus.listen():
        targets = []
        if isinstance(event, BusReconnected):
            tokens = watchers.all_tokens()
        elif isinstance(event, SessionsEnded):
            tokens = watchers.tabs_of(event.user_id)
        else:
            tokens = watchers.tokens(channel_id)
        # A reply streaming in matters only to tabs that have its channel open.
        focused_only = isinstance(event, AgentStreamed)
        for token in tokens:
            if focused_only and not watchers.sees(token, channel_id):
                continue
            if _is_local(app, token):
                targets.append(token)
            else:
                watchers.forget(token)
        if targets:
            await asyncio.gather(*(_deliver(app, ChatState, t, channel_id, event) for t in targets))
