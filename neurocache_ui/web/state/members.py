"""The channel's "Members" dialog: everyone with their role; the owner makes and
unmakes moderators, the owner or a moderator removes people. A substate of
ChatState (it is about the open channel). The buttons shown follow
domain/roles.py; every click is checked again by services/moderation.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.roles import ChannelRole, may_remove
from neurocache_ui.services import moderation
from neurocache_ui.web.state.chat import ChatState

DIALOG = "members"
ROLE_LABELS = {ChannelRole.OWNER: "Owner", ChannelRole.MODERATOR: "Moderator", ChannelRole.MEMBER: "Member"}


def member_rows(people: list[moderation.MemberRole], viewer_id: int) -> list[dict[str, Any]]:
    """What the dialog shows of each person, and which buttons the viewer gets."""
    mine = next((p.role for p in people if p.user_id == viewer_id), ChannelRole.MEMBER)
    return [
        {
            "user_id": p.user_id,
            "name": p.name,
            "role": ROLE_LABELS[p.role],
            "you": p.user_id == viewer_id,
            "can_promote": mine == ChannelRole.OWNER and p.role == ChannelRole.MEMBER,
            "can_demote": mine == ChannelRole.OWNER and p.role == ChannelRole.MODERATOR,
            "can_remove": p.user_id != viewer_id and may_remove(mine, p.role),
        }
        for p in people
    ]


class MembersState(ChatState):
    members: list[dict[str, Any]] = []
    members_error: str = ""

    async def _members_change(self, change: Callable[[int, int], Any]) -> None:
        """Run `change(channel_id, user_id)` as the signed-in user, then show the list again."""
        user = await self._user()
        if user is None:
            self.members_error = "Your session has ended. Log in again."
            return
        channel_id = self.channel_id
        try:
            await asyncio.to_thread(change, channel_id, user.id)
            people = await asyncio.to_thread(moderation.members, channel_id, user.id)
        except NeurocacheError as error:
            self.members_error = str(error)
            return
        self.members_error = ""
        self.members = member_rows(people, user.id)

    @rx.event
    async def open_members(self):
        self.dialog_open, self.dialog_error = DIALOG, ""
        await self._members_change(lambda channel_id, user_id: None)

    @rx.event
    async def set_member_role(self, user_id: int, role: str):
        await self._members_change(lambda channel_id, actor_id: moderation.set_role(channel_id, actor_id, user_id, role))

    @rx.event
    async def remove_member(self, user_id: int):
        await self._members_change(lambda channel_id, actor_id: moderation.remove_member(channel_id, actor_id, user_id))
