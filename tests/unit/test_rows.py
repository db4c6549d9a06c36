"""The open channel's message rows (web/realtime/rows.py), without a browser: the
latest block rolling into `recent`, the bounded window, day separators, repeated
events, and edits and deletes wherever a message is shown."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from neurocache_ui.domain import events
from neurocache_ui.domain.events import (
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
    TypingChanged,
)
from neurocache_ui.domain.media import MediaRef
from neurocache_ui.domain.messages import AttachmentRef, MessageView
from neurocache_ui.domain.tools import Source
from neurocache_ui.web.realtime import rows
from neurocache_ui.web.realtime.rows import (
    LATEST_BLOCK,
    PAGE,
    RECENT_CAP,
    RECENT_CHANNELS,
    Window,
)

DAY_ONE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def view(message_id: int, *, at: datetime | None = None, content: str = "", edited: bool = False) -> MessageView:
    created = at or DAY_ONE + timedelta(minutes=message_id)
    return MessageView(
        id=message_id, channel_id=1, user_id=7, agent_id=None, author_name="Ada", author_kind="user",
        content=content or f"message {message_id}", status="complete", created_at=created,
        edited_at=created + timedelta(minutes=1) if edited else None,
    )


def row(message_id: int, **kwargs: object) -> rows.Row:
    return rows.to_row(view(message_id, **kwargs))  # type: ignore[arg-type]


def ids(shown: list[rows.Row]) -> list[int]:
    return [r["id"] for r in shown]


def window_of(count: int) -> Window:
    return rows.shown([row(i) for i in range(1, count + 1)], has_more=False)


def test_a_row_is_what_the_page_draws() -> None:
    late = datetime(2025, 3, 1, 23, 59, tzinfo=UTC)
    assert rows.to_row(view(5, at=late, content="hi", edited=True)) == {
        "id": 5, "user_id": 7, "author": "Ada", "kind": "user", "content": "hi", "status": "complete",
        "created_at": late.isoformat(), "day": "2025-03-01", "edited": True, "mark": "", "sources": "",
        "images": "", "thread_id": 0, "replies": 0, "reactions": "",
    }
    # Notes and earlier versions only travel when a reply has them.
    regenerated = rows.to_row(replace(view(6), notes=("Web search failed: timeout",), version_count=3))
    assert regenerated["notes"] == "Web search failed: timeout" and regenerated["versions"] == 3


def test_a_replys_sources_are_in_its_row_and_follow_its_updates() -> None:
    """The links listed under a finished reply come from the message itself."""
    found = (Source("Cats - Wikipedia", "https://en.wikipedia.org/wiki/Cat"), Source("Cat care", "https://cats.example/care"))
    answered = replace(view(3), sources=found)
    assert json.loads(rows.to_row(answered)["sources"]) == [
        {"title": "Cats - Wikipedia", "url": "https://en.wikipedia.org/wiki/Cat"},
        {"title": "Cat care", "url": "https://cats.example/care"},
    ]
    window = rows.after_event(rows.shown([row(2), row(3)], False), MessageUpdated(message=answered))
    assert json.loads(window.latest[-1]["sources"])[1]["url"] == "https://cats.example/care"
    assert json.loads(rows.updated_rows([row(3)], MessageUpdated(message=answered))[0]["sources"])[0]["title"] == "Cats - Wikipedia"
    # The bus carries them to every worker.
    envelope = events.decode(events.encode(1, MessageUpdated(message=answered)))
    assert envelope is not None and envelope.event.message == answered


def test_a_messages_images_are_in_its_row_and_travel_on_the_bus() -> None:
    """Every viewer draws the thumbnails from the event itself (no extra lookup)."""
    sent = replace(view(4), attachments=(AttachmentRef(9, "cat.png", 640, 480), AttachmentRef(10, "dog.gif", 10, 10)))
    assert json.loads(rows.to_row(sent)["images"]) == [
        {"id": "9", "filename": "cat.png", "url": "/attachments/9", "thumb": "/attachments/9/thumbnail"},
        {"id": "10", "filename": "dog.gif", "url": "/attachments/10", "thumb": "/attachments/10/thumbnail"},
    ]
    envelope = events.decode(events.encode(1, MessageCreated(message=sent)))
    assert envelope is not None and envelope.event.message == sent
    assert MessageView.from_json(sent.to_json()) == sent


def test_a_loaded_channel_keeps_the_newest_block_apart() -> None:
    window = window_of(LATEST_BLOCK + 7)
    assert ids(window.older) == []
    assert ids(window.recent) == list(range(1, 8))
    assert ids(window.latest) == list(range(8, LATEST_BLOCK + 8))
    assert ids(window.rows) == list(range(1, LATEST_BLOCK + 8))
    small = window_of(3)
    assert small.recent == [] and ids(small.latest) == [1, 2, 3]


def test_new_messages_change_only_the_latest_block_until_it_rolls_over() -> None:
    window = window_of(LATEST_BLOCK - 1)
    older, recent = window.older, window.recent
    window = rows.added(window, row(LATEST_BLOCK))
    assert window.older is older and window.recent is recent  # nothing else is resent
    assert ids(window.latest)[-1] == LATEST_BLOCK and len(window.latest) == LATEST_BLOCK

    rolled = rows.added(window, row(LATEST_BLOCK + 1))
    assert ids(rolled.recent) == list(range(1, LATEST_BLOCK + 1))
    assert ids(rolled.latest) == [LATEST_BLOCK + 1]
    assert rolled.older is older and not rolled.has_more


def test_the_window_is_bounded_and_the_oldest_rows_come_back_through_load_older() -> None:
    window = rows.with_older(window_of(LATEST_BLOCK), [row(i) for i in range(-9, 1)], has_more=False)
    assert len(window.older) == 10
    next_id = LATEST_BLOCK + 1
    while len(window.recent) + LATEST_BLOCK <= RECENT_CAP:
        window = rows.added(window, row(next_id))
        next_id += 1
    assert len(window.recent) <= RECENT_CAP and len(window.older) == 10
    for _ in range(LATEST_BLOCK):
        window = rows.added(window, row(next_id))
        next_id += 1
    assert len(window.recent) == RECENT_CAP
    assert window.older == [] and window.has_more  # no gap: the loaded pages left too
    assert ids(window.rows) == list(range(next_id - len(window.rows), next_id))  # newest, in order


def test_day_separators_mark_the_first_message_of_each_day() -> None:
    day_two = DAY_ONE + timedelta(days=1)
    window = rows.shown([row(1), row(2), row(3, at=day_two), row(4, at=day_two + timedelta(hours=1))], has_more=False)
    assert [r["mark"] == "day" for r in window.rows] == [True, False, True, False]
    window = rows.added(window, row(5, at=day_two + timedelta(hours=2)))
    assert window.latest[-1]["mark"] != "day"
    window = rows.added(window, row(6, at=day_two + timedelta(days=1)))
    assert window.latest[-1]["mark"] == "day"
    assert rows.added(Window(), row(1)).latest[0]["mark"] == "day"  # the first message of an empty channel


def test_an_older_page_moves_the_separator_only_when_the_day_continues() -> None:
    window = window_of(3)
    assert window.latest[0]["mark"] == "day"
    same_day = rows.with_older(window, [row(-1), row(0)], has_more=True)
    assert ids(same_day.older) == [-1, 0] and same_day.has_more
    assert [r["mark"] == "day" for r in same_day.rows] == [True, False, False, False, False]
    assert window.latest[0]["mark"] == "day"  # the window it came from is untouched

    earlier = rows.with_older(window, [row(0, at=DAY_ONE - timedelta(days=1))], has_more=False)
    assert earlier.latest is window.latest  # its first row keeps the separator: nothing resent
    assert [r["mark"] == "day" for r in earlier.rows] == [True, True, False, False]
    assert rows.with_older(window, [], has_more=False).latest is window.latest


def by(author: str, message_id: int, minute: int, *, kind: str = "user", user_id: int = 7) -> rows.Row:
    base = view(message_id, at=DAY_ONE + timedelta(minutes=minute))
    return rows.to_row(replace(base, author_name=author, author_kind=kind, user_id=user_id if kind == "user" else None))


def test_consecutive_messages_of_one_author_within_five_minutes_are_grouped() -> None:
    shown = rows.shown(
        [by("Ada", 1, 0), by("Ada", 2, 3), by("Ada", 3, 9), by("Bob", 4, 10, user_id=8), by("Bob", 5, 11, user_id=8),
         by("Helper", 6, 12, kind="agent"), by("Helper", 7, 12, kind="agent"), by("Hub", 8, 12, kind="system"),
         by("Hub", 9, 12, kind="system")],
        has_more=False,
    )
    # 3 is nine minutes after 2's group began but six after 2: a new group; notices never group.
    assert [r["mark"] == "group" for r in shown.rows] == [False, True, False, False, True, False, True, False, False]
    # Same name, another person: not one group.
    assert rows.added(rows.shown([by("Ada", 1, 0)], False), by("Ada", 2, 1, user_id=99)).latest[-1]["mark"] != "group"
    # A live message joins the group of the one before it; a day change starts a new one.
    live = rows.added(shown, by("Hub", 10, 13, kind="system"))
    assert live.latest[-1]["mark"] != "group"
    window = rows.shown([by("Ada", 1, 0)], False)
    assert rows.added(window, by("Ada", 2, 4)).latest[-1]["mark"] == "group"
    assert rows.added(window, row(2, at=DAY_ONE + timedelta(days=1))).latest[-1]["mark"] != "group"


def test_deleting_a_groups_first_message_makes_the_next_one_lead() -> None:
    window = rows.shown([by("Bob", 1, 0, user_id=8), by("Ada", 2, 1), by("Ada", 3, 2), by("Ada", 4, 3)], False)
    after = rows.after_event(window, MessageDeleted(message=view(2)))
    assert ids(after.rows) == [1, 3, 4]
    assert [r["mark"] == "group" for r in after.rows] == [False, False, True]
    # Across the latest block's edge: the first latest row follows the last recent one.
    long = rows.shown([by("Ada", 1, 0), by("Bob", 2, 0, user_id=8)] + [by("Ada", i, 1) for i in range(3, LATEST_BLOCK + 3)], False)
    assert ids(long.recent) == [1, 2] and long.latest[0]["mark"] != "group"
    cut = rows.after_event(long, MessageDeleted(message=view(2)))
    assert ids(cut.recent) == [1] and cut.latest[0]["mark"] == "group"
    older = rows.with_older(rows.shown([by("Ada", 5, 5)], False), [by("Ada", 3, 3), by("Ada", 4, 4)], has_more=False)
    assert [r["mark"] == "group" for r in older.rows] == [False, True, True]


def test_a_message_that_arrives_after_a_newer_one_is_shown_in_id_order() -> None:
    """Ada and Bob send at once: Bob's message (id 3) is stored first, but Ada's tab
    shows her own (id 4) on sending and hears of Bob's after. Every viewer must see the
    order a reload shows, with the groups placed as if they had come in order."""
    window = rows.shown([by("Ada", 1, 0), by("Bob", 2, 0, user_id=8)], False)
    mine = rows.added(window, by("Ada", 4, 1))
    late = rows.added(mine, by("Bob", 3, 1, user_id=8))
    assert ids(late.rows) == [1, 2, 3, 4]
    assert [r["mark"] == "group" for r in late.rows] == [False, False, True, False]  # 3 joins 2's group, 4 leads
    assert late.older is window.older and late.recent is window.recent  # only the latest block is resent
    assert rows.added(late, by("Bob", 3, 1, user_id=8)) is late  # and only once
    # Across the latest block's edge, and when the block then rolls over.
    full = window_of(LATEST_BLOCK + 3)
    first_latest = full.latest[0]["id"]
    gap = rows.Window(full.older, full.recent, [r for r in full.latest if r["id"] != first_latest], False)
    back = rows.added(gap, row(first_latest))
    assert ids(back.rows) == ids(full.rows)
    rolled = rows.added(rows.added(gap, row(LATEST_BLOCK + 4)), row(first_latest))
    assert ids(rolled.rows) == [*ids(full.rows), LATEST_BLOCK + 4]
    assert len(rolled.latest) <= LATEST_BLOCK
    # A cached channel (shown at once when the tab opens it again) keeps the same order.
    cached = rows.updated_rows(rows.updated_rows([row(1), row(2)], MessageCreated(message=view(4))), MessageCreated(message=view(3)))
    assert ids(cached) == [1, 2, 3, 4]


def test_rows_stand_in_stored_order_even_when_their_ids_came_the_other_way() -> None:
    """Two processes store at once: id 6 is stamped a moment after id 7. The database's
    pages and the cache window order by (stored at, id), so a reload shows 7 before 6;
    live rows, a thread and the recent-channels cache must show the same."""
    window = rows.shown([row(1), row(2)], False)
    seven = row(7, at=DAY_ONE + timedelta(minutes=10))
    six = row(6, at=DAY_ONE + timedelta(minutes=10, microseconds=1))
    assert ids(rows.added(rows.added(window, six), seven).rows) == [1, 2, 7, 6]
    assert ids(rows.added(rows.added(window, seven), six).rows) == [1, 2, 7, 6]
    early, late = view(7, at=DAY_ONE + timedelta(minutes=10)), view(6, at=DAY_ONE + timedelta(minutes=10, microseconds=1))
    cached = rows.updated_rows(rows.updated_rows([row(1)], MessageCreated(message=late)), MessageCreated(message=early))
    assert ids(cached) == [1, 7, 6]


def test_repeated_events_are_harmless() -> None:
    window = window_of(5)
    created = MessageCreated(message=view(6))
    once = rows.after_event(window, created)
    assert rows.after_event(once, created) is once
    assert rows.added(once, row(3)) is once  # our own send arriving again as an event
    assert ids(once.rows) == [1, 2, 3, 4, 5, 6]
    assert rows.after_event(once, TypingChanged()) is once


def test_edits_and_deletes_reach_a_message_wherever_it_is_shown() -> None:
    window = rows.with_older(window_of(LATEST_BLOCK + 5), [row(i) for i in range(-4, 1)], has_more=True)
    for message_id, part in [(-2, "older"), (3, "recent"), (LATEST_BLOCK + 2, "latest")]:
        edited = rows.after_event(window, MessageUpdated(message=view(message_id, content="new text", edited=True)))
        changed = [name for name in ("older", "recent", "latest") if getattr(edited, name) is not getattr(window, name)]
        assert changed == [part]
        shown = next(r for r in edited.rows if r["id"] == message_id)
        before = next(r for r in window.rows if r["id"] == message_id)
        assert shown["content"] == "new text" and shown["edited"] and shown["mark"] == before["mark"]

        deleted = rows.after_event(window, MessageDeleted(message=view(message_id)))
        assert message_id not in ids(deleted.rows) and len(deleted.rows) == len(window.rows) - 1
    missing = view(999)
    assert rows.after_event(window, MessageUpdated(message=missing)) is window
    assert rows.after_event(window, MessageDeleted(message=missing)) is window


def test_a_cached_channel_follows_events_idempotently() -> None:
    cached = [row(1), row(2)]
    created = MessageCreated(message=view(3))
    once = rows.updated_rows(cached, created)
    assert ids(once) == [1, 2, 3] and ids(rows.updated_rows(once, created)) == [1, 2, 3]
    edited = rows.updated_rows(once, MessageUpdated(message=view(2, content="changed")))
    assert [r["content"] for r in edited] == ["message 1", "changed", "message 3"]
    assert rows.updated_rows(once, MessageUpdated(message=view(9))) == once  # not cached, not added
    assert ids(rows.updated_rows(once, MessageDeleted(message=view(1)))) == [2, 3]
    assert rows.updated_rows(cached, TypingChanged()) is cached


def test_the_recent_channels_cache_keeps_the_newest_page_of_the_last_few_channels() -> None:
    window = rows.with_older(window_of(PAGE + 10), [row(0)], has_more=False)
    kept, has_more = rows.snapshot(window)
    assert ids(kept) == list(range(11, PAGE + 11)) and has_more
    assert rows.snapshot(window_of(3)) == (window_of(3).latest, False)

    cache: dict[int, object] = {}
    for channel_id in range(1, RECENT_CHANNELS + 2):
        cache = rows.remembered(cache, channel_id, f"entry {channel_id}")
    assert list(cache) == list(range(2, RECENT_CHANNELS + 2))  # the least recently opened left
    cache = rows.remembered(cache, 2, "again")
    assert list(cache)[-1] == 2 and cache[2] == "again" and len(cache) == RECENT_CHANNELS


def test_a_window_short_of_the_newest_messages_takes_no_live_rows() -> None:
    """Opened around an older message: appending would leave a gap before the new row."""
    window = rows.shown([row(1)], has_more=False, has_newer=True)
    assert rows.added(window, row(2)) is window
    assert ids(rows.added(replace(window, has_newer=False), row(2)).rows) == [1, 2]


def test_new_messages_start_after_the_read_marker_at_someone_elses_message() -> None:
    shown = [by("Ada", 1, 0), by("Bob", 2, 1, user_id=8), by("Ada", 3, 2), by("Bob", 4, 3, user_id=8)]
    assert rows.first_unread(shown, 1, viewer_id=8) == 3  # Bob's own 2 does not count as new to him
    assert rows.first_unread(shown, 2, viewer_id=7) == 4
    assert rows.first_unread(shown, 4, viewer_id=7) == 0  # all read
    assert rows.first_unread(shown, None, viewer_id=7) == 0  # never opened: no line above everything


def test_a_row_lists_its_media_as_its_players_show_them() -> None:
    clip = MediaRef(id=5, kind="video", filename="clip.mp4", duration_ms=83_400, status="processing", progress=42)
    voice = MediaRef(id=6, kind="voice", filename="voice.webm", duration_ms=0, status="ready", transcript=True)
    shown = rows.to_row(replace(view(1), media=(clip, voice)))
    assert json.loads(shown["media"]) == [
        {"id": 5, "kind": "video", "filename": "clip.mp4", "duration": "01:23", "status": "processing", "progress": 42,
         "note": "", "transcript": False, "url": "/media/5", "poster": "/media/5/poster"},
        {"id": 6, "kind": "voice", "filename": "voice.webm", "duration": "", "status": "ready", "progress": 0,
         "note": "", "transcript": True, "url": "/media/6", "poster": ""},
    ]
    assert "media" not in row(2)  # rows without media stay small


def test_an_agents_cited_moments_become_links_and_a_persons_text_stays_as_written() -> None:
    text = "The red frame is at [00:02], the talk at [1:02:03]; [00:05](https://example.com) is a link already."
    reply = rows.to_row(replace(view(1, content=text), author_kind="agent", user_id=None))
    assert reply["content"] == (
        "The red frame is at [00:02](#t=2), the talk at [1:02:03](#t=3723); [00:05](https://example.com) is a link already."
    )
    assert rows.to_row(view(2, content=text))["content"] == text
