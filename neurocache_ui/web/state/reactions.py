"""Adding and removing one's own emoji reactions under a message. The tab does not
change its rows here: services/reactions.py publishes the message as updated, and
the relay replaces its row in every viewer's tab, this one included, so all of
them show the same counts."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import reactions
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState


class ReactionsState(AuthState):
    """No vars of its own. A child of AuthState, not ChatState: a reaction event
    then loads only the small auth state, not the channel's rows; ChatState is
    loaded only to show a refusal where the channel page shows its errors."""

    @rx.event
    async def react(self, message_id: int, emoji: str, on: bool):
        """Add (`on`) or remove the viewer's `emoji` on a message. The wanted state
        is sent, not "toggle": a double click then cannot undo itself."""
        if not (isinstance(message_id, int) and 0 < message_id < 2**63 and isinstance(emoji, str) and isinstance(on, bool)):
            return  # not what the page sends: a forged call
        user, problem = await self._user_or_none()
        if user is None:
            await self._refused(problem)
            return
        try:
            await asyncio.to_thread(reactions.react, message_id, user_id=user.id, emoji=emoji, on=on)
        except NeurocacheError as error:
            await self._refused(str(error))

    async def _refused(self, reason: str) -> None:
        (await self.get_state(ChatState)).send_error = reason
