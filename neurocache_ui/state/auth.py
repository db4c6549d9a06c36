"""Who is signed in, and the sign-up / log-in / log-out events.

The browser holds only an opaque session token (cookie); the user is resolved from
it on the server for every protected page and, through `require_user`, for every
event that reads or writes data."""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie

import reflex as rx

from neurocache_ui.core import auth
from neurocache_ui.core.errors import NeurocacheError
from neurocache_ui.core.settings import get_settings

SESSION_COOKIE = auth.SESSION_COOKIE
HOME = "/channels"


def enter_hub(path: str) -> rx.event.EventSpec:
    """A full page load into the hub, not a client-side redirect: the websocket then
    reconnects from the hub page with the session cookie in its handshake. Reflex
    re-runs the connect-time page's on_load when a tab's server state was lost
    (Redis restarted); from /login that would bounce a working user to /channels."""
    return rx.call_script(f"window.location.replace({json.dumps(path)})")


class AuthState(rx.State):
    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, max_age=get_settings().session_days * 86400, same_site="strict"
    )
    user_id: int = 0
    user_name: str = ""
    user_email: str = ""
    form_error: str = ""
    field_errors: dict[str, str] = {}
    submitting: bool = False
    # Set only by state/health.py, straight over the websocket, while Redis is down.
    service_notice: str = ""

    @rx.var
    def is_logged_in(self) -> bool:
        return self.user_id > 0

    @rx.var
    def user_initial(self) -> str:
        return self.user_name[:1].upper()

    def _current_token(self) -> str:
        """The session token, also when this tab's server state was lost (e.g. a
        Redis restart): then the cookie sent with the websocket handshake still has it."""
        if self.session_token:
            return self.session_token
        jar = SimpleCookie()
        jar.load(self.router.headers.cookie or "")
        morsel = jar.get(SESSION_COOKIE)
        return morsel.value if morsel else ""

    async def require_user(self) -> auth.CurrentUser:
        """The signed-in user, resolved from the token now; raises if there is none.

        Data events call this instead of trusting `user_id`, so an expired or
        revoked session stops working immediately. Raises PermissionError without
        a session, errors.Unavailable when the database cannot be asked."""
        token = self._current_token()
        user = await asyncio.to_thread(auth.user_for_session, token)
        if user is None:
            raise PermissionError("Your session has ended. Log in again.")
        if not self.user_id:
            self.session_token = token
            self._remember(user)
        return user

    async def user_or_none(self) -> tuple[auth.CurrentUser | None, str]:
        """`require_user` for handlers that show problems instead of raising:
        (user, "") or (None, why: session ended or database unreachable)."""
        try:
            return await self.require_user(), ""
        except (PermissionError, NeurocacheError) as error:
            return None, str(error)

    def _remember(self, user: auth.CurrentUser | None) -> None:
        self.user_id = user.id if user else 0
        self.user_name = user.name if user else ""
        self.user_email = user.email if user else ""

    def _clear_errors(self) -> None:
        self.form_error = ""
        self.field_errors = {}

    async def _load(self) -> auth.CurrentUser | None:
        user = await asyncio.to_thread(auth.user_for_session, self._current_token())
        self._remember(user)
        if user is None and self.session_token:
            self.session_token = ""
        return user

    @rx.event
    async def load_user(self):
        """on_load of public pages: know who is here, send nobody anywhere."""
        await self._load()

    @rx.event
    async def check_session(self):
        """on_load of every hub page: no valid session, no page."""
        if await self._load() is None:
            return rx.redirect(f"/login?next={self.router.url.path}", replace=True)

    @rx.event
    async def skip_if_logged_in(self):
        """on_load of /login and /signup: a signed-in user goes straight to the hub."""
        self._clear_errors()
        self.submitting = False
        if await self._load() is not None:
            return enter_hub(HOME)

    async def _enter(self, user: auth.CurrentUser):
        self.session_token = await asyncio.to_thread(auth.start_session, user.id)
        self._remember(user)
        self._clear_errors()
        target = self.router.url.query_parameters.get("next", "")
        # Only local paths: an attacker-chosen `next` must not send users off-site.
        return enter_hub(target if target.startswith("/") and not target.startswith("//") else HOME)

    @rx.event
    async def signup(self, form: dict[str, str]):
        self._clear_errors()
        self.submitting = True
        yield
        try:
            user = await asyncio.to_thread(
                auth.create_user,
                name=form.get("name", ""),
                email=form.get("email", ""),
                password=form.get("password", ""),
            )
        except auth.AuthError as error:
            self.submitting = False
            if error.field:
                self.field_errors = {error.field: str(error)}
            else:
                self.form_error = str(error)
            return
        self.submitting = False
        yield await self._enter(user)

    @rx.event
    async def login(self, form: dict[str, str]):
        self._clear_errors()
        self.submitting = True
        yield
        try:
            user = await asyncio.to_thread(auth.authenticate, form.get("email", ""), form.get("password", ""))
        except auth.AuthError as error:
            self.submitting = False
            self.form_error = str(error)
            return
        self.submitting = False
        yield await self._enter(user)

    @rx.event
    async def logout(self):
        await asyncio.to_thread(auth.end_session, self.session_token)
        self.session_token = ""
        self._remember(None)
        return rx.redirect("/login", replace=True)
