"""Who is online and who is typing in the open channel, mixed into ChatState (its
channel, session and re-joining are ChatState's): the heartbeat, presence and
the composers' typing notices (the channel's, and the open thread's)."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import auth, channels, presence


class PresenceMixin(rx.State, mixin=True):
    typists: list[dict[str, Any]] = []
    """Who is typing where (web/realtime/dispatch.py `typing_after`); the page shows
    each name under the composer of its place and forgets it when they go quiet."""
    online_names: list[str] = []

    @rx.event
    async def heartbeat(self, _value: Any = None):
        """Every ~20 s from the channel page: stay 'online'; re-join if this tab's state
        was lost; what arrived while the channel was open is read (so the user's other
        tabs and devices stop counting it)."""
        user = await self._user_or_login()
        if user is None or not await self._ensure_joined(user):
            return
        self._watch()
        await self._announce_presence()
        await asyncio.to_thread(channels.mark_read, self.channel_id, user.id)

    async def _announce_presence(self) -> None:
        names = await asyncio.to_thread(
            presence.announce, self.channel_id, self.user_id, self.user_name, shown=list(self.online_names)
        )
        if names is not None:
            self.online_names = names

    async def _typing_in(self, thread_id_of: Any) -> None:
        """Tell the channel's viewers the user is typing, in the channel or the open
        thread: the session and membership are checked again, off the page's lock."""
        async with self:
            channel_id, token = self.channel_id, self._current_token()
            thread_id = thread_id_of(self)
        user = await asyncio.to_thread(auth.user_for_session, token)
        if user is None or not channel_id:
            return
        try:
            await asyncio.to_thread(channels.ensure_member, channel_id, user.id)
        except NeurocacheError:
            return
        await asyncio.to_thread(presence.typing, channel_id, user.id, user.name, thread_id)

    @rx.event(background=True)
    async def typing(self, _value: str):
        """on_change of the channel's composer (throttled), in the background: a send right after must not wait."""
        await self._typing_in(lambda _state: 0)
