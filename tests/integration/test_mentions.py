"""Mentions of people: recorded by services.messaging when a person's message is
posted or an agent's reply finishes, read by services.mentions for the badge
(unseen count) and the Mentions view (keyset pages), marked seen. On Postgres +
Redis and on SQLite + in-process."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.services import channels, mentions, messaging
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Mention
from tests.integration.messaging_support import (
    Stores,
    make_agent,
    make_channel,
    make_user,
)


def recorded(message_id: int) -> set[int]:
    """The people the message's Mention rows name."""
    with get_engine().connect() as conn:
        return set(conn.execute(sa.select(Mention.user_id).where(Mention.message_id == message_id)).scalars())


def test_a_post_records_the_members_it_names_never_its_author(stores: Stores) -> None:
    ada, bob, cleo = make_user("Ada Lovelace"), make_user("Bob"), make_user("Cleo")
    outsider = make_user("Dora")
    channel = make_channel(ada, bob, cleo)

    view = messaging.post_message(
        channel, user_id=ada, content="@ada lovelace, @BOB and @Dora: see @Cleopatra and mail x@Cleo"
    )
    # Names with spaces, any case; the author (Ada names herself) and non-members (Dora)
    # are not recorded; "@Cleopatra" and "x@Cleo" do not name Cleo.
    assert recorded(view.id) == {bob}
    assert (mentions.unseen_count(bob), mentions.unseen_count(cleo)) == (1, 0)
    assert mentions.unseen_count(ada) == mentions.unseen_count(outsider) == 0

    plain = messaging.post_message(channel, user_id=bob, content="no names here")
    assert recorded(plain.id) == set()
    both = messaging.post_message(channel, user_id=bob, content="@Ada Lovelace @cleo ping")
    assert recorded(both.id) == {ada, cleo}
    assert [mentions.unseen_count(u) for u in (ada, bob, cleo)] == [1, 1, 1]


def test_an_agent_reply_records_its_mentions_when_it_is_finished(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    agent = make_agent(ada)

    placeholder = messaging.post_message(channel, agent_id=agent, content="", status="streaming")
    messaging.update_agent_message(placeholder.id, agent_id=agent, content="Thinking about @Bob…", status="streaming")
    assert recorded(placeholder.id) == set()  # not yet: only a finished reply mentions anyone
    assert mentions.unseen_count(bob) == 0

    messaging.update_agent_message(placeholder.id, agent_id=agent, content="Done, @Bob and @ada.")
    assert recorded(placeholder.id) == {ada, bob}
    [item] = mentions.page(bob).items
    assert (item.message_id, item.author_name, item.content) == (placeholder.id, "Scout", "Done, @Bob and @ada.")

    finished = messaging.post_message(channel, agent_id=agent, content="Hello @Bob")  # posted complete at once
    assert recorded(finished.id) == {bob}
    assert mentions.unseen_count(bob) == 2


def test_pages_are_newest_first_with_message_author_and_channel(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    posted = [messaging.post_message(channel, user_id=ada, content=f"@Bob number {i}").id for i in range(25)]
    root = posted[0]
    reply = messaging.post_message(channel, user_id=ada, content="@Bob in a thread", thread_id=root).id

    first = mentions.page(bob)
    assert [m.message_id for m in first.items] == [reply, *reversed(posted[-19:])]
    assert first.has_more and first.cursor == posted[-19]
    newest = first.items[0]
    slug = channels.get_channel(channel, bob).slug
    assert (newest.channel_id, newest.channel_slug, newest.channel_name) == (channel, slug, "Test")
    assert (newest.author_name, newest.content, newest.seen, newest.thread_id) == ("Ada", "@Bob in a thread", False, root)
    assert newest.href == f"/channels/{slug}?m={reply}"

    second = mentions.page(bob, before=first.cursor)
    assert [m.message_id for m in second.items] == list(reversed(posted[:6]))
    assert not second.has_more
    assert mentions.page(bob, before=posted[0]).items == []
    assert [m.message_id for m in mentions.page(bob, limit=2).items] == [reply, posted[-1]]
    assert mentions.page(ada).items == []


@pytest.mark.parametrize(
    ("before", "limit"),
    [(None, 0), (None, 101), (None, True), (0, 20), (-5, 20), ("12", 20), (True, 20)],
)
def test_page_refuses_bad_cursors_and_sizes(stores: Stores, before: object, limit: object) -> None:
    bob = make_user("Bob")
    with pytest.raises(Invalid):
        mentions.page(bob, before=before, limit=limit)  # type: ignore[arg-type]


def test_only_channels_the_person_is_still_in_count(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    stays, left = make_channel(ada, bob), make_channel(ada, bob)
    kept = messaging.post_message(stays, user_id=ada, content="@Bob here").id
    messaging.post_message(left, user_id=ada, content="@Bob there")
    assert mentions.unseen_count(bob) == 2

    channels.leave(left, bob)
    assert mentions.unseen_count(bob) == 1
    assert [m.message_id for m in mentions.page(bob).items] == [kept]


def test_mark_seen_clears_the_badge_and_keeps_the_mentions(stores: Stores) -> None:
    ada, bob, cleo = make_user("Ada"), make_user("Bob"), make_user("Cleo")
    one, two = make_channel(ada, bob, cleo), make_channel(ada, bob)
    a = messaging.post_message(one, user_id=ada, content="@Bob @Cleo first").id
    b = messaging.post_message(two, user_id=ada, content="@Bob second").id
    c = messaging.post_message(one, user_id=ada, content="@Bob third").id

    assert mentions.mark_seen(bob, one) == 2  # one channel only
    assert mentions.unseen_count(bob) == 1
    assert {m.message_id: m.seen for m in mentions.page(bob).items} == {a: True, b: False, c: True}
    assert mentions.unseen_count(cleo) == 1  # only Bob's own mentions were touched

    later = messaging.post_message(two, user_id=ada, content="@Bob fourth").id
    assert mentions.mark_seen(bob, through=c) == 1  # up to the newest shown: `later` stays new
    assert {m.message_id for m in mentions.page(bob).items if not m.seen} == {later}
    assert mentions.mark_seen(bob) == 1
    assert mentions.unseen_count(bob) == 0
    assert mentions.mark_seen(bob) == 0
    assert len(mentions.page(bob).items) == 4

    with pytest.raises(Invalid):
        mentions.mark_seen(bob, 0)
    with pytest.raises(Invalid):
        mentions.mark_seen(bob, through=-1)


def test_deleting_a_message_takes_its_mention(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    view = messaging.post_message(channel, user_id=ada, content="@Bob oops")
    assert mentions.unseen_count(bob) == 1
    messaging.delete_message(view.id, user_id=ada)
    assert mentions.unseen_count(bob) == 0
    assert mentions.page(bob).items == []


def test_an_edit_adds_and_removes_mentions_and_keeps_what_was_seen(stores: Stores) -> None:
    ada, bob, cleo = make_user("Ada"), make_user("Bob"), make_user("Cleo")
    channel = make_channel(ada, bob, cleo)
    view = messaging.post_message(channel, user_id=ada, content="draft")
    messaging.edit_message(view.id, user_id=ada, content="@Bob have a look")
    assert recorded(view.id) == {bob} and mentions.unseen_count(bob) == 1
    mentions.mark_seen(bob)
    messaging.edit_message(view.id, user_id=ada, content="@Bob and @Cleo have a look")
    assert recorded(view.id) == {bob, cleo}
    assert (mentions.unseen_count(bob), mentions.unseen_count(cleo)) == (0, 1)  # Bob had seen it already
    messaging.edit_message(view.id, user_id=ada, content="never mind")
    assert recorded(view.id) == set() and mentions.unseen_count(cleo) == 0
