"""The thread panel (being built: issue 12)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.state.chat import ChatState


class ThreadState(ChatState):
    thread_id: int = 0  # the open thread's root; 0 when the panel is closed

    @rx.event
    async def open_thread(self, message_id: int):
        self.thread_id = message_id
