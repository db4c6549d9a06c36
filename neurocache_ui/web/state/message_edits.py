"""Editing and deleting messages in the open channel, mixed into ChatState (its
session, channel window and error line are ChatState's): the hub's "Edit" and
"Delete" on a row. Who may do which is the service's rule (services/messaging.py:
your own messages; others' by the channel's owner and moderators)."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import messaging
from neurocache_ui.web.realtime import rows
from neurocache_ui.web.realtime.rows import to_row


class MessageEditsMixin(rx.State, mixin=True):
    editing_id: int = 0  # the message whose row shows the edit box (0: none)

    @rx.event
    def start_edit(self, message_id: int):
        self.editing_id, self.send_error = message_id, ""

    @rx.event
    def cancel_edit(self):
        self.editing_id = 0

    @rx.event
    async def save_edit(self, form: dict[str, str]):
        user = await self._user_or_login()
        if user is None:
            return
        try:
            view = await asyncio.to_thread(
                messaging.edit_message, self.editing_id, user_id=user.id, content=form.get("content", "")
            )
        except NeurocacheError as error:
            self.send_error = str(error)
            return
        self._change(lambda window: rows.replaced(window, view.id, to_row(view)))
        self.editing_id = 0

    @rx.event
    async def delete_message(self, message_id: int):
        user = await self._user_or_login()
        if user is None:
            return
        try:
            await asyncio.to_thread(messaging.delete_message, message_id, user_id=user.id)
        except NeurocacheError as error:
            self.send_error = str(error)
            return
        self._change(lambda window: rows.replaced(window, message_id, None))
