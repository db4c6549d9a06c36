"""/account: change the password, log out everywhere. Both end other sessions,
and every open tab of those sessions is told (services/auth publishes `SessionsEnded`)."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import auth
from neurocache_ui.web.state.auth import SESSION_ENDED, AuthState, full_page_load


class AccountState(AuthState):
    password_errors: dict[str, str] = {}
    account_error: str = ""
    password_saving: bool = False

    @rx.event
    def load_account(self):
        """on_load of /account (after check_session): a clean form."""
        self.password_errors, self.account_error, self.password_saving = {}, "", False

    @rx.event
    async def change_password(self, form: dict[str, str]):
        self.password_errors, self.account_error = {}, ""
        current, new, repeat = form.get("current", ""), form.get("new", ""), form.get("repeat", "")
        if new != repeat:
            self.password_errors = {"repeat": "The two new passwords differ."}
            return
        user = await self._user()
        if user is None:
            self.account_error = SESSION_ENDED
            return
        self.password_saving = True
        yield
        try:
            ended = await asyncio.to_thread(
                auth.change_password, user.id, current=current, new=new, keep_token=self._current_token()
            )
        except auth.AuthError as error:
            self.password_saving = False
            self.password_errors = {error.field or "new": str(error)}
            return
        except NeurocacheError as error:
            self.password_saving = False
            self.account_error = str(error)
            return
        self.password_saving = False
        others = "No other session was open." if not ended else f"{ended} other session{'s were' if ended > 1 else ' was'} logged out."
        yield [rx.set_value("account-current", ""), rx.set_value("account-new", ""), rx.set_value("account-repeat", "")]
        yield rx.toast.success(f"Password changed. {others}")

    @rx.event
    async def logout_everywhere(self):
        user = await self._user()
        if user is not None:
            await asyncio.to_thread(auth.end_all_sessions, user.id)
        await self._reset_tab()
        return full_page_load(auth.LOGOUT_PATH)
