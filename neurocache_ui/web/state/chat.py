"""The sidebar's channels and the open channel: its messages, sending, editing,
presence (state/presence.py) and typing, and what live events do to them
(state/live_events.py). The rules for the message rows and for events live in
web/realtime/ (tested without a browser); this class keeps what the page shows and
assigns only what changed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

import reflex as rx

from neurocache_ui.domain import notify_rules
from neurocache_ui.domain.errors import NeurocacheError, NotFound
from neurocache_ui.services import auth, channels, composer, messaging, onboarding
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.web.realtime import dispatch, rows
from neurocache_ui.web.realtime.rows import PAGE, Window, to_row
from neurocache_ui.web.realtime.watchers import watchers
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.live_events import LiveEventsMixin
from neurocache_ui.web.state.message_edits import MessageEditsMixin
from neurocache_ui.web.state.notify_events import NotifyEventsMixin
from neurocache_ui.web.state.presence import PresenceMixin
from neurocache_ui.web.state.search import SearchState

log = logging.getLogger(__name__)

_META = ("id", "slug", "name", "description", "goal", "is_owner", "can_moderate", "kind", "is_member", "visibility")
COMPOSER_ID = "composer"


class ChatState(LiveEventsMixin, NotifyEventsMixin, PresenceMixin, MessageEditsMixin, AuthState):
    channel_list: list[dict[str, Any]] = []
    open_steps: int = 0  # first-run steps left (services/onboarding.py): the sidebar's "Get started" link
    channel_id: int = 0
    channel_slug: str = ""
    channel_name: str = ""
    channel_description: str = ""
    channel_goal: str = ""
    is_owner: bool = False
    is_dm: bool = False  # a direct message: no channel admin (domain/dm_rules.py)
    is_member: bool = True  # False: an open channel read before joining (a "Join channel" bar instead of the composer)
    channel_visibility: str = "private"
    can_moderate: bool = False  # the owner or a moderator (services/roles.py): rename, archive, remove, delete others'
    not_found: bool = False
    focus_id: int = 0  # the message a link opened the channel at (?m=<id>), highlighted
    first_unread_id: int = 0  # where "New messages" starts: the first message unread when the channel was opened
    _unread_for: int = 0  # the channel `first_unread_id` was found for (a second join of the same visit keeps it)
    older: list[rows.Row] = []
    recent: list[rows.Row] = []
    latest: list[rows.Row] = []
    has_more: bool = False
    has_newer: bool = False  # opened at a message (?m=): the newest messages come with "Jump to newest"
    loading: bool = False
    loading_older: bool = False
    send_error: str = ""
    sending: bool = False
    dialog_error: str = ""
    dialog_open: str = ""
    pending_images: list[dict[str, Any]] = []  # uploaded, sent with the next message (state/attachments.py)
    pending_media: list[dict[str, Any]] = []  # video and audio, likewise
    # The last few opened channels, kept fresh by live events, so switching back is
    # instant. Backend-only (underscore): never sent to the browser.
    _channel_cache: dict[int, dict[str, Any]] = {}
    _cache_user: int = 0  # whose channels `_channel_cache` holds
    _client_token: str = ""
    _unread_at_open: int = 0  # what was unread when this visit opened the channel ("Summarize" reads them)

    @rx.var
    def waiting_dms(self) -> int:
        """Unread messages in DMs not muted: with the unseen mentions, the tab title's count."""
        return notify_rules.waiting(self.channel_list, mentions=0)

    @rx.var
    def empty_channel(self) -> bool:
        return not (self.older or self.recent or self.latest)

    @rx.var
    def has_direct_messages(self) -> bool:
        """Whether the sidebar's "Direct messages" group has rows, or says it has none."""
        return any(c.get("kind") == "dm" for c in self.channel_list)

    # ---- helpers -------------------------------------------------------------

    def _url_slug(self) -> str:
        """The channel slug of the page this event came from (/channels/<slug>)."""
        parts = self.router.url.path.strip("/").split("/")
        return parts[1] if len(parts) == 2 and parts[0] == "channels" else ""

    def _token(self) -> str:
        return self.router.session.client_token or self._client_token

    def _window(self) -> Window:
        return Window(self.older, self.recent, self.latest, self.has_more, self.has_newer)

    def _show(self, window: Window, before: Window | None = None) -> None:
        """Assign what differs from `before` (all without): every assigned list is resent."""
        for name in ("older", "recent", "latest"):
            if before is None or getattr(window, name) is not getattr(before, name):
                setattr(self, name, getattr(window, name))
        if before is None or window.has_more != before.has_more:
            self.has_more = window.has_more
        if before is None or window.has_newer != before.has_newer:
            self.has_newer = window.has_newer

    def _change(self, change: Callable[[Window], Window]) -> None:
        before = self._window()
        self._show(change(before), before)

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
        """The channel if `user` is a member; otherwise the page says "not found", showing nothing."""
        try:
            return await asyncio.to_thread(channels.get_channel, slug_or_id, user.id)
        except NotFound:
            self._close_channel()
            self.not_found = True
        except NeurocacheError as error:
            self.send_error = str(error)
        self.loading = False
        return None

    def _forget_channel(self, channel_id: int) -> None:
        self._channel_cache = dispatch.without_cached(self._channel_cache, channel_id)

    def _close_channel(self) -> None:
        self._forget_channel(self.channel_id)
        self.first_unread_id, self._unread_for = 0, 0
        self.channel_id, self.channel_slug, self.channel_name = 0, "", ""
        self.channel_description, self.channel_goal, self.is_owner, self.is_dm = "", "", False, False
        self.can_moderate = False
        self.older, self.recent, self.latest = [], [], []
        self.typists, self.online_names = [], []

    # ---- sidebar -------------------------------------------------------------

    async def _refresh_channel_list(self, user_id: int) -> None:
        summaries = await asyncio.to_thread(channels.list_channels, user_id)
        self.channel_list = dispatch.sidebar_of(summaries, self.channel_id)
        self._watch()

    @rx.event
    async def load_channels(self):
        """on_load of hub pages (after check_session): the sidebar's channels. A dialog
        or the search results left open on the page before do not follow to this one."""
        self.dialog_open = ""
        search = await self.get_state(SearchState)
        if search.searched or search.query:
            search._close()
        if user := await self._user_or_login():
            if self.channel_id and self._url_slug() != self.channel_slug:  # left it: read up to here
                await self._read_on_leaving(user.id)
                if not self._url_slug():  # off channel pages none is open: its news counts as unread
                    self._close_channel()
                    watchers.unseat(self._token())
            await self._refresh_channel_list(user.id)
            await self._load_quiet(user.id)
            try:
                self.open_steps = (await asyncio.to_thread(onboarding.progress, user.id)).open_steps
            except NeurocacheError as error:  # the link is a convenience: keep the page working
                log.info("first-run progress of user %s not loaded: %s", user.id, error)

    async def _read_on_leaving(self, user_id: int) -> None:
        """Move the leaver's read marker, if they have one: someone reading an open
        channel without joining has none, and it may have turned private meanwhile
        (NotFound, as for any non-member), so neither is asked to move."""
        if self.is_member:
            try:
                await asyncio.to_thread(channels.mark_read, self.channel_id, user_id)
            except NotFound:  # removed a moment ago: nothing of theirs to move
                log.info("user %s left channel %s, no longer a member", user_id, self.channel_id)

    # ---- opening a channel -----------------------------------------------------

    @rx.event
    async def open_channel(self):
        """on_load of /channels/[slug]."""
        user = await self._user_or_login()
        if user is None:
            return
        self.send_error, self.editing_id, self.not_found, self.loading = "", 0, False, True
        channel = await self._member_channel(user, self._url_slug())
        if channel is None:
            return
        cached = self._channel_cache.get(channel.id) if self._cache_user == user.id else None
        if cached is not None:  # shown only now that membership is confirmed
            self._apply_channel(cached["meta"])
            self._show(rows.shown(list(cached["rows"]), cached["has_more"]))
            self.loading = False
        else:
            self.older, self.recent, self.latest = [], [], []
        yield
        await self._join(user, channel)

    async def _join(self, user: auth.CurrentUser, channel: channels.ChannelView) -> None:
        """Load a channel `user` is a member of and start receiving its live events.
        Also how a tab whose server state was lost (Redis restarted) gets it back."""
        focus = self.router.url.query_parameters.get("m", "")
        self.focus_id = int(focus) if focus.isdigit() and len(focus) < 19 else 0
        try:
            if self.focus_id:
                views, older, newer = await asyncio.to_thread(
                    messaging.messages_around, channel.id, self.focus_id, viewer_id=user.id
                )
            else:
                views = await asyncio.to_thread(messaging.recent_messages, channel.id, PAGE, viewer_id=user.id)
                older, newer = len(views) >= PAGE, False
        except NotFound:
            self._close_channel()
            self.loading = False
            self.not_found = True
            return
        except NeurocacheError as error:
            self.loading = False
            self.send_error = str(error)
            return
        meta = {key: getattr(channel, key) for key in _META}
        self._apply_channel(meta)
        watchers.seat(self._token(), user, channel.slug)
        self._show(rows.shown([to_row(v) for v in views], older, newer))
        if self._unread_for != channel.id:  # the first join of this visit: later ones see the marker it moved
            self.first_unread_id = rows.first_unread(self._window().rows, channel.last_read_id, user.id)
            self._unread_at_open = await asyncio.to_thread(channels.unread_after, channel.id, user.id, channel.last_read_id)
            self._unread_for = channel.id
        self.loading = False
        if not newer:  # a window short of the newest messages is not kept fresh by live events
            self._remember_channel(meta)
        await self._refresh_channel_list(user.id)
        await asyncio.to_thread(channels.mark_read, self.channel_id, user.id)  # thread replies too
        await self._announce_presence()

    async def _restore(self, token: str, user: auth.CurrentUser, slug: str) -> None:
        """Re-join after this tab's server state was lost, from what this worker
        remembers of it (its seat in realtime/watchers.py), so live events keep arriving."""
        self._client_token = token
        self._remember(user)
        if (channel := await self._member_channel(user, slug)) is not None:
            await self._join(user, channel)

    def _apply_channel(self, meta: Mapping[str, Any]) -> None:
        self.channel_id, self.channel_slug, self.channel_name = meta["id"], meta["slug"], meta["name"]
        self.channel_description, self.channel_goal, self.is_owner = meta["description"], meta["goal"], meta["is_owner"]
        self.is_dm = meta.get("kind") == "dm"
        self.is_member, self.channel_visibility = meta.get("is_member", True), meta.get("visibility", "private")
        self.can_moderate = meta.get("can_moderate", False)
        self.pending_images = [p for p in self.pending_images if p["channel_id"] == self.channel_id]
        self.pending_media = [p for p in self.pending_media if p["channel_id"] == self.channel_id]

    def _remember_channel(self, meta: dict[str, Any]) -> None:
        """Keep this channel among the recently opened ones."""
        cache = self._channel_cache if self._cache_user == self.user_id else {}
        self._cache_user = self.user_id
        shown_rows, has_more = rows.snapshot(self._window())
        entry = {"meta": meta, "rows": shown_rows, "has_more": has_more}
        self._channel_cache = rows.remembered(cache, self.channel_id, entry)

    @rx.event
    async def load_older(self):
        user = await self._user_or_login()
        shown = self._window().rows
        if user is None or not shown or self.loading_older:
            return
        self.loading_older = True
        yield
        try:
            views = await asyncio.to_thread(
                messaging.older_messages, self.channel_id, before=shown[0]["id"], limit=PAGE, viewer_id=user.id
            )
        except NeurocacheError as error:
            self.loading_older = False
            self.send_error = str(error)
            return
        self._change(lambda window: rows.with_older(window, [to_row(v) for v in views], len(views) >= PAGE))
        self.loading_older = False

    # ---- sending, editing, deleting --------------------------------------------

    @rx.event
    async def send(self, form: dict[str, str]):
        content = form.get("content", "")
        user = await self._user_or_login()
        # post_message checks membership itself: no second query on the hot path.
        if user is None or not (self.channel_id or await self._ensure_joined(user)):
            return
        self.sending, self.send_error = True, ""
        yield
        try:
            ids = [int(p["id"]) for p in self.pending_images if p["channel_id"] == self.channel_id]
            media = [int(p["id"]) for p in self.pending_media if p["channel_id"] == self.channel_id]
            view, is_message = await composer.send(user.id, self.channel_id, content, ids, media)
        except NeurocacheError as error:
            # The box emptied as it was sent (so the next message can be typed at once): a
            # refused one comes back into it, so nothing typed is lost.
            self.sending, self.send_error = False, str(error)
            yield rx.set_value(COMPOSER_ID, content)
            return
        except Exception:
            log.exception("sending a message to channel %s failed", self.channel_id)
            self.sending = False
            self.send_error = "Could not send your message right now. It is back in the box; try again."
            yield rx.set_value(COMPOSER_ID, content)
            return
        self.sending = False
        self._change(lambda window: rows.added(window, to_row(view)))
        if is_message:  # not a command (composer.py): the channel's agents get to work
            self.pending_images, self.pending_media = [], []
            runner.trigger(view, triggered_by_user_id=user.id)


    async def _load_newest(self, user_id: int) -> None:
        views = await asyncio.to_thread(messaging.recent_messages, self.channel_id, PAGE, viewer_id=user_id)
        self._show(rows.shown([to_row(v) for v in views], len(views) >= PAGE))

    @rx.event
    async def jump_to_newest(self):
        """"Jump to newest messages" under a channel opened at an older message."""
        user = await self._user_or_login()
        if user is None or not self.channel_id:
            return
        try:
            await self._load_newest(user.id)
        except NeurocacheError as error:
            self.send_error = str(error)
            return
        self.focus_id = 0  # the log starts over at the bottom (components/follow_log.py)

