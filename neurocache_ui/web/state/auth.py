"""Who is signed in, and the sign-up / log-in / log-out events. The browser holds
only an opaque session token in an HttpOnly cookie; every protected page and data
event resolves the user from it again (`_require_user`). Helpers are `_private`:
the handlers a browser may call are listed in state/surface.py."""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.redirects import safe_next
from neurocache_ui.services import auth, invites
from neurocache_ui.web.realtime.reflex_adapter import replaces_base_method
from neurocache_ui.web.realtime.watchers import watchers

SESSION_ENDED = "Your session has ended. Log in again."


def full_page_load(path: str) -> rx.event.EventSpec:
    """A full page load, not a client-side redirect: the HTTP endpoints that set and
    clear the HttpOnly cookie must be reached, and the websocket then reconnects with
    the new cookie in its handshake. (Reflex re-runs the connect-time page's on_load
    when a tab's server state was lost; from /login that would bounce a working user.)"""
    return rx.call_script(f"window.location.replace({json.dumps(path)})")


class AuthState(rx.State):
    user_id: int = 0
    user_name: str = ""
    user_email: str = ""
    user_is_admin: bool = False  # shows the Admin link; /admin and its actions check again (services/workspace.py)
    form_error: str = ""
    field_errors: dict[str, str] = {}
    submitting: bool = False
    # Set only by state/health.py, straight over the websocket, while Redis is down.
    service_notice: str = ""
    # Shown instead of the hub when this tab's session was ended elsewhere.
    ended_notice: str = ""

    @classmethod
    @replaces_base_method
    def _create_setvar(cls) -> None:
        """No generic `setvar` event on our states: it would let any tab set any var
        that has a setter. Every change goes through a handler in state/surface.py."""

    @rx.var
    def is_logged_in(self) -> bool:
        return self.user_id > 0

    @rx.var
    def user_initial(self) -> str:
        return self.user_name[:1].upper()

    def _current_token(self) -> str:
        """The session token from the cookie sent with this tab's websocket handshake."""
        jar = SimpleCookie()
        try:
            jar.load(self.router.headers.cookie or "")
        except Exception:  # a malformed Cookie header means no session, not a crash
            return ""
        morsel = jar.get(auth.SESSION_COOKIE)
        return morsel.value if morsel else ""

    def _token(self) -> str:
        """This tab's id (Reflex's client token), which live delivery is keyed by."""
        return self.router.session.client_token

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    async def _require_user(self) -> auth.CurrentUser:
        """The signed-in user, resolved from the token now; raises if there is none.

        Data events call this instead of trusting `user_id`, so an expired or
        revoked session stops working immediately. Raises PermissionError without
        a session, errors.Unavailable when the database cannot be asked."""
        user = await asyncio.to_thread(auth.user_for_session, self._current_token())
        if user is None:
            raise PermissionError(SESSION_ENDED)
        if user.id != self.user_id:
            await self._switch_to(user)
        return user

    async def _user_or_none(self) -> tuple[auth.CurrentUser | None, str]:
        """`_require_user` for handlers that show problems instead of raising:
        (user, "") or (None, why: session ended or database unreachable)."""
        try:
            return await self._require_user(), ""
        except (PermissionError, NeurocacheError) as error:
            return None, str(error)

    async def _user(self) -> auth.CurrentUser | None:
        user, _ = await self._user_or_none()
        return user

    async def _user_id(self) -> int | None:
        user = await self._user()
        return user.id if user else None

    def _remember(self, user: auth.CurrentUser | None) -> None:
        if user is not None:
            self.ended_notice = ""
        self.user_id = user.id if user else 0
        self.user_name = user.name if user else ""
        self.user_email = user.email if user else ""
        self.user_is_admin = user.is_admin if user else False

    def _clear_errors(self) -> None:
        self.form_error = ""
        self.field_errors = {}

    async def _load(self) -> auth.CurrentUser | None:
        user = await asyncio.to_thread(auth.user_for_session, self._current_token())
        await self._switch_to(user)
        return user

    async def _switch_to(self, user: auth.CurrentUser | None) -> None:
        """Show `user`; if this tab showed someone else before, forget all of it first."""
        if self.user_id and (user is None or user.id != self.user_id):
            await self._reset_tab()
        self._remember(user)

    async def _reset_tab(self) -> None:
        """Forget everything this tab showed: every state below this one back to its
        defaults (also those not loaded right now), and its live seats on this worker."""
        watchers.forget(self._token())
        (await self.get_state(AuthState)).reset()
        for state_cls in _descendants(AuthState):
            (await self.get_state(state_cls)).reset()

    @rx.event
    async def load_user(self):
        """on_load of public pages: know who is here, send nobody anywhere."""
        await self._load()

    @rx.event
    async def check_session(self):
        """on_load of every hub page: no valid session, no page."""
        if await self._load() is None:
            return rx.redirect(f"/login?{urlencode({'next': self.router.url.path})}", replace=True)

    @rx.event
    async def skip_if_logged_in(self):
        """on_load of /login and /signup: a signed-in user goes straight to the hub."""
        self._clear_errors()
        self.submitting = False
        if await self._load() is not None:
            return full_page_load(auth.HOME)

    def _enter(self, signed_in: auth.SignedIn, landing: str = auth.HOME):
        """Finish a log-in: the browser swaps the one-time code for its HttpOnly cookie,
        then goes to a safe `next=` or else `landing`."""
        self._clear_errors()
        target = safe_next(self.router.url.query_parameters.get("next"), landing)
        return full_page_load(f"{auth.SESSION_PATH}?{urlencode({'code': signed_in.code, 'next': target})}")

    @rx.event
    async def signup(self, form: dict[str, str]):
        self._clear_errors()
        self.submitting = True
        yield
        try:
            signed_in = await asyncio.to_thread(
                invites.sign_up,  # the workspace's sign-up mode, and the invite link's token if any
                name=form.get("name", ""),
                email=form.get("email", ""),
                password=form.get("password", ""),
                client_ip=self._client_ip(),
                invite=self.router.url.query_parameters.get("invite", ""),
            )
        except auth.AuthError as error:
            self.submitting = False
            if error.field:
                self.field_errors = {error.field: str(error)}
            else:
                self.form_error = str(error)
            return
        self.submitting = False
        yield self._enter(signed_in, auth.WELCOME)

    @rx.event
    async def login(self, form: dict[str, str]):
        self._clear_errors()
        self.submitting = True
        yield
        try:
            signed_in = await asyncio.to_thread(
                auth.log_in, form.get("email", ""), form.get("password", ""), client_ip=self._client_ip()
            )
        except auth.AuthError as error:
            self.submitting = False
            self.form_error = str(error)
            return
        self.submitting = False
        yield self._enter(signed_in)

    @rx.event
    async def logout(self):
        await asyncio.to_thread(auth.end_session, self._current_token())
        await self._reset_tab()
        return full_page_load(auth.LOGOUT_PATH)


def _descendants(state_cls: type[rx.State]) -> list[type[rx.State]]:
    found: list[type[rx.State]] = []
    for sub in state_cls.get_substates():
        found += [sub, *_descendants(sub)]
    return found
