"""The hub header's message search: the box's text, the results panel under it
and its pages. The next page's cursor stays on the server (backend var), so a
tab can only ask for pages of its own search; every search resolves the session
again and the service sees only the channels the user belongs to."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import Invalid, NeurocacheError
from neurocache_ui.services import search as message_search
from neurocache_ui.web.state.auth import AuthState


def to_result(hit: message_search.MessageHit) -> dict[str, Any]:
    """What a result row shows; the snippet as plain-text parts (hits are <mark>ed)."""
    return {
        "id": hit.id,
        "url": hit.url,
        "channel": hit.channel_name,
        "author": hit.author_name,
        "kind": hit.author_kind,
        "time": hit.created_at.isoformat(),
        "in_thread": hit.thread_id is not None,
        "parts": [{"text": part.text, "hit": part.hit} for part in hit.snippet],
    }


class SearchState(AuthState):
    query: str = ""
    searched: str = ""  # the query the panel shows results for; "" = panel closed
    results: list[dict[str, Any]] = []
    has_more: bool = False
    loading: bool = False
    loading_more: bool = False
    search_error: str = ""
    _next_cursor: str = ""

    def _close(self) -> None:
        self.query = self.searched = self.search_error = self._next_cursor = ""
        self.results, self.has_more, self.loading, self.loading_more = [], False, False, False

    async def _page(self, before: str | None) -> message_search.SearchPage | None:
        """A page of `searched`, or None with the reason in `search_error` (a query
        of punctuation only is an empty result, not an error)."""
        user, problem = await self._user_or_none()
        if user is None:
            self.search_error = problem
            return None
        try:
            return await asyncio.to_thread(message_search.search_messages, user.id, self.searched, before=before)
        except Invalid as error:
            if str(error) != message_search.NO_WORDS:
                self.search_error = str(error)
            return None
        except NeurocacheError as error:
            self.search_error = str(error)
            return None

    def _show(self, page: message_search.SearchPage | None, *, append: bool) -> None:
        rows = [to_result(hit) for hit in page.hits] if page else []
        self.results = self.results + rows if append else rows
        self.has_more = bool(page and page.has_more)
        self._next_cursor = (page.next_cursor or "") if page else ""

    async def _search(self, value: object):
        text = (value if isinstance(value, str) else "")[: message_search.QUERY_MAX]
        if not text.strip():
            self._close()
            return
        self.query, self.searched, self.search_error, self.loading = text, text.strip(), "", True
        yield
        self._show(await self._page(None), append=False)
        self.loading = False

    @rx.event
    async def search(self, value: str):
        """The box changed (debounced): the first page, newest first."""
        async for _ in self._search(value):
            yield

    @rx.event
    async def submit(self, form: dict[str, Any]):
        """Enter in the box: search now, without waiting for the debounce."""
        async for _ in self._search(form.get("q", "") if isinstance(form, dict) else ""):
            yield

    @rx.event
    async def more(self):
        """The next (older) page of the same search."""
        if not self.searched or not self._next_cursor or self.loading_more:
            return
        self.loading_more = True
        yield
        page = await self._page(self._next_cursor)
        self._show(page, append=True)
        self.loading_more = False

    @rx.event
    def clear(self):
        """Close the results (the close button, a chosen result, Escape)."""
        self._close()
