"""The open thread as its panel shows it (root and replies), after live events.
Pure functions: an unchanged thread comes back as the same object, so the state
assigns (and resends) only what changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from neurocache_ui.domain.events import (
    ChannelHidden,
    Event,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
)
from neurocache_ui.web.realtime.rows import Row, position, to_row

REPLIES_SHOWN = 200
"""Replies the panel keeps (the newest); the same as messaging.THREAD_PAGE."""


@dataclass(frozen=True)
class Thread:
    root: list[Row] = field(default_factory=list)  # [] once the root is deleted
    replies: list[Row] = field(default_factory=list)


def concerns(event: Event) -> bool:
    """Whether an event may change some open thread: a reply in a thread, a
    change to a message that has replies (a root's count, text or reactions), or
    the viewer leaving the channel, or losing it as it turns private (the panel
    closes with it)."""
    if isinstance(event, ChannelHidden):
        return True
    if isinstance(event, MembershipChanged):
        return event.closed
    if not isinstance(event, MessageCreated | MessageUpdated | MessageDeleted):
        return False
    return event.message.thread_id is not None or (not isinstance(event, MessageCreated) and event.message.reply_count > 0)


def thread_after(thread: Thread, thread_id: int, event: Event) -> Thread:
    """Thread `thread_id` after one live event; idempotent, so a repeated event is harmless."""
    if not isinstance(event, MessageCreated | MessageUpdated | MessageDeleted):
        return thread
    message = event.message
    if message.id == thread_id:
        root = [] if isinstance(event, MessageDeleted) else [to_row(message)]
        return thread if root == thread.root else Thread(root, thread.replies)
    if message.thread_id != thread_id:
        return thread
    shown = [row["id"] for row in thread.replies]
    if isinstance(event, MessageDeleted):
        return Thread(thread.root, [r for r in thread.replies if r["id"] != message.id]) if message.id in shown else thread
    row = to_row(message)
    if message.id in shown:
        return Thread(thread.root, [row if r["id"] == message.id else r for r in thread.replies])
    if isinstance(event, MessageUpdated):
        return thread  # an update to a reply the panel does not show
    # In stored order (rows.position): two replies sent at once may reach a tab newest first.
    return Thread(thread.root, sorted(thread.replies + [row], key=position)[-REPLIES_SHOWN:])
