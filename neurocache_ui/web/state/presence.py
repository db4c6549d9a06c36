"""Who is online and who is typing in the open channel, mixed into ChatState (its
channel, session and re-joining are ChatState's): the heartbeat, presence and
the composer's typing notices."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import auth, channels, presence
from neurocache_ui.web.realtime.dispatch import names_text


class PresenceMixin(rx.State, mixin=True):
    typing_names: list[str] = []
    online_names: list[str] = []

    @rx.var
    def typing_text(self) -> str:
        return names_text(self.typing_names, "typing")

    async def _refresh_typing(self) -> None:
        self.typing_names = await asyncio.to_thread(presence.typing_names, self.channel_id, self.user_id)  # type: ignore[attr-defined]

    @rx.event
    async def heartbeat(self, _value: Any = None):
        """Every ~20 s from the channel page: stay 'online'; re-join if this tab's state was lost."""
        user = await self._user_or_login()
        if user is None or not await self._ensure_joined(user):
            return
        self._watch()
        await self._announce_presence()
        await self._refresh_typing()

    async def _announce_presence(self) -> None:
        names = await asyncio.to_thread(
            presence.announce, self.channel_id, self.user_id, self.user_name, shown=list(self.online_names)
        )
        if names is not None:
            self.online_names = names

    @rx.event(background=True)
    async def typing(self, _value: str):
        """on_change of the composer (throttled), in the background: a send right after must not wait."""
        async with self:
            channel_id, token = self.channel_id, self._current_token()
        user = await asyncio.to_thread(auth.user_for_session, token)
        if user is None or not channel_id:
            return
        try:
            await asyncio.to_thread(channels.ensure_member, channel_id, user.id)
        except NeurocacheError:
            return
        await asyncio.to_thread(presence.typing, channel_id, user.id, user.name)
