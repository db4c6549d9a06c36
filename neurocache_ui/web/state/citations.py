"""A cited passage opened from a reply's Sources: one dialog per channel page,
filled by `open_citation` after the service checks who may read it."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services.knowledge import citations
from neurocache_ui.web.state.chat import ChatState


class CitationState(ChatState):
    citation_open: bool = False
    citation_title: str = ""
    citation_text: str = ""
    citation_error: str = ""
    citation_agent: str = ""  # the agent's slug, for its owner's "Open its knowledge" link

    @rx.event
    async def open_citation(self, message_id: int, chunk_id: int):
        """A knowledge source under a reply: its passage, or why it cannot be shown."""
        user = await self._user_or_login()
        if user is None or not all(isinstance(n, int) and 0 < n < 2**63 for n in (message_id, chunk_id)):
            return
        self.citation_open, self.citation_text, self.citation_error, self.citation_agent = True, "", "", ""
        try:
            found = await asyncio.to_thread(citations.cited_passage, user.id, message_id, chunk_id)
        except NeurocacheError as error:
            self.citation_title, self.citation_error = "Cited passage", str(error)
            return
        self.citation_title, self.citation_text, self.citation_agent = found.filename, found.text, found.agent_slug or ""

    @rx.event
    def close_citation(self, is_open: bool = False):
        if not is_open:
            self.citation_open = False
