"""A channel's messages as the page shows them, as pure functions over lists.

A new message changes only `latest` (the newest LATEST_BLOCK rows), which rolls
into `recent` every LATEST_BLOCK messages; `older` changes only when older history
is loaded. So the bytes sent per message do not grow with the channel
(bench/bench_delivery.py). A list that does not change comes back as the same
object: the state assigns, and Reflex resends, only the lists that changed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from neurocache_ui.domain.events import (
    Event,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
)
from neurocache_ui.domain.media import TIMESTAMP, MediaRef, clock, seconds_of, size_text
from neurocache_ui.domain.messages import AttachmentRef, MessageView, stored_sources

LATEST_BLOCK = 20
RECENT_CAP = 200
PAGE = 50
RECENT_CHANNELS = 5
GROUP_GAP = timedelta(minutes=5)
"""A message this soon after the previous one by the same author continues its group."""

Row = dict[str, Any]


def to_row(view: MessageView) -> Row:
    """The page's row: `mark` says what is drawn before it ("day": a day separator,
    "group": nothing, it continues its author's group); `notes` and `versions`
    are there only when a reply has them, so the rows resent with each new message
    stay small (bench/bench_delivery.py)."""
    row: Row = {
        "id": view.id,
        "user_id": view.user_id or 0,
        "author": view.author_name,
        "kind": view.author_kind,
        "content": linked_moments(view.content) if view.author_kind == "agent" else view.content,
        "status": view.status,
        "created_at": view.created_at.isoformat(),
        "day": view.created_at.date().isoformat(),
        "edited": view.edited_at is not None,
        "mark": "",
        "sources": _as_text(stored_sources(view.sources)),
        "images": _as_text([image_of(ref) for ref in view.attachments]),
        "thread_id": view.thread_id or 0,
        "replies": view.reply_count,
        "reactions": _as_text(
            [{"emoji": r.emoji, "count": r.count, "users": list(r.user_ids), "names": ", ".join(r.names)} for r in view.reactions]
        ),
    }
    if view.agent_id:
        row["agent_id"] = view.agent_id  # an agent's reply: its name opens the agent's card
    if view.media:
        row["media"] = players(view.media)
    if view.notes:
        row["notes"] = "\n".join(view.notes)
    if view.arena:
        row["arena"] = view.arena  # an arena's card (web/components/arena.py)
    if view.version_count > 1:
        row["versions"] = view.version_count  # the row shows the newest; ThreadState.show_version an earlier one
    return row


def _as_text(items: list[dict[str, Any]]) -> str:
    """A row's list as JSON text ("" when empty): a row that did not change then
    compares equal on the page, which skips re-rendering it (an array never does)."""
    return json.dumps(items, ensure_ascii=False) if items else ""


def image_of(ref: AttachmentRef) -> dict[str, str]:
    """An image as a row shows it: the thumbnail, linking to the full image."""
    return {"id": str(ref.id), "filename": ref.filename, "url": ref.url, "thumb": ref.thumbnail_url}


def media_of(ref: MediaRef) -> dict[str, Any]:
    """A video or audio as a row's player shows it, or a file as its chip does (web/components/media_player.jsx)."""
    if ref.is_file:
        return {"id": ref.id, "kind": ref.kind, "filename": ref.filename, "size": size_text(ref.size), "status": ref.status,
                "url": ref.url, "preview": ref.preview_url}
    return {
        "id": ref.id, "kind": ref.kind, "filename": ref.filename, "duration": clock(ref.duration_ms) if ref.duration_ms else "",
        "status": ref.status, "progress": ref.progress, "note": ref.note, "transcript": ref.transcript,
        "url": ref.url, "poster": ref.poster_url if ref.kind == "video" else "",
    }  # fmt: skip


def players(refs: Iterable[MediaRef]) -> str:
    """Video and audio as JSON text for the players (web/components/media.py): a message
    row's, or a Try it turn's."""
    return _as_text([media_of(ref) for ref in refs])


MOMENT_LINK = "#t="
"""A cited moment's link target: the page's seek handler (media_player.jsx) plays the
player of the media the reply is about from that second."""
_CITED = re.compile(TIMESTAMP.pattern + r"(?!\()")


def linked_moments(text: str) -> str:
    """An agent's reply with each cited moment ("[01:23]", domain/media.TIMESTAMP) made a
    markdown link to it; one already written as a link is left alone."""
    return _CITED.sub(lambda m: f"[{m.group(0)[1:-1]}]({MOMENT_LINK}{seconds_of(m)})", text)


def continues(previous: Row | None, row: Row) -> bool:
    """Whether `row` continues `previous`'s group (drawn without its author line):
    the same person or agent, the same day, within GROUP_GAP. Notices stand alone."""
    if previous is None or previous["day"] != row["day"] or row["kind"] == "system":
        return False
    if (previous["kind"], previous["user_id"], previous["author"]) != (row["kind"], row["user_id"], row["author"]):
        return False
    gap = datetime.fromisoformat(row["created_at"]) - datetime.fromisoformat(previous["created_at"])
    return timedelta(0) <= gap <= GROUP_GAP


def placed(row: Row, previous: Row | None) -> Row:
    """`row` marked as it follows `previous` (None: the first shown): a new day, the
    same author's group going on, or neither."""
    mark = "day" if previous is None or previous["day"] != row["day"] else "group" if continues(previous, row) else ""
    return row if row["mark"] == mark else {**row, "mark": mark}


def mark_rows(rows: list[Row], previous: Row | None = None) -> list[Row]:
    """Each row placed after the one before it (the first after `previous`)."""
    marked = []
    for row in rows:
        marked.append(placed(row, previous))
        previous = row
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
    rows = mark_rows(rows)
    recent = rows[:-LATEST_BLOCK] if len(rows) > LATEST_BLOCK else []
    return Window([], recent, rows[-LATEST_BLOCK:], has_more, has_newer)


def position(row: Row) -> tuple[datetime, int]:
    """Where a row stands: when it was stored, then its id. The database's pages and the
    cache window order by the same (a reload shows this order); ids alone are not it, as
    two messages stored at once by two processes may get their ids in the other order."""
    return datetime.fromisoformat(row["created_at"]), row["id"]


def added(window: Window, row: Row) -> Window:
    """`row` shown in its `position`: appended, or, when two people sent at once and the other
    one's message reached this tab second, put before the newer rows already shown, so
    every viewer sees the order a reload shows. Unchanged when it is already shown (our
    own send, a repeated event) or when the window does not reach the newest messages
    (no gap is made)."""
    if window.has_newer:
        return window
    tail = (window.recent[-LATEST_BLOCK:] + window.latest) or window.older[-1:]  # never the whole window
    if any(r["id"] == row["id"] for r in tail):
        return window
    if tail and position(row) < position(tail[-1]):
        return _in_order(window, row)
    return _grown(window, window.latest + [placed(row, tail[-1] if tail else None)])


def _grown(window: Window, latest: list[Row]) -> Window:
    """The window with a longer `latest`: past LATEST_BLOCK rows it folds into `recent`."""
    if len(latest) <= LATEST_BLOCK:
        return replace(window, latest=latest)
    recent = window.recent + latest[:-1]
    if len(recent) <= RECENT_CAP:
        return replace(window, recent=recent, latest=latest[-1:])
    # The page shows a bounded window: the oldest rows leave it (with any loaded
    # older pages, which would otherwise leave a gap) and come back through
    # "Load older messages".
    return Window([], recent[-RECENT_CAP:], latest[-1:], True, window.has_newer)


def _in_order(window: Window, row: Row) -> Window:
    """`row` before the first shown row with a later `position`; that row is placed again
    after it (the author's group or the day may now start there)."""
    before: Row | None = None
    for name in ("older", "recent", "latest"):
        rows: list[Row] = getattr(window, name)
        for index, existing in enumerate(rows):
            if existing["id"] == row["id"]:
                return window
            if position(existing) > position(row):
                new = placed(row, before)
                changed = rows[:index] + [new, placed(existing, new)] + rows[index + 1 :]
                return _grown(window, changed) if name == "latest" else replace(window, **{name: changed})
            before = existing
    return window


def replaced(window: Window, message_id: int, row: Row | None) -> Window:
    """A message edited (`row`) or deleted (None) wherever it is shown; after a
    deletion the next row is placed again (it may start a group or a day now)."""
    for name in ("latest", "recent", "older"):
        rows: list[Row] = getattr(window, name)
        for index, existing in enumerate(rows):
            if existing["id"] == message_id:
                if row is not None:
                    new = [{**row, "mark": existing["mark"]}]
                    return replace(window, **{name: rows[:index] + new + rows[index + 1 :]})
                return _without(window, name, index)
    return window


def _without(window: Window, name: str, index: int) -> Window:
    """The window without row `index` of list `name`; the row that now follows the
    gap is placed again after the one before it (lists it leaves alone stay the same objects)."""
    names = ("older", "recent", "latest")
    lists: dict[str, list[Row]] = {n: getattr(window, n) for n in names}
    rows = lists[name] = lists[name][:index] + lists[name][index + 1 :]
    at = names.index(name)
    before = rows[index - 1] if index > 0 else next((lists[n][-1] for n in reversed(names[:at]) if lists[n]), None)
    spot = (name, index) if index < len(rows) else next(((n, 0) for n in names[at + 1 :] if lists[n]), None)
    if spot is not None:
        after = lists[spot[0]][spot[1]]
        moved = placed(after, before)
        if moved is not after:
            lists[spot[0]] = lists[spot[0]][: spot[1]] + [moved] + lists[spot[0]][spot[1] + 1 :]
    changed = {name} | ({spot[0]} if spot is not None else set())
    return replace(window, **{n: lists[n] for n in changed})


def with_older(window: Window, page: list[Row], has_more: bool) -> Window:
    """An older page put in front; the first row shown so far keeps its day
    separator only if the page ends on another day."""
    page = mark_rows(page)
    shown_lists = [name for name in ("older", "recent", "latest") if getattr(window, name)] if page else []
    if shown_lists:
        rows: list[Row] = getattr(window, shown_lists[0])
        first = placed(rows[0], page[-1])
        if first is not rows[0]:
            window = replace(window, **{shown_lists[0]: [first] + rows[1:]})
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
    """A cached channel's rows after one live event, in `position` order like `added`;
    idempotent like `after_event`."""
    if isinstance(event, MessageDeleted):
        return [r for r in rows if r["id"] != event.message.id]
    if not isinstance(event, MessageCreated | MessageUpdated) or event.message.thread_id is not None:
        return rows
    row = to_row(event.message)
    if any(r["id"] == row["id"] for r in rows):
        return [row if r["id"] == row["id"] else r for r in rows]
    if not isinstance(event, MessageCreated):
        return rows
    if rows and position(row) < position(rows[-1]):  # stored before a row this tab already has
        return sorted([*rows, row], key=position)
    return rows + [row]


def first_unread(shown: list[Row], last_read_id: int | None, viewer_id: int) -> int:
    """The first shown message past the viewer's read marker that someone else
    wrote, where the page draws "New messages"; 0 when there is none or the viewer
    has never read the channel (a new member would see the line above everything)."""
    if last_read_id is None:
        return 0
    own = ("user", viewer_id)
    return next((r["id"] for r in shown if r["id"] > last_read_id and (r["kind"], r["user_id"]) != own), 0)


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
