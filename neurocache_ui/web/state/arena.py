"""Voting in a channel arena and revealing it. Like reactions, the tab does not change
its rows: services/arena.py publishes the message with its new card and the relay
replaces the row in every viewer's tab, this one included."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain import arena as rules
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import arena
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState


def _message_id(value: object) -> bool:
    return isinstance(value, int) and 0 < value < 2**63


class ArenaState(AuthState):
    """No vars of its own: a child of AuthState, so a vote loads the small auth state only."""

    @rx.event
    async def vote(self, message_id: int, choice: str):
        """"A is better", "B is better" or "Tie": the viewer's one vote."""
        if not _message_id(message_id) or choice not in rules.CHOICES:
            return  # not what the page sends: a forged call
        await self._act(arena.vote, message_id, choice)

    @rx.event
    async def reveal(self, message_id: int):
        """Close the votes and name the agents (for someone who voted, or the starter)."""
        if _message_id(message_id):
            await self._act(arena.reveal, message_id)

    async def _act(self, action, message_id: int, *args: str) -> None:  # noqa: ANN001 (a service function)
        user, problem = await self._user_or_none()
        if user is None:
            (await self.get_state(ChatState)).send_error = problem
            return
        try:
            await asyncio.to_thread(action, user.id, message_id, *args)
        except NeurocacheError as error:
            (await self.get_state(ChatState)).send_error = str(error)
