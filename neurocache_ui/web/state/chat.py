"""Channel chat: the sidebar's channel list, the open channel's messages, sending.

What the page shows of a channel is split so that a new message sends little:
`latest` holds the newest few messages and is the only list that changes on a new
message; every LATEST_BLOCK messages it rolls into `recent`. `older` only changes
when the user loads older history. Bytes per new message therefore do not grow
with the channel's length (measured in bench/bench_delivery.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from neurocache_ui.services import auth, channels, messaging
from neurocache_ui.infra import bus, presence
from neurocache_ui.domain.errors import NeurocacheError, NotFound
from neurocache_ui.domain.events import (
    AgentStreamed,
    Event,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
    PresenceChanged,
    SessionsEnded,
    TeamChanged,
    TypingChanged,
)
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.live import watchers

log = logging.getLogger(__name__)

LATEST_BLOCK = 20
RECENT_CAP = 200
PAGE = 50
RECENT_CHANNELS = 5
SESSION_ENDED_ELSEWHERE = "You were logged out: your password changed or all sessions were ended. Log in again."

Row = dict[str, Any]


def to_row(view: MessageView) -> Row:
    return {
        "id": view.id,
        "user_id": view.user_id or 0,
        "author": view.author_name,
        "kind": view.author_kind,
        "content": view.content,
        "status": view.status,
        "created_at": view.created_at.isoformat(),
        "day": view.created_at.date().isoformat(),
        "edited": view.edited_at is not None,
        "show_day": False,
    }


def mark_days(rows: list[Row], previous_day: str = "") -> list[Row]:
    """Flag the first message of each (UTC) day so the page draws a separator."""
    for row in rows:
        row["show_day"] = row["day"] != previous_day
        previous_day = row["day"]
    return rows


def updated_rows(rows: list[Row], event: Event) -> list[Row]:
    """A message list after one live event; idempotent, so a repeated event is harmless."""
    if isinstance(event, MessageDeleted):
        return [r for r in rows if r["id"] != event.message.id]
    if not isinstance(event, MessageCreated | MessageUpdated):
        return rows
    row = to_row(event.message)
    if any(r["id"] == row["id"] for r in rows):
        return [row if r["id"] == row["id"] else r for r in rows]
    return rows + [row] if isinstance(event, MessageCreated) else rows


class ChatState(AuthState):
    channel_list: list[dict[str, Any]] = []
    channel_id: int = 0
    channel_slug: str = ""
    channel_name: str = ""
    channel_description: str = ""
    channel_goal: str = ""
    is_owner: bool = False
    not_found: bool = False
    older: list[Row] = []
    recent: list[Row] = []
    latest: list[Row] = []
    has_more: bool = False
    loading: bool = False
    loading_older: bool = False
    send_error: str = ""
    sending: bool = False
    editing_id: int = 0
    typing_names: list[str] = []
    online_names: list[str] = []
    dialog_error: str = ""
    dialog_open: str = ""
    # The last few opened channels, kept fresh by live events, so switching back is
    # instant. Backend-only (underscore): never sent to the browser.
    _channel_cache: dict[int, dict[str, Any]] = {}
    _cache_user: int = 0  # whose channels `_channel_cache` holds
    _client_token: str = ""

    @rx.var
    def empty_channel(self) -> bool:
        return not (self.older or self.recent or self.latest)

    @rx.var
    def typing_text(self) -> str:
        names = self.typing_names
        if not names:
            return ""
        return f"{', '.join(names[:3])} {'is' if len(names) == 1 else 'are'} typing…"

    # ---- helpers -------------------------------------------------------------

    def _url_slug(self) -> str:
        """The channel slug of the page this event came from (/channels/<slug>)."""
        parts = self.router.url.path.strip("/").split("/")
        return parts[1] if len(parts) == 2 and parts[0] == "channels" else ""

    def _token(self) -> str:
        return self.router.session.client_token or self._client_token

    async def _restore(self, token: str, user: auth.CurrentUser, slug: str) -> None:
        """Re-join after this tab's server state was lost, from what this worker
        remembers of it (state/live.py), so live events keep arriving."""
        self._client_token = token
        self._remember(user)
        if (channel := await self._member_channel(user, slug)) is not None:
            await self._join(user, channel)

    def _all_rows(self) -> list[Row]:
        return self.older + self.recent + self.latest

    def _show_rows(self, rows: list[Row]) -> None:
        rows = mark_days(rows)
        self.older = []
        self.recent = rows[:-LATEST_BLOCK] if len(rows) > LATEST_BLOCK else []
        self.latest = rows[-LATEST_BLOCK:]

    def _watch(self) -> None:
        ids = {c["id"] for c in self.channel_list} | set(self._channel_cache)
        watchers.watch(self._token(), ids, self.user_id)

    async def _user_or_login(self) -> auth.CurrentUser | None:
        """The user, or None with the reason shown where the page shows errors."""
        user, problem = await self._user_or_none()
        if user is None:
            self.send_error = problem
        return user

    async def _ensure_joined(self, user: auth.CurrentUser) -> bool:
        """The open channel, re-checked: the user must still be a member (they may
        have left or been removed in another tab). After a lost server state the tab
        still shows its channel: re-join it."""
        if self.channel_id:
            return await self._member_channel(user, self.channel_id) is not None
        if (slug := self._url_slug()) and (channel := await self._member_channel(user, slug)) is not None:
            await self._join(user, channel)
        return bool(self.channel_id)

    async def _member_channel(self, user: auth.CurrentUser, slug_or_id: str | int) -> channels.ChannelView | None:
        """The channel if `user` is a member; otherwise the page says "not found" and
        shows nothing of it."""
        try:
            return await asyncio.to_thread(channels.get_channel, slug_or_id, user.id)
        except NotFound:
            self._close_channel()
            self.not_found = True
        except NeurocacheError as error:
            self.send_error = str(error)
        self.loading = False
        return None

    def _close_channel(self) -> None:
        if self.channel_id:
            self._channel_cache = {k: v for k, v in self._channel_cache.items() if k != self.channel_id}
        self.channel_id, self.channel_slug, self.channel_name = 0, "", ""
        self.channel_description, self.channel_goal, self.is_owner = "", "", False
        self.older, self.recent, self.latest = [], [], []
        self.typing_names, self.online_names = [], []

    # ---- sidebar -------------------------------------------------------------

    async def _refresh_channel_list(self, user_id: int) -> None:
        summaries = await asyncio.to_thread(channels.list_channels, user_id)
        self.channel_list = [
            {"id": s.id, "slug": s.slug, "name": s.name, "unread": 0 if s.id == self.channel_id else s.unread}
            for s in summaries
        ]
        self._watch()

    @rx.event
    async def load_channels(self):
        """on_load of hub pages (after check_session): the sidebar's channels."""
        if user := await self._user_or_login():
            await self._refresh_channel_list(user.id)

    # ---- opening a channel -----------------------------------------------------

    @rx.event
    async def open_channel(self):
        """on_load of /channels/[slug]."""
        user = await self._user_or_login()
        if user is None:
            return
        self.send_error = ""
        self.editing_id = 0
        self.not_found = False
        self.loading = True
        channel = await self._member_channel(user, self._url_slug())
        if channel is None:
            return
        cached = self._channel_cache.get(channel.id) if self._cache_user == user.id else None
        if cached is not None:  # shown only now that membership is confirmed
            self._apply_channel(cached["meta"])
            self._show_rows(list(cached["rows"]))
            self.has_more = cached["has_more"]
            self.loading = False
        else:
            self.older, self.recent, self.latest = [], [], []
        yield
        await self._join(user, channel)

    async def _join(self, user: auth.CurrentUser, channel: channels.ChannelView) -> None:
        """Load a channel `user` is a member of and start receiving its live events.
        Also how a tab whose server state was lost (Redis restarted) gets it back."""
        try:
            views = await asyncio.to_thread(messaging.recent_messages, channel.id, PAGE, viewer_id=user.id)
        except NotFound:
            self._close_channel()
            self.loading = False
            self.not_found = True
            return
        except NeurocacheError as error:
            self.loading = False
            self.send_error = str(error)
            return
        meta = {
            "id": channel.id, "slug": channel.slug, "name": channel.name,
            "description": channel.description, "goal": channel.goal, "is_owner": channel.is_owner,
        }
        self._apply_channel(meta)
        watchers.seat(self._token(), user, channel.slug)
        self._show_rows([to_row(v) for v in views])
        self.has_more = len(views) >= PAGE
        self.loading = False
        self._remember_channel()
        await self._refresh_channel_list(user.id)
        await self._mark_read(user.id)
        await self._announce_presence()

    def _apply_channel(self, meta: dict[str, Any]) -> None:
        self.channel_id = meta["id"]
        self.channel_slug = meta["slug"]
        self.channel_name = meta["name"]
        self.channel_description = meta["description"]
        self.channel_goal = meta["goal"]
        self.is_owner = meta["is_owner"]

    def _remember_channel(self) -> None:
        """Keep this channel among the recently opened ones (LRU of RECENT_CHANNELS)."""
        cache = dict(self._channel_cache) if self._cache_user == self.user_id else {}
        self._cache_user = self.user_id
        cache.pop(self.channel_id, None)
        cache[self.channel_id] = {
            "slug": self.channel_slug,
            "meta": {
                "id": self.channel_id, "slug": self.channel_slug, "name": self.channel_name,
                "description": self.channel_description, "goal": self.channel_goal, "is_owner": self.is_owner,
            },
            "rows": (self.recent + self.latest)[-PAGE:],
            "has_more": self.has_more or len(self._all_rows()) > PAGE,
        }
        while len(cache) > RECENT_CHANNELS:
            cache.pop(next(iter(cache)))
        self._channel_cache = cache

    async def _mark_read(self, user_id: int) -> None:
        rows = self._all_rows()
        if rows:
            await asyncio.to_thread(channels.mark_read, self.channel_id, user_id, rows[-1]["id"])

    @rx.event
    async def load_older(self):
        user = await self._user_or_login()
        rows = self._all_rows()
        if user is None or not rows or self.loading_older:
            return
        self.loading_older = True
        yield
        first = rows[0]
        try:
            views = await asyncio.to_thread(
                messaging.older_messages, self.channel_id, before=first["id"], limit=PAGE, viewer_id=user.id
            )
        except NeurocacheError as error:
            self.loading_older = False
            self.send_error = str(error)
            return
        page = [to_row(v) for v in views]
        mark_days(page)
        if page and rows:
            first["show_day"] = first["day"] != page[-1]["day"]
        self.older = page + self.older
        self.has_more = len(views) >= PAGE
        self.loading_older = False

    # ---- sending, editing, deleting --------------------------------------------

    @rx.event
    async def send(self, form: dict[str, str]):
        content = form.get("content", "")
        user = await self._user_or_login()
        # post_message checks membership itself: no second query on the hot path.
        if user is None or not (self.channel_id or await self._ensure_joined(user)):
            return
        self.sending = True
        self.send_error = ""
        yield
        try:
            view = await asyncio.to_thread(messaging.post_message, self.channel_id, user_id=user.id, content=content)
        except NeurocacheError as error:
            # The text stays in the box: only a stored message clears it.
            self.sending = False
            self.send_error = str(error)
            return
        except Exception:
            log.exception("sending a message to channel %s failed", self.channel_id)
            self.sending = False
            self.send_error = "Could not send your message right now. It is still in the box; try again."
            return
        self.sending = False
        self._add(to_row(view))
        await (await self._team())._message_sent(view, user.id)  # agents get to work
        await asyncio.to_thread(presence.stop_typing, self.channel_id, user.id)
        yield rx.set_value("composer", "")

    def _add(self, row: Row) -> None:
        rows = self._all_rows()
        if any(r["id"] == row["id"] for r in rows[-LATEST_BLOCK * 2 :]):
            return  # already shown: our own send, or a repeated event
        row["show_day"] = not rows or rows[-1]["day"] != row["day"]
        latest = self.latest + [row]
        if len(latest) > LATEST_BLOCK:
            recent = self.recent + latest[:-1]
            if len(recent) > RECENT_CAP:
                # The page shows a bounded window: the oldest rows leave it (and any
                # loaded older pages, which would otherwise leave a gap) and come
                # back through "Load older messages".
                recent = recent[-RECENT_CAP:]
                self.older = []
                self.has_more = True
            self.recent = recent
            latest = latest[-1:]
        self.latest = latest

    def _replace(self, message_id: int, row: Row | None) -> None:
        """Edit (row) or delete (None) a message wherever it is shown."""
        for name in ("latest", "recent", "older"):
            rows: list[Row] = getattr(self, name)
            for index, existing in enumerate(rows):
                if existing["id"] == message_id:
                    if row is None:
                        updated = rows[:index] + rows[index + 1 :]
                    else:
                        row["show_day"] = existing["show_day"]
                        updated = rows[:index] + [row] + rows[index + 1 :]
                    setattr(self, name, updated)
                    return

    @rx.event
    def start_edit(self, message_id: int):
        self.editing_id = message_id
        self.send_error = ""

    @rx.event
    def cancel_edit(self):
        self.editing_id = 0

    @rx.event
    async def save_edit(self, form: dict[str, str]):
        user = await self._user_or_login()
        if user is None:
            return
        try:
            view = await asyncio.to_thread(
                messaging.edit_message, self.editing_id, user_id=user.id, content=form.get("content", "")
            )
        except NeurocacheError as error:
            self.send_error = str(error)
            return
        self._replace(view.id, to_row(view))
        self.editing_id = 0

    @rx.event
    async def delete_message(self, message_id: int):
        user = await self._user_or_login()
        if user is None:
            return
        try:
            await asyncio.to_thread(messaging.delete_message, message_id, user_id=user.id)
        except NeurocacheError as error:
            self.send_error = str(error)
            return
        self._replace(message_id, None)

    # ---- live events (called by state/live.py on this worker) ----------------

    async def _team(self):
        """The channel's agents and their streaming replies (state/team.py)."""
        from neurocache_ui.web.state.team import TeamState  # a substate of this one

        return await self.get_state(TeamState)

    async def _apply_event(self, channel_id: int, event: Event) -> None:
        if isinstance(event, SessionsEnded):
            if event.user_id == self.user_id and await self._user() is None:
                await self._reset_tab()
                (await self.get_state(AuthState)).ended_notice = SESSION_ENDED_ELSEWHERE
            return
        message = getattr(event, "message", None)
        if isinstance(event, AgentStreamed | TeamChanged) or (message is not None and message.author_kind == "agent"):
            if await (await self._team())._on_event(channel_id, event):
                return
        if channel_id != self.channel_id:
            if isinstance(event, MessageCreated) and event.message.user_id != self.user_id:
                self.channel_list = [
                    {**c, "unread": c["unread"] + 1} if c["id"] == channel_id else c for c in self.channel_list
                ]
            if (cached := self._channel_cache.get(channel_id)) is not None:
                rows = updated_rows(cached["rows"], event)[-PAGE:]
                self._channel_cache = {**self._channel_cache, channel_id: {**cached, "rows": rows}}
            return
        if isinstance(event, MessageCreated):
            self._add(to_row(event.message))
            if event.message.user_id is not None:
                await self._refresh_typing()
        elif isinstance(event, MessageUpdated):
            self._replace(event.message.id, to_row(event.message))
        elif isinstance(event, MessageDeleted):
            self._replace(event.message.id, None)
        elif isinstance(event, TypingChanged):
            await self._refresh_typing()
        elif isinstance(event, PresenceChanged):
            self.online_names = event.names

    async def _resync(self) -> None:
        """After the bus lost events (Redis reconnect): reload the open channel."""
        if not self.channel_id:
            return
        views = await asyncio.to_thread(messaging.recent_messages, self.channel_id, PAGE, viewer_id=self.user_id)
        self._show_rows([to_row(v) for v in views])
        self._channel_cache = {}

    async def _refresh_typing(self) -> None:
        self.typing_names = await asyncio.to_thread(presence.typing, self.channel_id, self.user_id)

    # ---- presence and typing ----------------------------------------------------

    @rx.event
    async def heartbeat(self, _value: Any = None):
        """Every ~20 s from the open channel page: stay 'online', and re-join the
        channel if this tab's state was lost (e.g. Redis restarted)."""
        user = await self._user_or_login()
        if user is None or not await self._ensure_joined(user):
            return
        self._watch()
        await self._announce_presence()
        await self._refresh_typing()

    async def _announce_presence(self) -> None:
        """Mark this user online and tell the other viewers if the roster changed."""
        await asyncio.to_thread(presence.heartbeat, self.channel_id, self.user_id, self.user_name)
        names = await asyncio.to_thread(presence.online, self.channel_id)
        if names != self.online_names:
            self.online_names = names
            await asyncio.to_thread(bus.publish, self.channel_id, PresenceChanged(names=names))

    @rx.event
    async def typing(self, _value: str):
        """on_change of the composer (throttled): tell the channel this user is typing."""
        user = await self._user()
        if user is None or not self.channel_id or not await self._ensure_joined(user):
            return
        await asyncio.to_thread(presence.set_typing, self.channel_id, user.id, user.name)
        await asyncio.to_thread(bus.publish, self.channel_id, TypingChanged())

    # ---- channel management -------------------------------------------------------

    @rx.event
    def toggle_dialog(self, name: str, is_open: bool):
        """One dialog at a time; opening or closing clears the last error."""
        self.dialog_open = name if is_open else ""
        self.dialog_error = ""

    async def _manage(self, action: Callable[[int], Any]) -> tuple[bool, Any]:
        """Run a channel change as the signed-in user; errors go to the open dialog."""
        user = await self._user_or_login()
        if user is None:
            self.dialog_error = "Your session has ended. Log in again."
            return False, None
        try:
            return True, await asyncio.to_thread(action, user.id)
        except NeurocacheError as error:
            self.dialog_error = str(error)
            return False, None

    @rx.event
    async def create_channel(self, form: dict[str, str]):
        def create(user_id: int) -> channels.ChannelView:
            return channels.create_channel(
                user_id, name=form.get("name", ""), description=form.get("description", ""), goal=form.get("goal", "")
            )

        ok, channel = await self._manage(create)
        if ok:
            self.dialog_open = ""
            return rx.redirect(f"/channels/{channel.slug}")

    @rx.event
    async def invite(self, form: dict[str, str]):
        email = form.get("email", "").strip()
        channel_id = self.channel_id
        ok, _ = await self._manage(lambda user_id: channels.invite(channel_id, user_id, email))
        if ok:
            self.dialog_open = ""
            return rx.toast.success(f"Invited {email}")

    @rx.event
    async def leave(self):
        channel_id = self.channel_id
        ok, _ = await self._manage(lambda user_id: channels.leave(channel_id, user_id))
        if not ok:
            return rx.toast.error(self.dialog_error)
        self._channel_cache.pop(channel_id, None)
        return rx.redirect("/channels")

    @rx.event
    async def rename_channel(self, form: dict[str, str]):
        channel_id, name = self.channel_id, form.get("name", "")
        ok, channel = await self._manage(lambda user_id: channels.rename(channel_id, user_id, name))
        if ok:
            self.dialog_open = ""
            self.channel_name = channel.name
            self.channel_list = [{**c, "name": channel.name} if c["id"] == channel_id else c for c in self.channel_list]

    @rx.event
    async def archive_channel(self):
        channel_id = self.channel_id
        ok, _ = await self._manage(lambda user_id: channels.archive(channel_id, user_id))
        if not ok:
            return rx.toast.error(self.dialog_error)
        self._channel_cache.pop(channel_id, None)
        return [rx.toast.success("Channel archived"), rx.redirect("/channels")]

    @rx.event
    async def delete_channel(self):
        channel_id = self.channel_id
        ok, _ = await self._manage(lambda user_id: channels.delete_channel(channel_id, user_id))
        if not ok:
            return rx.toast.error(self.dialog_error)
        self._channel_cache.pop(channel_id, None)
        return [rx.toast.success("Channel deleted"), rx.redirect("/channels")]
