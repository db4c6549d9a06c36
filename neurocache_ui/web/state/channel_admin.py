"""The channel dialogs: create, invite, rename, archive, delete and leave. A
substate of ChatState (it changes the open channel and the sidebar), apart so the
hot path of reading and sending stays small."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import channels
from neurocache_ui.web.state.chat import ChatState


class ChannelAdminState(ChatState):
    @rx.event
    def toggle_dialog(self, name: str, is_open: bool):
        """One dialog at a time; opening or closing clears the last error."""
        self.dialog_open = name if is_open else ""
        self.dialog_error = ""

    async def _manage(self, action: Callable[[int], Any]) -> tuple[bool, Any]:
        """Run a channel change as the signed-in user; errors go to the open dialog."""
        user = await self._user_or_login()
        if user is None:
            self.dialog_error = "Your session has ended. Log in again."
            return False, None
        try:
            return True, await asyncio.to_thread(action, user.id)
        except NeurocacheError as error:
            self.dialog_error = str(error)
            return False, None

    async def _end_channel(self, action: Callable[[int, int], Any]) -> bool:
        """Leave, archive or delete the open channel; it leaves the recent channels."""
        channel_id = self.channel_id
        ok, _ = await self._manage(lambda user_id: action(channel_id, user_id))
        if ok:
            self._forget_channel(channel_id)
        return ok

    @rx.event
    async def create_channel(self, form: dict[str, str]):
        def create(user_id: int) -> channels.ChannelView:
            return channels.create_channel(
                user_id, name=form.get("name", ""), description=form.get("description", ""), goal=form.get("goal", ""),
                visibility=form.get("visibility") or None,
            )

        ok, channel = await self._manage(create)
        if ok:
            self.dialog_open = ""
            return rx.redirect(f"/channels/{channel.slug}")

    @rx.event
    async def invite(self, form: dict[str, str]):
        email = form.get("email", "").strip()
        channel_id = self.channel_id
        ok, _ = await self._manage(lambda user_id: channels.invite(channel_id, user_id, email))
        if ok:
            self.dialog_open = ""
            return rx.toast.success(f"Invited {email}")

    @rx.event
    async def rename_channel(self, form: dict[str, str]):
        channel_id, name = self.channel_id, form.get("name", "")
        ok, channel = await self._manage(lambda user_id: channels.rename(channel_id, user_id, name))
        if ok:
            self.dialog_open = ""
            self.channel_name = channel.name
            self.channel_list = [{**c, "name": channel.name} if c["id"] == channel_id else c for c in self.channel_list]

    @rx.event
    async def leave(self):
        if not await self._end_channel(channels.leave):
            return rx.toast.error(self.dialog_error)
        return rx.redirect("/channels")

    @rx.event
    async def archive_channel(self):
        if not await self._end_channel(channels.archive):
            return rx.toast.error(self.dialog_error)
        return [rx.toast.success("Channel archived"), rx.redirect("/channels")]

    @rx.event
    async def delete_channel(self):
        if not await self._end_channel(channels.delete_channel):
            return rx.toast.error(self.dialog_error)
        return [rx.toast.success("Channel deleted"), rx.redirect("/channels")]
