"""/signup's gate: whether this hub lets people sign up now, and with which invite
(`/signup?invite=<token>`). The form is replaced by the reason when it does not;
`AuthState.signup` asks services/invites.py again, so the page is never the check."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.services import invites
from neurocache_ui.web.state.auth import AuthState


class SignupState(AuthState):
    signup_problem: str = ""

    @rx.event
    async def load_signup(self):
        """on_load of /signup, after AuthState.skip_if_logged_in."""
        token = self.router.url.query_parameters.get("invite", "")
        self.signup_problem = await asyncio.to_thread(invites.signup_problem, token)
