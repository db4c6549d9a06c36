"""Which tabs on this worker get a bus event, and what it changes in a tab that
does not have its channel open (sidebar unread counts, cached channels) or in
the replies streaming into the open one. Pure functions: an unchanged value
comes back as the same object, so states assign (and resend) only changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.events import (
    AgentStepped,
    AgentStreamed,
    BusReconnected,
    Event,
    MessageCreated,
    MessageEvent,
    MessageUpdated,
    PresenceChanged,
    SessionsEnded,
    TypingChanged,
)
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.web.realtime.rows import PAGE, Window, after_event, updated_rows
from neurocache_ui.web.realtime.watchers import Watchers

SidebarEntry = dict[str, Any]


def names_text(names: list[str], verb: str) -> str:
    """Who is doing what, in a line under the composer; at most three names."""
    if not names:
        return ""
    return f"{', '.join(names[:3])} {'is' if len(names) == 1 else 'are'} {verb}…"


def recipients(watchers: Watchers, channel_id: int, event: Event) -> list[str]:
    """The tabs that need `event`: a reconnect concerns every tab, ended sessions
    their user's tabs, a streaming reply (and its steps) only tabs showing its channel, anything
    else every tab watching the channel."""
    if isinstance(event, BusReconnected):
        return watchers.all_tokens()
    if isinstance(event, SessionsEnded):
        return watchers.tabs_of(event.user_id)
    tokens = watchers.tokens(channel_id)
    if isinstance(event, AgentStreamed | AgentStepped):
        return [token for token in tokens if watchers.sees(token, channel_id)]
    return tokens


def with_unread(sidebar: list[SidebarEntry], channel_id: int, event: Event, viewer_id: int) -> list[SidebarEntry]:
    """The sidebar after an event in a channel the tab does not have open: a new
    message from someone else (a person or an agent) is one more unread."""
    if not isinstance(event, MessageCreated) or event.message.user_id == viewer_id:
        return sidebar
    if not any(entry["id"] == channel_id for entry in sidebar):
        return sidebar
    return [{**entry, "unread": entry["unread"] + 1} if entry["id"] == channel_id else entry for entry in sidebar]


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


def typing_after(typing: list[str], event: Event) -> list[str]:
    """Who is typing after a person's message arrives: they stopped (their name goes
    at once, without reading the roster before the message is shown)."""
    if not isinstance(event, MessageCreated) or event.message.user_id is None or event.message.author_name not in typing:
        return typing
    return [name for name in typing if name != event.message.author_name]


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
    typing: list[str]
    online_names: list[str] | None  # None: unchanged
    resync: bool  # events were lost: reload the open channel
    refresh_typing: bool  # someone started or stopped typing: re-read the roster
    sessions_ended: bool  # the viewer's sessions ended somewhere: re-check this tab's


def frame_after(
    window: Window,
    sidebar: list[SidebarEntry],
    cache: dict[int, dict[str, Any]],
    typing: list[str],
    *,
    open_channel: int,
    viewer_id: int,
    items: list[tuple[int, Event]],
) -> Frame:
    """A tab after a frame of events in order: its open channel's rows, its
    sidebar and its cached channels each change once, however many events came."""
    online, resync, refresh, ended = None, False, False, False
    for channel_id, event in items:
        if isinstance(event, BusReconnected):
            resync = True
        elif isinstance(event, SessionsEnded):
            ended = ended or event.user_id == viewer_id
        elif channel_id != open_channel:
            sidebar = with_unread(sidebar, channel_id, event, viewer_id)
            cache = with_cached(cache, channel_id, event)
        else:
            window = after_event(window, event)
            online = event.names if isinstance(event, PresenceChanged) else online
            typing = typing_after(typing, event)
            refresh = refresh or isinstance(event, TypingChanged)
    return Frame(window, sidebar, cache, typing, online, resync, refresh, ended)
