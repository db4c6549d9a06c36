"""Browser notifications from the live event path, mixed into ChatState (whose
sidebar holds each channel's kind, level and mute): of a frame's new messages, those
that notify this person (domain/notify_rules.notifies: DMs, mentions, replies in
their threads, their levels, mute and quiet hours) go to the page's
`window.__ncNotify` (web/components/notifications.jsx), which shows them only while
the tab is hidden and the person allowed it. An agent's reply notifies when it is
finished (its placeholder is empty). Nothing is queried for a frame without such a
message; a thread reply asks the database once whether they are in it."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain import notify_rules
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.events import Event, MessageCreated, MessageUpdated
from neurocache_ui.domain.mentions import names_person
from neurocache_ui.services import notify_settings

log = logging.getLogger(__name__)
BODY_CHARS = 140
STREAMING = "streaming"
PENDING_KEPT = 20  # agents' replies still being written that this tab remembers


class NotifyEventsMixin(rx.State, mixin=True):
    _quiet: list[str] = []  # [start, end, time zone] of the person's quiet hours; [] none (read with the sidebar)
    _replies_pending: list[int] = []  # agents' replies that started streaming here: their end notifies

    async def _load_quiet(self, user_id: int) -> None:
        try:
            found = await asyncio.to_thread(notify_settings.person_settings, user_id)
        except NeurocacheError as error:  # notifications are a convenience: the page keeps working
            log.info("notification settings of user %s not loaded: %s", user_id, error)
            return
        self._quiet = [found.quiet_start, found.quiet_end, found.timezone] if found.quiet_start else []

    def _quiet_hours(self) -> notify_rules.QuietHours | None:
        try:
            return notify_rules.quiet_hours(*self._quiet) if self._quiet else None
        except NeurocacheError:  # stored by an older rule: no quiet hours rather than no page
            return None

    async def _alerts(self, items: list[tuple[int, Event]]) -> list[Any]:
        """The page call that shows this frame's notifications, if any."""
        found: list[dict[str, Any]] = []
        sidebar: dict[int, dict[str, Any]] = {}
        for channel_id, event in items:
            if not isinstance(event, MessageCreated | MessageUpdated) or event.message.user_id == self.user_id:
                continue
            message = event.message
            if message.status == STREAMING:  # an agent's reply starts empty: it notifies once it is written
                if isinstance(event, MessageCreated) and message.id not in self._replies_pending:
                    self._replies_pending = [*self._replies_pending[-(PENDING_KEPT - 1):], message.id]
                continue
            if isinstance(event, MessageUpdated):  # only the end of a reply this tab saw start; not edits, reactions
                if message.id not in self._replies_pending:
                    continue
                self._replies_pending = [i for i in self._replies_pending if i != message.id]
            sidebar = sidebar or {entry["id"]: entry for entry in self.channel_list}  # type: ignore[attr-defined]
            if (entry := sidebar.get(channel_id)) is None:
                continue
            membership = notify_rules.Membership(entry["kind"], entry.get("notify") or None, bool(entry.get("muted")))
            mentioned = names_person(message.content, self.user_name)  # type: ignore[attr-defined]
            in_thread = False
            if (message.thread_id and not mentioned and not membership.muted
                    and notify_rules.level_of(membership.notify, membership.kind) == notify_rules.MENTIONS):
                try:
                    in_thread = await asyncio.to_thread(notify_settings.in_thread, self.user_id, message.thread_id)  # type: ignore[attr-defined]
                except NeurocacheError:
                    in_thread = False
            if notify_rules.notifies(membership, mentioned=mentioned, in_my_thread=in_thread, own=False,
                                     quiet=self._quiet_hours(), now=message.created_at):
                where = entry["name"] if entry["kind"] == "dm" else f"#{entry['name']}"
                text = message.content.strip() or "sent an attachment"
                found.append({
                    "id": message.id, "title": where if where == message.author_name else f"{message.author_name} in {where}",
                    "body": text[:BODY_CHARS] + ("…" if len(text) > BODY_CHARS else ""),
                    "href": f"/channels/{entry['slug']}?m={message.id}",
                })
        if not found:
            return []
        return [rx.call_script(f"window.__ncNotify && window.__ncNotify({json.dumps(found)})")]
