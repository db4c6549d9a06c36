"""The sidebar's mention badge and the /mentions view. The badge is the count of
unseen mentions (services/mentions.py), loaded with every hub page and re-read
live when a message in one of the person's channels @mentions them; opening the
view marks them seen."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.events import Event, MessageCreated, MessageUpdated
from neurocache_ui.domain.mentions import names_person
from neurocache_ui.services import mentions
from neurocache_ui.services.mentions import MentionItem
from neurocache_ui.web.state.auth import AuthState

log = logging.getLogger(__name__)

SNIPPET = 400
"""Characters of a message the view shows (the channel has the rest)."""


def to_item(mention: MentionItem) -> dict[str, Any]:
    text = mention.content if len(mention.content) <= SNIPPET else mention.content[:SNIPPET].rstrip() + "…"
    return {
        "id": mention.message_id,
        "href": mention.href,
        "channel": mention.channel_name,
        "author": mention.author_name,
        "text": text,
        "created_at": mention.created_at.isoformat(),
        "new": not mention.seen,
        "in_thread": mention.thread_id is not None,
    }


class MentionsState(AuthState):
    mention_count: int = 0
    mention_items: list[dict[str, Any]] = []
    mentions_more: bool = False
    mentions_loading: bool = False
    mentions_error: str = ""
    _mentions_cursor: int = 0  # `before` for the next page: the oldest message id shown

    async def _refresh_count(self, user_id: int) -> None:
        try:
            count = await asyncio.to_thread(mentions.unseen_count, user_id)
        except NeurocacheError as error:  # the badge keeps its last value; the page is not blocked
            log.info("mention count of user %s not loaded: %s", user_id, error)
            return
        if count != self.mention_count:
            self.mention_count = count

    @rx.event
    async def load_count(self):
        """on_load of hub pages (after check_session): the sidebar's badge."""
        if (user := await self._user()) is not None:
            await self._refresh_count(user.id)

    @rx.event
    async def load_mentions(self):
        """on_load of /mentions: the newest page of mentions, then all up to the newest
        shown are seen (they keep their "New" mark until the page is left)."""
        self.mention_items, self.mentions_more, self._mentions_cursor, self.mentions_error = [], False, 0, ""
        user, problem = await self._user_or_none()
        if user is None:
            self.mentions_error = problem
            return
        self.mentions_loading = True
        yield
        try:
            found = await asyncio.to_thread(mentions.page, user.id)
            self._show_page(found, [])
            if found.items:
                await asyncio.to_thread(mentions.mark_seen, user.id, through=found.items[0].message_id)
        except NeurocacheError as error:
            self.mentions_error = str(error)
        self.mentions_loading = False
        await self._refresh_count(user.id)

    @rx.event
    async def load_more(self):
        """The "Load more" button: the next (older) page."""
        user, problem = await self._user_or_none()
        if user is None:
            self.mentions_error = problem
            return
        if not self._mentions_cursor or self.mentions_loading:
            return
        self.mentions_loading = True
        yield
        try:
            found = await asyncio.to_thread(mentions.page, user.id, before=self._mentions_cursor)
            self._show_page(found, self.mention_items)
        except NeurocacheError as error:
            self.mentions_error = str(error)
        self.mentions_loading = False

    def _show_page(self, found: mentions.MentionPage, shown: list[dict[str, Any]]) -> None:
        self.mention_items = shown + [to_item(m) for m in found.items]
        self.mentions_more = found.has_more
        self._mentions_cursor = found.cursor or self._mentions_cursor

    # ---- live events (web/realtime/relay.py) ----------------------------------------

    @classmethod
    def _wants(cls, event: Event) -> bool:
        return isinstance(event, MessageCreated | MessageUpdated) and "@" in event.message.content

    async def _receive(self, token: str, items: list[tuple[int, Event]]) -> None:
        """A message in one of this person's channels names them: re-read the count
        (a message republished by a reaction or an edit is counted once, by the database)."""
        if not self.user_id or not self.user_name:
            return
        if any(
            self._wants(event)
            and event.message.user_id != self.user_id  # type: ignore[attr-defined]
            and names_person(event.message.content, self.user_name)  # type: ignore[attr-defined]
            for _, event in items
        ):
            await self._refresh_count(self.user_id)
