"""What live events do to a tab's channel page, mixed into ChatState (whose
channel, window, sidebar and cache these are): web/realtime/relay.py hands it a
frame of events at a time, on this worker; the rules for them are
web/realtime/dispatch.py's, tested without a browser."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.events import AgentStepped, Event, PinsChanged, TeamChanged
from neurocache_ui.domain.visibility import PRIVATE
from neurocache_ui.web.realtime import dispatch
from neurocache_ui.web.realtime.watchers import watchers
from neurocache_ui.web.state.auth import AuthState

SESSION_ENDED_ELSEWHERE = "You were logged out: password changed, sessions ended elsewhere, or account deactivated."


class LiveEventsMixin(rx.State, mixin=True):
    @classmethod
    def _wants(cls, event: Event) -> bool:
        return not isinstance(event, AgentStepped | TeamChanged | PinsChanged)

    async def _receive(self, token: str, items: list[tuple[int, Event]]) -> list[Any] | None:
        """Apply a frame of live events; returns the page calls it brings: browser
        notifications, toasts (joined or left channels, one read without joining made private)."""
        if not self.channel_id and (seat := watchers.seat_of(token)) is not None:
            await self._restore(token, *seat)
        before = self._window()
        frame = dispatch.frame_after(
            before, self.channel_list, self._channel_cache, self.typists,
            open_channel=self.channel_id, viewer_id=self.user_id, items=items,
        )  # fmt: skip
        if frame.sessions_ended and await self._user() is None:
            await self._reset_tab()
            (await self.get_state(AuthState)).ended_notice = SESSION_ENDED_ELSEWHERE
            return None
        self._show(frame.window, before)
        for name, value in (("channel_list", frame.sidebar), ("_channel_cache", frame.cache), ("typists", frame.typing)):
            # Only changes are assigned, so only they are sent. Compared by value: the
            # state hands out a new wrapper of the same list on every read, so an identity
            # test would resend the whole sidebar with every message.
            if value != getattr(self, name):
                setattr(self, name, value)
        if frame.online_names is not None:
            self.online_names = frame.online_names
        if frame.made_private:
            self.channel_visibility = PRIVATE
        if frame.resync:
            await self._resync()
        if frame.left_open:  # the open channel is closed to them (left elsewhere, deleted, made private)
            self._close_channel()
            self.not_found = True
            watchers.unseat(token)
        if frame.hidden:  # the relay stopped sending it; what this tab watches follows its cache
            self._watch()
        said: list[Any] = await self._alerts(items)  # web/state/notify_events.py: browser notifications
        if frame.notices:
            await self._refresh_channel_list(self.user_id)
            said += [rx.toast.info(notice) for notice in frame.notices]
        return said or None

    async def _resync(self) -> None:
        """After the bus lost events (Redis reconnect): reload the open channel."""
        if self.channel_id:
            await self._load_newest(self.user_id)
        self._channel_cache = {}
