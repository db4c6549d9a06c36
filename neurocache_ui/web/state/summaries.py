"""The asker's private summary notices: one for the open channel, one for the open
thread. A substate of ChatState: the channel id and what was unread when the
channel was opened (`_unread_at_open`) come from there, and a long model call
runs in the background so the tab keeps receiving messages meanwhile."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import summaries
from neurocache_ui.web.realtime import rows
from neurocache_ui.web.realtime.rows import to_row
from neurocache_ui.web.state.chat import ChatState

log = logging.getLogger(__name__)

FAILED = "The summary could not be made right now. Try again in a moment."


def notice(view: summaries.SummaryView) -> dict[str, Any]:
    """What the notice shows of a summary."""
    written_by = f"Written by {view.author}" if view.author else "Written by the default model"
    return {"id": view.id, "thread_id": view.thread_id or 0, "heading": view.heading, "by": written_by, "content": view.content}


def _valid_id(value: Any, *, zero: bool) -> bool:
    """Browsers send any argument: only a plausible id passes (0 = the channel where allowed)."""
    return isinstance(value, int) and not isinstance(value, bool) and (0 if zero else 1) <= value < 2**63


class SummaryState(ChatState):
    channel_summary: dict[str, Any] = {}
    thread_summary: dict[str, Any] = {}
    channel_summarizing: bool = False
    thread_summarizing: bool = False
    channel_summary_error: str = ""
    thread_summary_error: str = ""

    def _set(self, in_thread: int | bool, *, summary: dict[str, Any] | None = None, busy: bool | None = None, error: str | None = None) -> None:
        """Change the notice of the thread panel (`in_thread`: a root id or True) or of the channel."""
        place = "thread" if in_thread else "channel"
        if summary is not None:
            setattr(self, f"{place}_summary", summary)
        if busy is not None:
            setattr(self, f"{place}_summarizing", busy)
        if error is not None:
            setattr(self, f"{place}_summary_error", error)

    @rx.event
    async def load_summary(self, thread_id: int):
        """on_load of a channel (0) and when a thread panel shows (its root): the
        asker's open notice there, if any, so a reload still shows it."""
        if not _valid_id(thread_id, zero=True):
            return
        user = await self._user()
        self._set(thread_id, summary={}, busy=False, error="")
        if user is None or not self.channel_id:
            return
        try:
            found = await asyncio.to_thread(summaries.pending, user.id, self.channel_id, thread_id or None)
        except NeurocacheError as error:
            self._set(thread_id, error=str(error))
            return
        if found is not None:
            self._set(thread_id, summary=notice(found))

    @rx.event(background=True)
    async def summarize(self, thread_id: int):
        """"Summarize" in the channel header (0) or a thread panel (its root)."""
        if not _valid_id(thread_id, zero=True):
            return
        async with self:
            user, problem = await self._user_or_none()
            busy = self.thread_summarizing if thread_id else self.channel_summarizing
            if user is None or not self.channel_id or busy:
                self._set(thread_id, error=problem)
                return
            channel_id, unread = self.channel_id, self._unread_at_open
            self._set(thread_id, summary={}, busy=True, error="")
        try:
            view = await summaries.summarize(user.id, channel_id, thread_id=thread_id or None, unread=unread)
        except NeurocacheError as error:
            async with self:
                self._set(thread_id, busy=False, error=str(error))
            return
        except Exception:
            log.exception("summarizing channel %s (thread %s) failed", channel_id, thread_id)
            async with self:
                self._set(thread_id, busy=False, error=FAILED)
            return
        async with self:
            self._set(thread_id, busy=False)
            if self.channel_id == channel_id:  # still on the channel it was asked in
                self._set(thread_id, summary=notice(view))
                if not thread_id:  # summarized, so read: the next "Summarize" takes the latest messages
                    self._unread_at_open = 0

    @rx.event
    async def share_summary(self, summary_id: int):
        """"Share": the summary becomes a message everyone in the channel sees."""
        await self._close(summary_id, share=True)

    @rx.event
    async def dismiss_summary(self, summary_id: int):
        await self._close(summary_id, share=False)

    async def _close(self, summary_id: int, *, share: bool) -> None:
        if not _valid_id(summary_id, zero=False):
            return
        in_thread = self.thread_summary.get("id") == summary_id
        user, problem = await self._user_or_none()
        if user is None:
            self._set(in_thread, error=problem)
            return
        try:
            if share:
                message = await asyncio.to_thread(summaries.share, summary_id, user.id)
                if message.thread_id is None and message.channel_id == self.channel_id:
                    self._change(lambda window: rows.added(window, to_row(message)))
            else:
                await asyncio.to_thread(summaries.dismiss, summary_id, user.id)
        except NeurocacheError as error:
            self._set(in_thread, error=str(error))
            return
        self._set(in_thread, summary={}, error="")
