"""services.messaging: send/edit/delete/read rules, on Postgres + Redis and on SQLite + in-process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound, Unavailable
from neurocache_ui.domain.messages import MAX_SOURCES, MessageView
from neurocache_ui.domain.tools import Source
from neurocache_ui.infra import bus
from neurocache_ui.infra.window_cache import reset_caches
from neurocache_ui.services import messaging
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Message
from testkit.servers import free_port
from tests.integration.messaging_support import (
    Stores,
    insert_messages,
    make_agent,
    make_channel,
    make_user,
    message_ids,
)


def stored(message_id: int) -> Message | None:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(Message).where(Message.id == message_id)).first()


def test_post_returns_the_committed_message(stores: Stores) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    before = datetime.now(UTC)
    view = messaging.post_message(channel, user_id=ada, content="  Hello, team  \n")
    assert isinstance(view, MessageView)
    assert (view.channel_id, view.user_id, view.agent_id) == (channel, ada, None)
    assert (view.author_name, view.author_kind, view.status) == ("Ada", "user", "complete")
    assert view.content == "Hello, team"  # surrounding whitespace dropped
    assert view.created_at.tzinfo is not None and view.created_at.utcoffset() == timedelta(0)
    assert before <= view.created_at <= datetime.now(UTC)
    assert view.edited_at is None
    row = stored(view.id)
    assert row is not None and row.content == "Hello, team"
    assert MessageView.from_dict(view.to_dict()) == view
    assert MessageView.from_json(view.to_json()) == view


def test_a_post_checks_and_writes_in_one_transaction(stores: Stores) -> None:
    """The membership check, the insert and the read-back are one statement
    (INSERT … SELECT … WHERE member … RETURNING the view), then the commit: the
    send path's two round trips, and no window in which the member could leave first."""
    ada = make_user("Ada")
    channel = make_channel(ada)
    messaging.post_message(channel, user_id=ada, content="warm up")
    steps: list[str] = []
    engine = get_engine()

    def statement(_conn, _cursor, text: str, *_args) -> None:  # noqa: ANN001
        steps.append(text.split()[0].upper())

    def commit(_conn) -> None:  # noqa: ANN001
        steps.append("COMMIT")

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", commit)
    try:
        messaging.post_message(channel, user_id=ada, content="hello")
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine, "commit", commit)
    assert steps == ["INSERT", "COMMIT"]


def test_validation_messages(stores: Stores, use_settings) -> None:
    use_settings(NEUROCACHE_MAX_MESSAGE_CHARS="10")
    ada = make_user()
    channel = make_channel(ada)
    with pytest.raises(Invalid, match="Message is empty") as empty:
        messaging.post_message(channel, user_id=ada, content=" \n\t ")
    assert empty.value.field == "content"
    with pytest.raises(Invalid, match=r"too long: 11 characters, the limit is 10"):
        messaging.post_message(channel, user_id=ada, content="x" * 11)
    assert messaging.post_message(channel, user_id=ada, content="  " + "x" * 10 + "  ").content == "x" * 10
    # Postgres cannot store NUL in text; it is dropped instead of failing the send.
    assert messaging.post_message(channel, user_id=ada, content="a\x00b").content == "ab"
    with pytest.raises(Invalid, match="Message is empty"):
        messaging.post_message(channel, user_id=ada, content="\x00")
    agent = make_agent(ada)
    with pytest.raises(Invalid, match="one author"):
        messaging.post_message(channel, user_id=ada, agent_id=agent, content="both")
    with pytest.raises(Invalid, match="Message is empty"):
        messaging.edit_message(message_ids(channel)[0], user_id=ada, content="")
    with pytest.raises(Invalid, match="between 1 and 1000"):
        messaging.recent_messages(channel, 0, viewer_id=ada)
    with pytest.raises(Invalid, match="page position"):
        messaging.older_messages(channel, before="not-a-cursor", viewer_id=ada)
    assert len(message_ids(channel)) == 2  # nothing else was stored


def test_non_members_get_not_found(stores: Stores) -> None:
    ada, eve = make_user("Ada"), make_user("Eve")
    channel = make_channel(ada)
    view = messaging.post_message(channel, user_id=ada, content="private")
    for attempt in (
        lambda: messaging.post_message(channel, user_id=eve, content="let me in"),
        lambda: messaging.recent_messages(channel, viewer_id=eve),
        lambda: messaging.older_messages(channel, before=None, viewer_id=eve),
        lambda: messaging.get_message(view.id, viewer_id=eve),
        lambda: messaging.edit_message(view.id, user_id=eve, content="mine now"),
        lambda: messaging.delete_message(view.id, user_id=eve),
        lambda: messaging.post_message(channel + 10_000, user_id=ada, content="nowhere"),
        lambda: messaging.edit_message(view.id + 10_000, user_id=ada, content="ghost"),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert message_ids(channel) == [view.id]
    assert stored(view.id).content == "private"


def test_only_the_author_edits_and_a_plain_member_deletes_only_their_own(stores: Stores) -> None:
    """(The channel's owner and moderators delete anyone's: tests/integration/test_roles.py.)"""
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    first = messaging.post_message(channel, user_id=ada, content="first")
    second = messaging.post_message(channel, user_id=ada, content="second")
    messaging.recent_messages(channel, viewer_id=bob)  # the window is cached now
    with pytest.raises(Forbidden, match="your own"):
        messaging.edit_message(first.id, user_id=bob, content="hijack")
    with pytest.raises(Forbidden, match="owner or a moderator can delete other people's messages"):
        messaging.delete_message(first.id, user_id=bob)

    edited = messaging.edit_message(first.id, user_id=ada, content="first, fixed")
    assert edited.content == "first, fixed" and edited.edited_at is not None
    assert edited.created_at == first.created_at
    messaging.delete_message(second.id, user_id=ada)
    assert stored(second.id) is None
    seen = messaging.recent_messages(channel, viewer_id=bob)
    assert [(m.id, m.content, m.edited_at is not None) for m in seen] == [(first.id, "first, fixed", True)]
    with pytest.raises(NotFound):
        messaging.delete_message(second.id, user_id=ada)


def test_agent_and_system_messages(stores: Stores) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    agent = make_agent(ada, "Scout")
    placeholder = messaging.post_message(channel, agent_id=agent, content="", status="streaming")
    assert (placeholder.author_kind, placeholder.author_name, placeholder.status) == ("agent", "Scout", "streaming")
    with pytest.raises(Invalid, match="Message is empty"):
        messaging.post_message(channel, agent_id=agent, content=" ")
    done = messaging.update_agent_message(placeholder.id, agent_id=agent, content="Found it.", status="complete")
    assert (done.content, done.status, done.edited_at) == ("Found it.", "complete", None)
    with pytest.raises(NotFound):
        messaging.update_agent_message(placeholder.id, agent_id=agent + 1, content="not mine")
    notice = messaging.post_message(channel, content="Ada created the channel")
    assert (notice.author_kind, notice.author_name, notice.user_id, notice.agent_id) == ("system", "Neurocache", None, None)
    with pytest.raises(NotFound):
        messaging.post_message(channel + 10_000, agent_id=agent, content="lost")
    seen = messaging.recent_messages(channel, viewer_id=ada)
    assert [(m.author_kind, m.content) for m in seen] == [("agent", "Found it."), ("system", "Ada created the channel")]


def test_a_replys_sources_are_stored_with_it_and_read_back_everywhere(stores: Stores) -> None:
    """Sources are structured data of the message (not pasted into its text): the
    update returns them, and the cached window, a cold cache (the database), older
    pages and single reads all give them back; links other than http(s) are dropped."""
    ada = make_user("Ada")
    channel = make_channel(ada)
    agent = make_agent(ada, "Scout")
    question = messaging.post_message(channel, user_id=ada, content="What are cats?")
    placeholder = messaging.post_message(channel, agent_id=agent, content="", status="streaming")
    assert placeholder.sources == ()
    found = [
        Source("Cat - Wikipedia", "https://en.wikipedia.org/wiki/Cat"),
        Source("  Cat\ncare  ", "http://cats.example/care"),
        Source("again", "https://en.wikipedia.org/wiki/Cat"),  # the same page twice is listed once
        Source("sneaky", "javascript:alert(1)"),
        Source("", "https://cats.example/untitled"),
    ]
    expected = (
        Source("Cat - Wikipedia", "https://en.wikipedia.org/wiki/Cat"),
        Source("Cat care", "http://cats.example/care"),
        Source("https://cats.example/untitled", "https://cats.example/untitled"),
    )
    done = messaging.update_agent_message(placeholder.id, agent_id=agent, content="Cats are mammals.", sources=found)
    assert (done.content, done.sources) == ("Cats are mammals.", expected)
    assert MessageView.from_json(done.to_json()) == done

    def everywhere() -> list[tuple[Source, ...]]:
        return [
            messaging.recent_messages(channel, viewer_id=ada)[-1].sources,
            messaging.older_messages(channel, before=None, viewer_id=ada)[-1].sources,
            messaging.get_message(done.id, viewer_id=ada).sources,
        ]

    assert everywhere() == [expected] * 3  # the window as the update left it
    reset_caches()  # this process's decoded copy is gone: the window's stored entries are read
    assert everywhere() == [expected] * 3
    if stores.cache == "redis":
        stores.raw_redis().flushdb()
    reset_caches()  # no window at all: the database answers and fills the window again
    assert everywhere() == [expected] * 3
    assert messaging.recent_messages(channel, viewer_id=ada)[0].sources == () == question.sources

    many = [Source(f"Page {i}", f"https://example.com/{i}") for i in range(MAX_SOURCES + 5)]
    again = messaging.update_agent_message(placeholder.id, agent_id=agent, content="More.", sources=many)
    assert len(again.sources) == MAX_SOURCES and again.sources[0] == many[0]
    cleared = messaging.update_agent_message(placeholder.id, agent_id=agent, content="None.")
    assert cleared.sources == () and messaging.get_message(done.id, viewer_id=ada).sources == ()


def test_history_is_oldest_to_newest_and_pages_have_no_gaps(stores: Stores, use_settings) -> None:
    """Several messages share a timestamp: the cache and the database both order
    by (created_at, id), so the window and the older pages meet exactly."""
    use_settings(NEUROCACHE_CACHE_WINDOW="25")
    ada = make_user()
    channel = make_channel(ada)
    start = datetime.now(UTC) - timedelta(hours=1)
    times = [start + timedelta(seconds=i // 3) for i in range(120)]  # triples share a timestamp
    insert_messages(channel, ada, times, prefix="m")
    for i in range(15):
        messaging.post_message(channel, user_id=ada, content=f"live {i}")
    expected = message_ids(channel)
    assert len(expected) == 135

    for page_size, cursor_kind in ((7, "id"), (10, "cursor"), (25, "id"), (50, "cursor")):
        latest = messaging.recent_messages(channel, min(page_size, 25), viewer_id=ada)
        seen = [m.id for m in latest]
        while True:
            first = latest[0]
            before = first.id if cursor_kind == "id" else first.cursor
            latest = messaging.older_messages(channel, before=before, limit=page_size, viewer_id=ada)
            if not latest:
                break
            seen = [m.id for m in latest] + seen
        assert seen == expected, (page_size, cursor_kind)
        keys = [(m.created_at, m.id) for m in messaging.older_messages(channel, before=None, limit=1000, viewer_id=ada)]
        assert keys == sorted(keys)


def test_recent_with_a_limit_above_the_window_reads_the_database(stores: Stores, use_settings) -> None:
    use_settings(NEUROCACHE_CACHE_WINDOW="5")
    ada = make_user()
    channel = make_channel(ada)
    ids = [messaging.post_message(channel, user_id=ada, content=str(i)).id for i in range(8)]
    assert [m.id for m in messaging.recent_messages(channel, 8, viewer_id=ada)] == ids
    assert [m.id for m in messaging.recent_messages(channel, 5, viewer_id=ada)] == ids[-5:]


def test_database_down_means_unavailable_and_nothing_published(stores: Stores, use_settings) -> None:
    ada = make_user()
    channel = make_channel(ada)

    async def scenario() -> list:
        received: list = []
        ready = asyncio.Event()

        async def consume() -> None:
            async for item in bus.listen(ready=ready):
                received.append(item)

        task = asyncio.create_task(consume())
        await asyncio.wait_for(ready.wait(), 5)
        dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
        use_settings(DATABASE_URL=dead)
        with pytest.raises(Unavailable, match="nothing was saved"):
            await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="lost?")
        with pytest.raises(Unavailable, match="cannot be loaded"):
            await asyncio.to_thread(messaging.recent_messages, channel, viewer_id=ada)
        use_settings(DATABASE_URL=stores.database_url)
        view = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="after")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        return [(c, e.type, e.message.id) for c, e in received] + [view.id]

    *events, last_id = asyncio.run(scenario())
    assert events == [(channel, "message.created", last_id)]  # only the committed one
    assert [m.content for m in messaging.recent_messages(channel, viewer_id=ada)] == ["after"]
