"""Browse channels (/browse: the open channels, searchable, a page at a time), joining
an open channel (from Browse, or from the "Join channel" bar of one read before
joining) and the owner's "Who can find it" setting. A substate of ChatState: joining
changes the open channel's page and the sidebar. Every handler re-checks the session;
services/directory.py decides what may be seen and done."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import directory
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.team import TeamState

VISIBILITY_DIALOG = "visibility"


class BrowseState(ChatState):
    browse_items: list[dict[str, Any]] = []
    browse_query: str = ""
    browse_page: int = 1
    browse_more: bool = False
    browse_loading: bool = False
    browse_error: str = ""

    async def _load_browse(self) -> None:
        user = await self._user_or_login()
        if user is None:
            return
        self.browse_loading, self.browse_error = True, ""
        try:
            found, more = await asyncio.to_thread(directory.browse, user.id, query=self.browse_query, page=self.browse_page)
        except NeurocacheError as error:
            self.browse_items, self.browse_more, self.browse_error = [], False, str(error)
        else:
            self.browse_items = [
                {"id": c.id, "slug": c.slug, "name": c.name, "description": c.description, "members": c.member_count,
                 "is_member": c.is_member}
                for c in found
            ]
            self.browse_more = more
        self.browse_loading = False

    @rx.event
    async def load_browse(self):
        """on_load of /browse: the first page, for whatever was searched last."""
        self.browse_page = 1
        await self._load_browse()

    @rx.event
    async def search_browse(self, form: dict[str, Any]):
        """The search box's form: a new search starts at page 1."""
        query = form.get("q", "")
        self.browse_query = query[: directory.QUERY_MAX] if isinstance(query, str) else ""
        self.browse_page = 1
        await self._load_browse()

    @rx.event
    async def turn_browse_page(self, page: int):
        if not isinstance(page, int) or not 1 <= page <= 10_000:
            return  # not what the page sends
        self.browse_page = page
        await self._load_browse()

    @rx.event
    async def join_channel(self, slug: str):
        """A Browse row's "Join": join and open the channel."""
        if not isinstance(slug, str) or not 0 < len(slug) <= 80:
            return
        user = await self._user_or_login()
        if user is None:
            return
        try:
            channel = await asyncio.to_thread(directory.join, slug, user.id)
        except NeurocacheError as error:
            return rx.toast.error(str(error))
        return rx.redirect(f"/channels/{channel.slug}")

    @rx.event
    async def join_open(self):
        """The "Join channel" bar of an open channel read before joining: the composer
        takes its place, the channel enters the sidebar and its people can be @mentioned."""
        user = await self._user_or_login()
        if user is None or not self.channel_id:
            return
        try:
            channel = await asyncio.to_thread(directory.join, self.channel_id, user.id)
        except NeurocacheError as error:
            self.send_error = str(error)
            return
        self.is_member, self.send_error = channel.is_member, ""
        self._forget_channel(channel.id)  # its cached page still says "not a member"
        await self._refresh_channel_list(user.id)
        await (await self.get_state(TeamState))._load_team()

    @rx.event
    async def set_visibility(self, form: dict[str, Any]):
        """The owner's "Who can find it" dialog."""
        user = await self._user_or_login()
        if user is None or not self.channel_id:
            return
        try:
            channel = await asyncio.to_thread(directory.set_visibility, self.channel_id, user.id, str(form.get("visibility", "")))
        except NeurocacheError as error:
            self.dialog_error = str(error)
            return
        self.channel_visibility, self.dialog_open, self.dialog_error = channel.visibility, "", ""
        self._forget_channel(channel.id)
        return rx.toast.success("Anyone in the workspace can now find and join it." if channel.visibility == "open"
                                else "Only members can find it now.")
