"""The open channel's pins (the header's "Pinned" panel and the rows' "Pinned" marks,
live for every viewer) and the reader's saved messages in it (the rows' "Saved"
marks), with the row actions that change them. A child of AuthState, not ChatState,
so a pin event loads only this small state, not the channel's rows."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.events import Event, MessageDeleted, PinsChanged
from neurocache_ui.services import pins
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState

log = logging.getLogger(__name__)

SNIPPET = 300
"""Characters of a pinned message the panel shows (the channel has the rest)."""


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def pinned_item(pin: pins.Pinned, slug: str) -> dict[str, Any]:
    text = pin.message.content
    return {
        "id": pin.message.id,
        "author": pin.message.author_name,
        "text": text if len(text) <= SNIPPET else text[:SNIPPET].rstrip() + "…",
        "created_at": pin.message.created_at.isoformat(),
        "pinned_by": pin.pinned_by,
        "href": f"/channels/{slug}?m={pin.message.id}",
    }


class PinsState(AuthState):
    pinned: list[dict[str, Any]] = []
    pinned_ids: list[int] = []
    saved_ids: list[int] = []
    pins_open: bool = False
    pins_channel: int = 0
    _pins_slug: str = ""

    async def _load_pins(self, user_id: int) -> None:
        channel_id = self.pins_channel
        try:
            found = await asyncio.to_thread(pins.pinned, channel_id, viewer_id=user_id)
        except NeurocacheError as error:  # the panel is a convenience: the channel keeps working
            log.info("pins of channel %s not loaded: %s", channel_id, error)
            found = []
        self.pinned = [pinned_item(p, self._pins_slug) for p in found]
        self.pinned_ids = [p.message.id for p in found]

    @rx.event
    async def load_pins(self):
        """on_load of /channels/[slug], after ChatState.open_channel: the channel's pins
        and which of its messages this reader saved."""
        chat = await self.get_state(ChatState)
        user = await self._user()
        self.pins_open = False
        self.pins_channel, self._pins_slug = chat.channel_id, chat.channel_slug
        if user is None or not chat.channel_id:
            self.pinned, self.pinned_ids, self.saved_ids = [], [], []
            return
        await self._load_pins(user.id)
        self.saved_ids = await asyncio.to_thread(pins.saved_ids, chat.channel_id, user_id=user.id)

    @rx.event
    def set_pins_open(self, is_open: bool):
        self.pins_open = bool(is_open)

    @rx.event
    async def set_pin(self, message_id: int, on: bool):
        """Pin (`on`) or unpin a message of the open channel. The wanted state is sent,
        not "toggle", so a double click cannot undo itself; every viewer's panel,
        this one's included, is updated by the live event."""
        if not (_is_id(message_id) and isinstance(on, bool)):
            return  # not what the page sends: a forged call
        user, problem = await self._user_or_none()
        if user is None:
            return rx.toast.error(problem)
        try:
            await asyncio.to_thread(pins.set_pinned, message_id, user_id=user.id, pinned=on, channel_id=self.pins_channel)
        except NeurocacheError as error:
            return rx.toast.error(str(error))
        return rx.toast.success("Pinned to the channel" if on else "Unpinned")

    @rx.event
    async def set_saved(self, message_id: int, on: bool):
        """Save (`on`) a message for later, or forget it; only this reader sees it."""
        if not (_is_id(message_id) and isinstance(on, bool)):
            return
        user, problem = await self._user_or_none()
        if user is None:
            return rx.toast.error(problem)
        try:
            await asyncio.to_thread(pins.set_saved, message_id, user_id=user.id, saved=on)
        except NeurocacheError as error:
            return rx.toast.error(str(error))
        others = [i for i in self.saved_ids if i != message_id]
        self.saved_ids = [*others, message_id] if on else others
        return rx.toast.success("Saved. Find it under Saved." if on else "Removed from Saved")

    # ---- live events (web/realtime/relay.py) ----

    @classmethod
    def _wants(cls, event: Event) -> bool:
        return isinstance(event, PinsChanged | MessageDeleted)

    async def _receive(self, token: str, items: list[tuple[int, Event]]) -> list[Any] | None:
        """A pin changed in the open channel, or a pinned message was deleted: reload
        its pins (one query for the whole frame)."""
        changed = any(
            c == self.pins_channel
            and (isinstance(e, PinsChanged) or (isinstance(e, MessageDeleted) and e.message.id in self.pinned_ids))
            for c, e in items
        )
        if changed and self.user_id:
            await self._load_pins(self.user_id)
        return None
