"""/welcome, the first-run page a new account lands on after sign-up: which of the
three steps (services/onboarding.py) are done. `open_steps` is what the hub's
sidebar needs for its "Get started" link (shown while it is above 0): call
`load_progress` where that link should be current."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import onboarding
from neurocache_ui.web.state.auth import AuthState


class OnboardingState(AuthState):
    steps_done: list[str] = []
    """Keys of the steps done: onboarding.AGENT, CHANNEL, INVITE."""
    open_steps: int = 0
    first_channel_slug: str = ""
    progress_loaded: bool = False
    progress_error: str = ""

    @rx.var
    def agent_done(self) -> bool:
        return onboarding.AGENT in self.steps_done

    @rx.var
    def channel_done(self) -> bool:
        return onboarding.CHANNEL in self.steps_done

    @rx.var
    def invite_done(self) -> bool:
        return onboarding.INVITE in self.steps_done

    @rx.event
    async def load_progress(self):
        """on_load of /welcome: the signed-in person's steps, read again each time."""
        user = await self._user()
        if user is None:
            return
        try:
            found = await asyncio.to_thread(onboarding.progress, user.id)
        except NeurocacheError as error:
            self.progress_error = str(error)
            return
        self.steps_done = sorted(found.done)
        self.open_steps = found.open_steps
        self.first_channel_slug = found.first_channel_slug or ""
        self.progress_error = ""
        self.progress_loaded = True
