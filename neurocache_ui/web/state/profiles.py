"""Profiles in the hub: the card a click on a name opens (a person's or an agent's),
the small avatars of the open channel's rows, and the "Profile" section of /account
(title, status, avatar). Every handler resolves the session again; what a viewer may
see is decided by services/profiles.py."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import reflex as rx

from neurocache_ui.domain import profiles as rules
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.events import Event, ProfileChanged
from neurocache_ui.services import dms, profiles
from neurocache_ui.web.state.auth import SESSION_ENDED, AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.knowledge import receive_files

AVATAR_UPLOAD_ID = "avatar-upload"
AVATAR_ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"], "image/gif": [".gif"]}
NO_CARD: dict[str, Any] = {}
_FIELDS = ("title", "status_emoji", "status_text")
"""The form's fields that show their own error; any other problem shows above the buttons."""


def _until_text(until: datetime | None) -> str:
    """ISO time for the page to show in the reader's own clock; "" for no end."""
    return until.isoformat() if until is not None else ""


def person_card(card: profiles.PersonCard, viewer_id: int) -> dict[str, Any]:
    return {
        "kind": "person", "id": card.id, "name": card.name, "title": card.title, "emoji": card.status_emoji,
        "status": card.status_text, "until": _until_text(card.status_until), "avatar": card.avatar_url,
        "online": card.online, "you": card.id == viewer_id,
    }


def agent_card(card: profiles.AgentCard) -> dict[str, Any]:
    return {
        "kind": "agent", "id": card.id, "name": card.name, "emoji": card.emoji, "description": card.description,
        "owner": card.owner, "model": card.model, "tools": ", ".join(card.tools),
        "rating": str(card.rating) if card.rating is not None else "",
    }


class ProfileState(AuthState):
    card: dict[str, Any] = NO_CARD
    card_error: str = ""
    avatars: dict[str, str] = {}
    """The open channel's people with an avatar: user id (text) → 32 px image URL."""
    _avatars_channel: int = 0

    # ---- the card ----

    async def _show(self, kind: str, target_id: int) -> None:
        user, problem = await self._user_or_none()
        if user is None:
            self.card, self.card_error = {"kind": kind}, problem or SESSION_ENDED
            return
        try:
            if kind == "agent":
                self.card = agent_card(await asyncio.to_thread(profiles.agent, user.id, target_id))
            else:
                self.card = person_card(await asyncio.to_thread(profiles.person, user.id, target_id), user.id)
            self.card_error = ""
        except NeurocacheError as error:
            self.card, self.card_error = {"kind": kind}, str(error)

    @rx.event
    async def open_person(self, user_id: int):
        await self._show("person", int(user_id))

    @rx.event
    async def open_agent(self, agent_id: int):
        await self._show("agent", int(agent_id))

    @rx.event
    def close_card(self):
        self.card, self.card_error = NO_CARD, ""

    @rx.event
    async def message_person(self):
        """"Message" on a person's card: their DM with the viewer (started if new)."""
        user, problem = await self._user_or_none()
        other = int(self.card.get("id", 0)) if self.card.get("kind") == "person" else 0
        if user is None or not other:
            self.card_error = problem or SESSION_ENDED
            return None
        try:
            view, _new = await asyncio.to_thread(dms.open_dm, user.id, user_ids=[other])
        except NeurocacheError as error:
            self.card_error = str(error)
            return None
        self.card, self.card_error = NO_CARD, ""
        return rx.redirect(f"/channels/{view.slug}")

    # ---- the open channel's avatars ----

    async def _load_avatars(self, user_id: int) -> None:
        try:
            self.avatars = await asyncio.to_thread(profiles.channel_avatars, self._avatars_channel, user_id)
        except NeurocacheError:  # decoration: rows keep their initials
            self.avatars = {}

    @rx.event
    async def load_avatars(self):
        """on_load of /channels/[slug], after ChatState.open_channel."""
        chat = await self.get_state(ChatState)
        user = await self._user()
        self.card, self.card_error, self._avatars_channel = NO_CARD, "", chat.channel_id
        if user is None or not chat.channel_id:
            self.avatars = {}
            return
        await self._load_avatars(user.id)

    # ---- live events (web/realtime/relay.py) ----

    @classmethod
    def _wants(cls, event: Event) -> bool:
        return isinstance(event, ProfileChanged)

    async def _receive(self, token: str, items: list[tuple[int, Event]]) -> list[Any] | None:
        """Someone changed their profile: an open card of theirs is read again, and the
        open channel's avatars too (one query each, whatever the frame holds)."""
        changed = {e.user_id for _c, e in items if isinstance(e, ProfileChanged)}
        if not self.user_id or not changed:
            return None
        if self.card.get("kind") == "person" and self.card.get("id") in changed:
            await self._show("person", int(self.card["id"]))
        if self._avatars_channel:
            await self._load_avatars(self.user_id)
        return None


class ProfileEditState(AuthState):
    """/account's "Profile" section: the signed-in person's own title, status and avatar."""

    mine: dict[str, Any] = NO_CARD
    profile_errors: dict[str, str] = {}
    avatar_busy: bool = False

    async def _load_mine(self) -> None:
        user, problem = await self._user_or_none()
        if user is None:
            self.profile_errors = {"form": problem}
            return
        try:
            self.mine = person_card(await asyncio.to_thread(profiles.person, user.id, user.id), user.id)
        except NeurocacheError as error:
            self.profile_errors = {"form": str(error)}

    @rx.event
    async def load_profile(self):
        """on_load of /account."""
        self.profile_errors, self.avatar_busy = {}, False
        await self._load_mine()

    @rx.event
    async def save_profile(self, form: dict[str, Any]):
        user, problem = await self._user_or_none()
        if user is None:
            self.profile_errors = {"form": problem}
            return None
        try:
            offset = int(str(form.get("utc_offset", "0")) or 0)
        except ValueError:
            offset = 0
        try:
            card = await asyncio.to_thread(
                profiles.update, user.id, title=str(form.get("title", "")),
                status=(str(form.get("status_emoji", "")), str(form.get("status_text", ""))),
                until=str(form.get("until", "never")), utc_offset_minutes=offset,
            )
        except NeurocacheError as error:
            where = getattr(error, "field", None)
            self.profile_errors = {where if where in _FIELDS else "form": str(error)}
            return None
        self.profile_errors, self.mine = {}, person_card(card, user.id)
        return rx.toast.success("Profile saved.")

    @rx.event
    async def clear_status(self):
        user, problem = await self._user_or_none()
        if user is None:
            self.profile_errors = {"form": problem}
            return None
        try:
            card = await asyncio.to_thread(profiles.update, user.id, status=("", ""))
        except NeurocacheError as error:
            self.profile_errors = {"form": str(error)}
            return None
        self.profile_errors, self.mine = {}, person_card(card, user.id)
        return [rx.set_value("profile-status-emoji", ""), rx.set_value("profile-status-text", ""),
                rx.toast.success("Status cleared.")]

    @rx.event(background=True)
    async def upload_avatar(self, chunks: rx.UploadChunkIterator):
        """A background task: the picture is checked and cut in a parse process."""
        async with self:
            self.avatar_busy, self.profile_errors = True, {}
        files, too_large = await receive_files(chunks, lambda _name: rules.AVATAR_MAX_BYTES)
        async with self:
            user, problem = await self._user_or_none()
        error = problem if user is None else ""
        card = None
        if user is not None:
            try:
                if too_large or not files:
                    profiles.check_avatar_size(max(too_large.values(), default=0))
                name, data = next(iter(files.items()))
                card = await profiles.set_avatar(user.id, name, data)
            except NeurocacheError as failed:
                error = str(failed)
        async with self:
            self.avatar_busy = False
            if card is not None and user is not None:
                self.mine = person_card(card, user.id)
            self.profile_errors = {"avatar": error} if error else {}

    @rx.event
    async def remove_avatar(self):
        user, problem = await self._user_or_none()
        if user is None:
            self.profile_errors = {"form": problem}
            return
        try:
            await asyncio.to_thread(profiles.remove_avatar, user.id)
        except NeurocacheError as error:
            self.profile_errors = {"avatar": str(error)}
            return
        await self._load_mine()
