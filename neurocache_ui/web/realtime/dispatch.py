"""Which tabs on this worker get a bus event, and what it changes in a tab that
does not have its channel open (sidebar unread counts, cached channels) or in
the replies streaming into the open one. Pure functions: an unchanged value
comes back as the same object, so states assign (and resend) only changes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.events import (
    AgentStepped,
    AgentStreamed,
    BusReconnected,
    ChannelHidden,
    Event,
    MembershipChanged,
    MessageCreated,
    MessageEvent,
    MessageUpdated,
    PresenceChanged,
    ProfileChanged,
    ReadMoved,
    SessionsEnded,
    TypingChanged,
)
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.channels import ChannelSummary
from neurocache_ui.web.realtime.rows import PAGE, Window, after_event, updated_rows
from neurocache_ui.web.realtime.watchers import Watchers

SidebarEntry = dict[str, Any]
TypingEntry = dict[str, Any]
"""{"user_id", "name", "thread" (0: the channel), "at" (when the last notice came)}."""
TYPING_KEPT = 10.0
"""Seconds an entry stays after its person's last notice; the page hides it after 5
(web/components/typing_line.jsx), so nobody lingers when typing stops unsent."""


def names_text(names: list[str], verb: str) -> str:
    """Who is doing what, in a line under the composer; at most three names."""
    if not names:
        return ""
    return f"{', '.join(names[:3])} {'is' if len(names) == 1 else 'are'} {verb}…"


def recipients(watchers: Watchers, channel_id: int, event: Event) -> list[str]:
    """The tabs that need `event`: a reconnect concerns every tab; ended sessions,
    a moved read marker and membership changes their users' tabs; a streaming
    reply (and its steps) only tabs showing its channel; anything else every tab
    watching the channel."""
    if isinstance(event, BusReconnected | ProfileChanged):  # a profile: any tab may show its card
        return watchers.all_tokens()
    if isinstance(event, SessionsEnded | ReadMoved):
        return watchers.tabs_of(event.user_id)
    if isinstance(event, MembershipChanged):
        return [token for user_id in event.user_ids for token in watchers.tabs_of(user_id)]
    tokens = watchers.tokens(channel_id)
    if isinstance(event, AgentStreamed | AgentStepped):
        return [token for token in tokens if watchers.sees(token, channel_id)]
    return tokens


def sidebar_of(summaries: list[ChannelSummary], open_channel: int) -> list[SidebarEntry]:
    """The sidebar from the database's counts; the open channel shows nothing unread."""
    return [
        {"id": s.id, "slug": s.slug, "name": s.name, "unread": 0 if s.id == open_channel else s.unread, "newest": s.newest,
         "kind": s.kind, "online": s.online, "peer": s.peer, "muted": s.muted, "notify": s.notify}
        for s in summaries
    ]


def with_unread(sidebar: list[SidebarEntry], channel_id: int, event: Event, viewer_id: int) -> list[SidebarEntry]:
    """The sidebar after an event in a channel the tab does not have open: a new
    message from someone else (a person or an agent) is one more unread, unless the
    sidebar's last load already counted it (its event arrived after that query)."""
    if not isinstance(event, MessageCreated) or event.message.user_id == viewer_id:
        return sidebar
    message_id = event.message.id
    if not any(entry["id"] == channel_id and message_id > entry["newest"] for entry in sidebar):
        return sidebar
    return [
        {**entry, "unread": entry["unread"] + 1, "newest": message_id} if entry["id"] == channel_id else entry
        for entry in sidebar
    ]


def read_in(sidebar: list[SidebarEntry], channel_id: int) -> list[SidebarEntry]:
    """The sidebar after the viewer read `channel_id` elsewhere: nothing unread there."""
    if not any(entry["id"] == channel_id and entry["unread"] for entry in sidebar):
        return sidebar
    return [{**entry, "unread": 0} if entry["id"] == channel_id else entry for entry in sidebar]


def with_cached(cache: dict[int, dict[str, Any]], channel_id: int, event: Event) -> dict[int, dict[str, Any]]:
    """The recently opened channels after an event, so switching back shows it."""
    cached = cache.get(channel_id)
    if cached is None:
        return cache
    before = cached["rows"]
    rows = updated_rows(before, event)
    if rows is before:
        return cache
    return {**cache, channel_id: {**cached, "rows": rows[-PAGE:]}}


def hidden_notice(name: str) -> str:
    """What a reader who had not joined is told as the channel they read turns private."""
    return f"#{name} is now private: only its members can read it."


def without_cached(cache: dict[int, dict[str, Any]], channel_id: int) -> dict[int, dict[str, Any]]:
    """The recently opened channels without `channel_id` (the same object if it was not there)."""
    return {k: v for k, v in cache.items() if k != channel_id} if channel_id in cache else cache


def typing_after(typing: list[TypingEntry], event: Event, viewer_id: int, now: float) -> list[TypingEntry]:
    """Who is typing where after an event: a notice puts its person's entry (with
    where they type) last, the viewer's own excepted; their message arriving, in
    the channel or a thread, removes it at once."""
    if isinstance(event, TypingChanged) and event.user_id and event.user_id != viewer_id:
        kept = [e for e in typing if e["user_id"] != event.user_id and now - e["at"] < TYPING_KEPT]
        return [*kept, {"user_id": event.user_id, "name": event.name, "thread": event.thread_id, "at": round(now, 3)}]
    if isinstance(event, MessageCreated) and event.message.user_id is not None:
        author = event.message.user_id
        if any(e["user_id"] == author for e in typing):
            return [e for e in typing if e["user_id"] != author]
    return typing


def ends_stream(event: MessageEvent) -> bool:
    """Whether the event carries an agent reply's final text (nothing more streams)."""
    return event.message.author_kind == "agent" and event.message.status != runner.STREAMING


def replying_after(replying: dict[str, str], event: Event) -> dict[str, str]:
    """Agents' replies being written in the open channel (message id -> agent
    name) after an event; their text goes to the page outside the state
    (realtime/streams.py)."""
    if not isinstance(event, MessageCreated | MessageUpdated) or event.message.author_kind != "agent":
        return replying
    key = str(event.message.id)
    if event.message.status == runner.STREAMING:
        return replying if key in replying else {**replying, key: event.message.author_name}
    return {k: v for k, v in replying.items() if k != key} if key in replying else replying


def steps_after(replying: dict[str, str], steps: dict[str, str], event: Event) -> dict[str, str]:
    """What each reply in the open channel is doing (message id -> "Searching the
    web for …"): set by its steps while it is written (empty text clears), gone
    once its final text arrives."""
    if isinstance(event, AgentStepped):
        key = str(event.message_id)
        if key not in replying or steps.get(key, "") == event.text:
            return steps
        if event.text:
            return {**steps, key: event.text}
        return {k: v for k, v in steps.items() if k != key}
    if isinstance(event, MessageCreated | MessageUpdated) and event.message.status != runner.STREAMING:
        key = str(event.message.id)
        if key in steps:
            return {k: v for k, v in steps.items() if k != key}
    return steps


@dataclass(frozen=True)
class Frame:
    """What one frame of events changes in a tab; unchanged parts are the same objects."""

    window: Window
    sidebar: list[SidebarEntry]
    cache: dict[int, dict[str, Any]]
    typing: list[TypingEntry]
    online_names: list[str] | None  # None: unchanged
    resync: bool  # events were lost: reload the open channel
    sessions_ended: bool  # the viewer's sessions ended somewhere: re-check this tab's
    notices: list[str]  # the viewer joined or left channels: reload the sidebar, tell them these
    left_open: bool  # ...and the open channel is closed to them (left, deleted, made private)
    hidden: bool = False  # channels the viewer read without joining became private: watch what is left
    made_private: bool = False  # the open channel, of which the viewer is a member, became private


def frame_after(
    window: Window,
    sidebar: list[SidebarEntry],
    cache: dict[int, dict[str, Any]],
    typing: list[TypingEntry],
    *,
    open_channel: int,
    viewer_id: int,
    items: list[tuple[int, Event]],
    now: float | None = None,
) -> Frame:
    """A tab after a frame of events in order: its open channel's rows, its
    sidebar and its cached channels each change once, however many events came.
    A channel made private that the viewer is not a member of is closed if open and
    forgotten, and its events after that (in this frame too) change nothing."""
    online, resync, ended, notices, left_open = None, False, False, [], False
    hidden: set[int] = set()
    made_private = False
    now = time.time() if now is None else now
    for channel_id, event in items:
        if channel_id in hidden:
            continue
        if isinstance(event, ChannelHidden):
            if viewer_id in event.member_ids:
                made_private = made_private or channel_id == open_channel
                continue
            hidden.add(channel_id)
            cache = without_cached(cache, channel_id)
            if channel_id == open_channel:
                notices.append(hidden_notice(event.name))
                left_open = True
        elif isinstance(event, BusReconnected):
            resync = True
        elif isinstance(event, SessionsEnded):
            ended = ended or event.user_id == viewer_id
        elif isinstance(event, ReadMoved):
            sidebar = read_in(sidebar, channel_id) if event.user_id == viewer_id else sidebar
        elif isinstance(event, MembershipChanged):
            if viewer_id in event.user_ids:
                notices.append(event.notice)
                left_open = left_open or (event.closed and channel_id == open_channel)
        elif channel_id != open_channel:
            sidebar = with_unread(sidebar, channel_id, event, viewer_id)
            cache = with_cached(cache, channel_id, event)
        else:
            window = after_event(window, event)
            online = event.names if isinstance(event, PresenceChanged) else online
            typing = typing_after(typing, event, viewer_id, now)
    return Frame(window, sidebar, cache, typing, online, resync, ended, notices, left_open, bool(hidden), made_private)
