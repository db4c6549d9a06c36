"""The open thread after live events, without a browser (web/realtime/threads.py),
and what thread replies do to the channel's rows, unread counts and cached channels."""

from __future__ import annotations

from datetime import UTC, datetime

from neurocache_ui.domain.events import (
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
    TypingChanged,
)
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.web.realtime import dispatch, rows
from neurocache_ui.web.realtime.threads import (
    REPLIES_SHOWN,
    Thread,
    concerns,
    thread_after,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ROOT = 100


def view(message_id: int, *, thread_id: int | None = ROOT, content: str = "hi", replies: int = 0) -> MessageView:
    return MessageView(
        id=message_id, channel_id=10, user_id=2, agent_id=None, author_name="Bob", author_kind="user",
        content=content, status="complete", created_at=NOW, edited_at=None, thread_id=thread_id, reply_count=replies,
    )


def opened(*reply_ids: int) -> Thread:
    return Thread([rows.to_row(view(ROOT, thread_id=None, replies=len(reply_ids)))], [rows.to_row(view(i)) for i in reply_ids])


def test_a_reply_is_appended_once_and_edits_and_deletes_follow() -> None:
    thread = opened(1)
    added = thread_after(thread, ROOT, MessageCreated(message=view(2, content="second")))
    assert [r["id"] for r in added.replies] == [1, 2] and added.root is thread.root
    assert thread_after(added, ROOT, MessageCreated(message=view(2, content="second"))) == added  # repeated event

    edited = thread_after(added, ROOT, MessageUpdated(message=view(2, content="changed")))
    assert edited.replies[1]["content"] == "changed" and edited.replies[0] is added.replies[0]
    gone = thread_after(edited, ROOT, MessageDeleted(message=view(1)))
    assert [r["id"] for r in gone.replies] == [2]
    assert thread_after(gone, ROOT, MessageDeleted(message=view(1))) is gone


def test_a_reply_that_arrives_after_a_newer_one_is_shown_in_id_order() -> None:
    thread = opened(1, 3)  # our own reply 3 shown on sending; 2 was stored first
    assert [r["id"] for r in thread_after(thread, ROOT, MessageCreated(message=view(2))).replies] == [1, 2, 3]


def test_other_threads_and_channel_messages_change_nothing() -> None:
    thread = opened(1)
    for event in (
        MessageCreated(message=view(5, thread_id=200)),
        MessageCreated(message=view(6, thread_id=None)),
        MessageUpdated(message=view(7)),  # a reply this panel does not show (older than its page)
        TypingChanged(),
    ):
        assert thread_after(thread, ROOT, event) is thread


def test_the_root_follows_its_updates_and_its_deletion_empties_the_thread() -> None:
    thread = opened(1)
    counted = thread_after(thread, ROOT, MessageUpdated(message=view(ROOT, thread_id=None, replies=2)))
    assert counted.root[0]["replies"] == 2 and counted.replies is thread.replies
    assert thread_after(counted, ROOT, MessageUpdated(message=view(ROOT, thread_id=None, replies=2))) is counted
    assert thread_after(counted, ROOT, MessageDeleted(message=view(ROOT, thread_id=None, replies=2))).root == []


def test_the_panel_keeps_the_newest_replies() -> None:
    thread = opened(*range(1, REPLIES_SHOWN + 1))
    more = thread_after(thread, ROOT, MessageCreated(message=view(REPLIES_SHOWN + 1)))
    assert len(more.replies) == REPLIES_SHOWN and more.replies[-1]["id"] == REPLIES_SHOWN + 1 and more.replies[0]["id"] == 2


def test_which_events_may_concern_a_thread() -> None:
    assert concerns(MessageCreated(message=view(1)))
    assert concerns(MessageUpdated(message=view(ROOT, thread_id=None, replies=1)))
    assert concerns(MessageDeleted(message=view(ROOT, thread_id=None, replies=1)))
    assert not concerns(MessageCreated(message=view(3, thread_id=None)))  # the channel's hot path stays light
    assert not concerns(MessageUpdated(message=view(3, thread_id=None)))
    assert not concerns(TypingChanged())


def test_thread_replies_stay_out_of_the_channel_but_count_as_unread() -> None:
    window = rows.shown([rows.to_row(view(ROOT, thread_id=None))], False)
    reply = view(1)
    assert rows.after_event(window, MessageCreated(message=reply)) is window
    assert rows.after_event(window, MessageUpdated(message=reply)) is window
    assert rows.after_event(window, MessageDeleted(message=reply)) is window
    counted = rows.after_event(window, MessageUpdated(message=view(ROOT, thread_id=None, replies=1)))
    assert counted.latest[0]["replies"] == 1

    sidebar = [{"id": 10, "unread": 0, "newest": 0}]
    assert dispatch.with_unread(sidebar, 10, MessageCreated(message=reply), viewer_id=1) == [{"id": 10, "unread": 1, "newest": reply.id}]
    cache = {10: {"rows": [rows.to_row(view(ROOT, thread_id=None))], "has_more": False}}
    assert dispatch.with_cached(cache, 10, MessageCreated(message=reply)) is cache
