"""/saved: the messages the signed-in person saved for later, newest saved first, a
page at a time, each a link to the message in its channel. Only what they can still
read is listed (services/pins.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import pins
from neurocache_ui.web.state.auth import AuthState

SNIPPET = 400


def saved_item(item: pins.Saved) -> dict[str, Any]:
    text = item.message.content
    return {
        "id": item.message.id,
        "channel": item.channel_name,
        "author": item.message.author_name,
        "text": text if len(text) <= SNIPPET else text[:SNIPPET].rstrip() + "…",
        "created_at": item.message.created_at.isoformat(),
        "href": f"/channels/{item.channel_slug}?m={item.message.id}",
        "in_thread": item.message.thread_id is not None,
    }


class SavedState(AuthState):
    saved_items: list[dict[str, Any]] = []
    saved_more: bool = False
    saved_loading: bool = False
    saved_error: str = ""
    _saved_pages: int = 0  # pages shown so far

    async def _load(self, page: int) -> None:
        user, problem = await self._user_or_none()
        if user is None:
            self.saved_error = problem
            return
        self.saved_loading, self.saved_error = True, ""
        try:
            found, more = await asyncio.to_thread(pins.saved_messages, user.id, page=page)
        except NeurocacheError as error:
            self.saved_error, self.saved_loading = str(error), False
            return
        shown = {item["id"] for item in self.saved_items} if page > 1 else set()
        fresh = [saved_item(s) for s in found if s.message.id not in shown]  # an item saved meanwhile moved the pages
        self.saved_items = [*self.saved_items, *fresh] if page > 1 else fresh
        self.saved_more, self._saved_pages, self.saved_loading = more, page, False

    @rx.event
    async def load_saved(self):
        """on_load of /saved: the first page."""
        await self._load(1)

    @rx.event
    async def more_saved(self):
        if not self.saved_loading:
            await self._load(self._saved_pages + 1)

    @rx.event
    async def unsave(self, message_id: int):
        """"Remove" on an item: forget it (the list drops it at once)."""
        if not (isinstance(message_id, int) and not isinstance(message_id, bool) and 0 < message_id < 2**63):
            return
        user, problem = await self._user_or_none()
        if user is None:
            self.saved_error = problem
            return
        try:
            await asyncio.to_thread(pins.set_saved, message_id, user_id=user.id, saved=False)
        except NeurocacheError as error:
            self.saved_error = str(error)
            return
        self.saved_items = [item for item in self.saved_items if item["id"] != message_id]
