"""A channel's messages as the page shows them, as pure functions over lists.

A new message changes only `latest` (the newest LATEST_BLOCK rows), which rolls
into `recent` every LATEST_BLOCK messages; `older` changes only when older history
is loaded. So the bytes sent per message do not grow with the channel
(bench/bench_delivery.py). A list that does not change comes back as the same
object: the state assigns, and Reflex resends, only the lists that changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from neurocache_ui.domain.events import (
    Event,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
)
from neurocache_ui.domain.messages import AttachmentRef, MessageView

LATEST_BLOCK = 20
RECENT_CAP = 200
PAGE = 50
RECENT_CHANNELS = 5

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
        "sources": _as_text([{"title": source.title, "url": source.url} for source in view.sources]),
        "images": _as_text([image_of(ref) for ref in view.attachments]),
        "thread_id": view.thread_id or 0,
        "replies": view.reply_count,
        "reactions": _as_text(
            [{"emoji": r.emoji, "count": r.count, "users": list(r.user_ids), "names": ", ".join(r.names)} for r in view.reactions]
        ),
    }


def _as_text(items: list[dict[str, Any]]) -> str:
    """A row's list as JSON text ("" when empty): a row that did not change then
    compares equal on the page, which skips re-rendering it (an array never does)."""
    return json.dumps(items, ensure_ascii=False) if items else ""


def image_of(ref: AttachmentRef) -> dict[str, str]:
    """An image as a row shows it: the thumbnail, linking to the full image."""
    return {"id": str(ref.id), "filename": ref.filename, "url": ref.url, "thumb": ref.thumbnail_url}


def mark_days(rows: list[Row], previous_day: str = "") -> list[Row]:
    """Flag the first message of each (UTC) day, where the page draws a separator."""
    marked = []
    for row in rows:
        marked.append({**row, "show_day": row["day"] != previous_day})
        previous_day = row["day"]
    return marked


@dataclass(frozen=True)
class Window:
    """What the page shows of the open channel, oldest first across the three lists."""

    older: list[Row] = field(default_factory=list)
    recent: list[Row] = field(default_factory=list)
    latest: list[Row] = field(default_factory=list)
    has_more: bool = False
    has_newer: bool = False  # opened around a message: the newest messages are not shown

    @property
    def rows(self) -> list[Row]:
        return self.older + self.recent + self.latest


def shown(rows: list[Row], has_more: bool, has_newer: bool = False) -> Window:
    """A freshly loaded channel: its rows split so the next message changes little."""
    rows = mark_days(rows)
    recent = rows[:-LATEST_BLOCK] if len(rows) > LATEST_BLOCK else []
    return Window([], recent, rows[-LATEST_BLOCK:], has_more, has_newer)


def added(window: Window, row: Row) -> Window:
    """`row` appended; unchanged when it is already shown (our own send, a repeated
    event) or when the window does not reach the newest messages (no gap is made)."""
    if window.has_newer:
        return window
    tail = (window.recent[-LATEST_BLOCK:] + window.latest) or window.older[-1:]  # never the whole window
    if any(r["id"] == row["id"] for r in tail):
        return window
    row = {**row, "show_day": not tail or tail[-1]["day"] != row["day"]}
    latest = window.latest + [row]
    if len(latest) <= LATEST_BLOCK:
        return replace(window, latest=latest)
    recent = window.recent + latest[:-1]
    if len(recent) <= RECENT_CAP:
        return replace(window, recent=recent, latest=latest[-1:])
    # The page shows a bounded window: the oldest rows leave it (with any loaded
    # older pages, which would otherwise leave a gap) and come back through
    # "Load older messages".
    return Window([], recent[-RECENT_CAP:], latest[-1:], True, window.has_newer)


def replaced(window: Window, message_id: int, row: Row | None) -> Window:
    """A message edited (`row`) or deleted (None) wherever it is shown."""
    for name in ("latest", "recent", "older"):
        rows: list[Row] = getattr(window, name)
        for index, existing in enumerate(rows):
            if existing["id"] == message_id:
                new = [] if row is None else [{**row, "show_day": existing["show_day"]}]
                return replace(window, **{name: rows[:index] + new + rows[index + 1 :]})
    return window


def with_older(window: Window, page: list[Row], has_more: bool) -> Window:
    """An older page put in front; the first row shown so far keeps its day
    separator only if the page ends on another day."""
    page = mark_days(page)
    shown_lists = [name for name in ("older", "recent", "latest") if getattr(window, name)] if page else []
    if shown_lists:
        rows: list[Row] = getattr(window, shown_lists[0])
        first = rows[0]
        show_day = first["day"] != page[-1]["day"]
        if show_day != first["show_day"]:
            window = replace(window, **{shown_lists[0]: [{**first, "show_day": show_day}] + rows[1:]})
    return replace(window, older=page + window.older, has_more=has_more)


def after_event(window: Window, event: Event) -> Window:
    """The open channel after one live event; idempotent, so a repeated event is
    harmless. Thread replies are not shown in the channel (their root's update is)."""
    if isinstance(event, MessageCreated | MessageUpdated | MessageDeleted) and event.message.thread_id is not None:
        return window
    if isinstance(event, MessageCreated):
        return added(window, to_row(event.message))
    if isinstance(event, MessageUpdated):
        return replaced(window, event.message.id, to_row(event.message))
    if isinstance(event, MessageDeleted):
        return replaced(window, event.message.id, None)
    return window


def updated_rows(rows: list[Row], event: Event) -> list[Row]:
    """A cached channel's rows after one live event; idempotent like `after_event`."""
    if isinstance(event, MessageDeleted):
        return [r for r in rows if r["id"] != event.message.id]
    if not isinstance(event, MessageCreated | MessageUpdated) or event.message.thread_id is not None:
        return rows
    row = to_row(event.message)
    if any(r["id"] == row["id"] for r in rows):
        return [row if r["id"] == row["id"] else r for r in rows]
    return rows + [row] if isinstance(event, MessageCreated) else rows


def snapshot(window: Window) -> tuple[list[Row], bool]:
    """What the recent-channels cache keeps of a window: its newest PAGE rows,
    and whether there is more before them."""
    return (window.recent + window.latest)[-PAGE:], window.has_more or len(window.rows) > PAGE


def remembered(cache: dict[int, Any], channel_id: int, entry: Any) -> dict[int, Any]:
    """`cache` with `entry` as its most recently opened channel, keeping RECENT_CHANNELS."""
    cache = {k: v for k, v in cache.items() if k != channel_id}
    cache[channel_id] = entry
    while len(cache) > RECENT_CHANNELS:
        cache.pop(next(iter(cache)))
    return cache
