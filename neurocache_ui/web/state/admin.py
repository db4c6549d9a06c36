"""/admin: the workspace's accounts (a page at a time, each with Deactivate or
Reactivate and Make admin or Remove admin), the sign-up mode, and invite links.

Admins only: for anyone else `allowed` stays False and the page shows the
not-found page. Every handler asks services/workspace.py (or invites.py) with the
user resolved again from the session, so a stale page or a crafted event from a
member changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.roles import INVITE_EXPIRED, INVITE_REVOKED, INVITE_USED_UP, SIGNUP_LABELS
from neurocache_ui.services import invites, workspace
from neurocache_ui.web.state.auth import AuthState


INVITE_STATUS = {"": "Usable", INVITE_EXPIRED: "Expired", INVITE_USED_UP: "Used up", INVITE_REVOKED: "Revoked"}
"""An invite's badge, by why it cannot be used (services/invites.InviteRow.problem)."""


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class AdminState(AuthState):
    allowed: bool = False
    checked: bool = False  # the session and the admin check answered (until then: a spinner)
    accounts: list[dict[str, Any]] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    signup_mode: str = ""
    invites: list[dict[str, Any]] = []
    new_invite_link: str = ""
    admin_error: str = ""

    async def _as_admin(self, action: Callable[[int], Any]) -> bool:
        """Run `action(admin_id)` and reload what the page shows; False (and the
        reason shown) if it was refused. Someone no longer an admin loses the page."""
        user = await self._user()
        if user is None:
            self.allowed, self.checked = False, True
            return False
        try:
            await asyncio.to_thread(action, user.id)
            await self._reload(user.id)
        except NeurocacheError as error:
            self.admin_error, self.checked = str(error), True
            if not await asyncio.to_thread(workspace.is_admin, user.id):
                self.allowed, self.accounts, self.invites, self.admin_error = False, [], [], ""
            return False
        self.admin_error = ""
        return True

    async def _reload(self, admin_id: int) -> None:
        found = await asyncio.to_thread(workspace.accounts, admin_id, self.page)
        self.accounts = [
            {"id": row.id, "name": row.name, "email": row.email, "is_admin": row.is_admin, "active": row.active,
             "you": row.id == admin_id, "since": row.created_at.strftime("%Y-%m-%d")}
            for row in found.rows
        ]
        self.page, self.pages, self.total = found.page, found.pages, found.total
        self.signup_mode = (await asyncio.to_thread(workspace.signup_mode)).value
        self.invites = [
            {"id": row.id, "expires": _when(row.expires_at), "uses": f"{row.uses} of {row.max_uses}",
             "status": INVITE_STATUS.get(row.problem, "Unusable")}
            for row in await asyncio.to_thread(invites.list_invites, admin_id)
        ]
        self.allowed, self.checked = True, True

    @rx.var
    def signup_options(self) -> list[list[str]]:
        return [[mode.value, label] for mode, label in SIGNUP_LABELS.items()]

    @rx.event
    async def load_admin(self):
        """on_load of /admin (after AuthState.check_session)."""
        self.page, self.new_invite_link, self.admin_error = 1, "", ""
        await self._as_admin(lambda admin_id: None)

    @rx.event
    async def turn_page(self, page: int):
        if not isinstance(page, int) or not 1 <= page <= 100_000:
            return  # not what the page sends (the service clamps a number beyond the last page)
        self.page = page
        await self._as_admin(lambda admin_id: None)

    @rx.event
    async def set_active(self, user_id: int, active: bool):
        if await self._as_admin(lambda admin_id: workspace.set_active(admin_id, user_id, active)):
            return rx.toast.success("Account reactivated" if active else "Account deactivated; its sessions ended")

    @rx.event
    async def set_admin(self, user_id: int, admin: bool):
        await self._as_admin(lambda admin_id: workspace.set_admin(admin_id, user_id, admin))

    @rx.event
    async def set_signup_mode(self, mode: str):
        if await self._as_admin(lambda admin_id: workspace.set_signup_mode(admin_id, mode)):
            return rx.toast.success("Sign-up setting saved")

    @rx.event
    async def create_invite(self, form: dict[str, str]):
        made: list[invites.NewInvite] = []
        ok = await self._as_admin(lambda admin_id: made.append(
            invites.create_invite(admin_id, days=form.get("days", ""), max_uses=form.get("max_uses", ""))))
        if ok:
            self.new_invite_link = f"{self.router.url.origin}{invites.INVITE_PATH}{made[0].token}"

    @rx.event
    async def revoke_invite(self, invite_id: int):
        await self._as_admin(lambda admin_id: invites.revoke(admin_id, invite_id))

    @rx.event
    def dismiss_invite_link(self):
        self.new_invite_link = ""
