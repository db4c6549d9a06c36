"""Threads in services.messaging and retention, on Postgres + Redis and on SQLite +
in-process: replies and their root's count move together, replies stay out of
the channel's pages and cache window, viewers get both changes, and a thread
lives as long as its newest message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.infra.window_cache import Miss, get_cache
from neurocache_ui.services import channels, messaging
from neurocache_ui.services.retention import run_retention
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import ChannelMember, Message, utcnow
from tests.integration.messaging_support import (
    Stores,
    make_channel,
    make_user,
)
from tests.integration.test_bus import Listener


def reply_count(message_id: int) -> int:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(Message.reply_count).where(Message.id == message_id)).scalar_one()


def test_replies_count_on_their_root_and_stay_out_of_the_channel(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    root = messaging.post_message(channel, user_id=ada, content="Where do we launch?")
    messaging.recent_messages(channel, 50, viewer_id=ada)  # the cache window now exists
    first = messaging.post_message(channel, user_id=bob, content="Lisbon", thread_id=root.id)
    second = messaging.post_message(channel, user_id=ada, content="Porto", thread_id=root.id)
    assert (first.thread_id, second.thread_id, reply_count(root.id)) == (root.id, root.id, 2)

    shown = messaging.recent_messages(channel, 50, viewer_id=bob)
    assert [v.id for v in shown] == [root.id] and shown[0].reply_count == 2  # from the window, count current
    assert [v.id for v in messaging.older_messages(channel, before=None, viewer_id=bob)] == [root.id]
    found, replies = messaging.thread_messages(root.id, viewer_id=bob)
    assert found.id == root.id and [v.content for v in replies] == ["Lisbon", "Porto"]

    messaging.edit_message(first.id, user_id=bob, content="Lisbon, surely")
    assert [v.id for v in messaging.recent_messages(channel, 50, viewer_id=bob)] == [root.id]  # the edit stays in the thread
    window = get_cache().read(channel, 50)
    assert not isinstance(window, Miss) and [v.id for v in window.views()] == [root.id]

    messaging.delete_message(second.id, user_id=ada)
    assert reply_count(root.id) == 1
    assert messaging.recent_messages(channel, 50, viewer_id=bob)[0].reply_count == 1
    messaging.delete_message(root.id, user_id=ada)  # the thread goes with its root
    with get_engine().connect() as conn:
        assert conn.execute(sa.select(Message.id).where(Message.thread_id == root.id)).all() == []


def test_a_reply_needs_a_root_of_the_same_channel(stores: Stores) -> None:
    ada, eve = make_user("Ada"), make_user("Eve")
    channel, elsewhere = make_channel(ada), make_channel(eve)
    root = messaging.post_message(channel, user_id=ada, content="root")
    reply = messaging.post_message(channel, user_id=ada, content="reply", thread_id=root.id)
    with pytest.raises(Invalid, match="a thread has no threads of its own"):
        messaging.post_message(channel, user_id=ada, content="nested", thread_id=reply.id)
    with pytest.raises(NotFound, match="thread"):
        messaging.post_message(elsewhere, user_id=eve, content="sneaky", thread_id=root.id)
    with pytest.raises(NotFound):
        messaging.post_message(channel, user_id=ada, content="gone", thread_id=10**12)
    with pytest.raises(NotFound):  # a stranger cannot read the thread either
        messaging.thread_messages(root.id, viewer_id=eve)
    with pytest.raises(NotFound):  # a reply is not a thread
        messaging.thread_messages(reply.id, viewer_id=ada)
    with pytest.raises(NotFound):  # the API names the channel: the root must be in it
        messaging.thread_messages(root.id, viewer_id=None, channel_id=elsewhere)
    assert reply_count(root.id) == 1


async def test_viewers_get_the_reply_and_the_root_with_its_count(stores: Stores) -> None:
    ada = await asyncio.to_thread(make_user)
    channel = await asyncio.to_thread(make_channel, ada)
    root = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="root")
    worker = Listener()
    await asyncio.wait_for(worker.ready.wait(), 5)
    try:
        reply = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="reply", thread_id=root.id)
        await asyncio.to_thread(messaging.delete_message, reply.id, user_id=ada)
        await worker.wait_for(4, channel)
        events = [e for c, e in worker.events if c == channel]
        assert [e["type"] for e in events] == ["message.created", "message.updated", "message.deleted", "message.updated"]
        assert events[0]["message"]["thread_id"] == root.id
        assert (events[1]["message"]["id"], events[1]["message"]["reply_count"]) == (root.id, 1)
        assert (events[3]["message"]["id"], events[3]["message"]["reply_count"]) == (root.id, 0)
    finally:
        worker.stop()


def test_opening_a_channel_reads_past_its_thread_replies(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    root = messaging.post_message(channel, user_id=ada, content="root")
    messaging.post_message(channel, user_id=ada, content="reply 1", thread_id=root.id)
    messaging.post_message(channel, user_id=ada, content="reply 2", thread_id=root.id)
    assert [c.unread for c in channels.list_channels(bob) if c.id == channel] == [3]
    assert channels.mark_read(channel, bob)  # the newest message, a thread reply
    assert [c.unread for c in channels.list_channels(bob) if c.id == channel] == [0]


def test_messages_around_one_show_a_replys_root(stores: Stores) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    views = [messaging.post_message(channel, user_id=ada, content=f"message {i}") for i in range(7)]
    reply = messaging.post_message(channel, user_id=ada, content="in the thread", thread_id=views[3].id)
    around, older, newer = messaging.messages_around(channel, views[3].id, viewer_id=ada, limit=2)
    assert [v.id for v in around] == [v.id for v in views[1:6]] and older and newer
    around, older, newer = messaging.messages_around(channel, reply.id, viewer_id=ada, limit=5)
    assert [v.id for v in around] == [v.id for v in views] and not older and not newer
    around, older, newer = messaging.messages_around(channel, views[5].id, viewer_id=ada, limit=1)
    assert [v.id for v in around] == [v.id for v in views[4:7]] and older and not newer


def test_retention_keeps_a_thread_while_it_is_alive(stores: Stores) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    old_live, old_dead, reply_old, reply_new, reply_dead = (
        messaging.post_message(channel, user_id=ada, content=text, thread_id=None)
        for text in ("old root, new reply", "old root, old reply", "x", "y", "z")
    )
    with get_engine().begin() as conn:
        def move(message_id: int, days: int, thread_id: int | None = None) -> None:
            values = {"created_at": utcnow() - timedelta(days=days)} | ({"thread_id": thread_id} if thread_id else {})
            conn.execute(sa.update(Message).where(Message.id == message_id).values(**values))

        move(old_live.id, 40)
        move(old_dead.id, 40)
        move(reply_old.id, 35, old_live.id)
        move(reply_new.id, 1, old_live.id)
        move(reply_dead.id, 35, old_dead.id)
        conn.execute(sa.update(Message).where(Message.id == old_live.id).values(reply_count=2))
        conn.execute(sa.update(Message).where(Message.id == old_dead.id).values(reply_count=1))
        conn.execute(sa.update(ChannelMember).values(last_read_message_id=None))
    report = run_retention()
    with get_engine().connect() as conn:
        left = set(conn.execute(sa.select(Message.id).where(Message.channel_id == channel)).scalars())
    assert left == {old_live.id, reply_new.id}  # the dead thread went whole, the live one lost its old reply
    assert reply_count(old_live.id) == 1
    assert report.messages_deleted >= 2
