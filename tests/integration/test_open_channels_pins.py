"""Open and private channels (services/directory.py and the read rules of
services/channels.py), pins and saved messages (services/pins.py): who finds,
reads, joins, pins and saves what; private channels stay invisible in Browse,
search and mentions. On Postgres + Redis and SQLite + in-process."""

from __future__ import annotations

import uuid

import pytest

from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.services import channels, directory, mentions, messaging, pins, search
from tests.integration.messaging_support import Stores, make_user
from tests.integration.test_runner import BusRecorder

pytestmark = pytest.mark.timeout(60)


def _open_and_private(owner: int, tag: str = "") -> tuple[channels.ChannelView, channels.ChannelView]:
    """An open and a private channel whose names carry `tag` (Browse lists every test's channels)."""
    shared = channels.create_channel(owner, name=f"Launch plans {tag}", description="Where the launch happens", visibility="open")
    secret = channels.create_channel(owner, name=f"Launch secrets {tag}", description="Salaries")
    return shared, secret


def test_visibility_defaults_to_private_and_is_checked(stores: Stores) -> None:
    ada = make_user("Ada")
    assert channels.create_channel(ada, name="Plain").visibility == "private"
    with pytest.raises(Invalid, match="open"):
        channels.create_channel(ada, name="Odd", visibility="public")


def test_browse_lists_open_channels_only_and_searches_pages(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    tag = uuid.uuid4().hex[:8]
    shared, secret = _open_and_private(ada, tag)
    found, more = directory.browse(bob, query=tag)
    assert [c.slug for c in found] == [shared.slug] and not more
    assert (found[0].member_count, found[0].is_member, found[0].description) == (1, False, "Where the launch happens")
    assert all(c.id != secret.id for c in directory.browse(bob, per_page=100)[0])
    assert directory.browse(bob, query="SALARIES")[0] == []
    assert directory.browse(bob, query=f"{tag[:4]}%{tag[5:]}")[0] == []  # wildcards are literal
    extra = [channels.create_channel(ada, name=f"Open {tag} {i}", visibility="open") for i in range(3)]
    first, more = directory.browse(bob, query=f"open {tag}", per_page=2)
    second, last = directory.browse(bob, query=f"OPEN {tag}", page=2, per_page=2)
    assert more and not last and [c.slug for c in first + second] == [c.slug for c in extra]


async def test_a_non_member_reads_an_open_channel_joins_it_and_never_sees_a_private_one(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    shared, secret = _open_and_private(ada)
    first = messaging.post_message(shared.id, user_id=ada, content="kickoff notes").id
    messaging.post_message(secret.id, user_id=ada, content="kickoff salaries")

    view = channels.get_channel(shared.slug, bob)
    assert (view.is_member, view.visibility) == (False, "open")
    assert [m.content for m in messaging.recent_messages(shared.id, viewer_id=bob)] == ["kickoff notes"]
    assert messaging.messages_around(shared.id, first, viewer_id=bob)[0][0].id == first
    assert channels.mark_read(shared.id, bob) is False  # no marker to move, and no error
    with pytest.raises(Forbidden, match="Join this channel"):  # reading is not posting
        messaging.post_message(shared.id, user_id=bob, content="hi")
    for read in (lambda: channels.get_channel(secret.slug, bob), lambda: messaging.recent_messages(secret.id, viewer_id=bob),
                 lambda: directory.join(secret.slug, bob)):
        with pytest.raises(NotFound, match="Channel not found"):
            read()

    async with BusRecorder(shared.id) as recorder:
        joined = directory.join(shared.slug, bob)
    assert joined.is_member and joined.member_count == 2
    kinds = [event["type"] for _, event in recorder.events]
    assert kinds == ["channel.membership", "channel.agents"]  # the sidebar and the member list update live
    assert recorder.events[0][1]["user_ids"] == [bob] and recorder.events[0][1]["joined"]
    assert directory.join(shared.slug, bob).member_count == 2  # idempotent
    assert [c.slug for c in channels.list_channels(bob)] == [shared.slug]
    assert messaging.post_message(shared.id, user_id=bob, content="hi").content == "hi"


def test_search_and_mentions_respect_visibility(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    shared, secret = _open_and_private(ada)
    messaging.post_message(secret.id, user_id=ada, content="zebra budget for @Bob")
    messaging.post_message(shared.id, user_id=ada, content="zebra roadmap for @Bob")
    assert search.search_messages(bob, "zebra").hits == []  # nothing of a private channel, nor of one not joined
    assert mentions.unseen_count(bob) == 0  # a mention of a non-member is not recorded
    directory.join(shared.slug, bob)
    assert [h.channel_slug for h in search.search_messages(bob, "zebra").hits] == [shared.slug]
    messaging.post_message(shared.id, user_id=ada, content="@Bob welcome")
    messaging.post_message(secret.id, user_id=ada, content="@Bob still secret")
    assert mentions.unseen_count(bob) == 1
    assert [m.name for m in channels.members(shared.id, bob)] == ["Ada", "Bob"]
    with pytest.raises(NotFound):
        channels.members(secret.id, bob)


def test_only_the_owner_changes_visibility(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    shared, secret = _open_and_private(ada)
    directory.join(shared.slug, bob)
    with pytest.raises(Forbidden):
        directory.set_visibility(shared.id, bob, "private")
    with pytest.raises(NotFound):
        directory.set_visibility(secret.id, bob, "open")
    assert directory.set_visibility(shared.id, ada, "private").visibility == "private"
    assert all(c.id != shared.id for c in directory.browse(bob, per_page=100)[0])
    assert channels.get_channel(shared.slug, bob).is_member  # its members stay


async def test_pins_by_members_live_and_readable_by_readers(stores: Stores) -> None:
    ada, bob, eve = make_user("Ada"), make_user("Bob"), make_user("Eve")
    shared, secret = _open_and_private(ada)
    ids = [messaging.post_message(shared.id, user_id=ada, content=f"m{i}").id for i in range(20)]
    hidden = messaging.post_message(secret.id, user_id=ada, content="salary").id
    async with BusRecorder(shared.id) as recorder:
        assert pins.set_pinned(ids[14], user_id=ada, pinned=True)
        assert not pins.set_pinned(ids[14], user_id=ada, pinned=True)  # already pinned: no second event
    assert [event for _, event in recorder.events] == [{"type": "channel.pins", "message_id": ids[14], "pinned": True}]
    listed = pins.pinned(shared.id, viewer_id=bob)  # a reader of the open channel sees its pins
    assert [(p.message.content, p.pinned_by) for p in listed] == [("m14", "Ada")]
    with pytest.raises(Forbidden, match="Join this channel"):  # only members pin
        pins.set_pinned(ids[3], user_id=bob, pinned=True)
    for forbidden in (lambda: pins.set_pinned(hidden, user_id=eve, pinned=True), lambda: pins.pinned(secret.id, viewer_id=eve),
                      lambda: pins.set_pinned(ids[1], user_id=ada, pinned=True, channel_id=secret.id)):
        with pytest.raises(NotFound):
            forbidden()
    directory.join(shared.slug, bob)
    assert pins.set_pinned(ids[14], user_id=bob, pinned=False)
    assert pins.pinned_ids(shared.id, viewer_id=ada) == []


def test_saved_messages_are_private_paged_and_drop_what_is_no_longer_readable(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    shared, secret = _open_and_private(ada)
    kept = messaging.post_message(shared.id, user_id=ada, content="keep this").id
    hidden = messaging.post_message(secret.id, user_id=ada, content="salary").id
    with pytest.raises(NotFound):
        pins.set_saved(hidden, user_id=bob, saved=True)
    assert pins.set_saved(kept, user_id=bob, saved=True) and not pins.set_saved(kept, user_id=bob, saved=True)
    assert pins.saved_messages(ada) == ([], False)  # private to Bob
    items, more = pins.saved_messages(bob)
    assert [(s.message.content, s.channel_slug) for s in items] == [("keep this", shared.slug)] and not more
    assert pins.saved_ids(shared.id, user_id=bob) == [kept]
    directory.set_visibility(shared.id, ada, "private")  # Bob never joined: he can no longer read it
    assert pins.saved_messages(bob) == ([], False)
    directory.set_visibility(shared.id, ada, "open")
    messaging.delete_message(kept, user_id=ada)
    assert pins.saved_messages(bob) == ([], False)
    many = [messaging.post_message(shared.id, user_id=ada, content=f"s{i}").id for i in range(3)]
    for message_id in many:
        pins.set_saved(message_id, user_id=bob, saved=True)
    page_one, more = pins.saved_messages(bob, per_page=2)
    page_two, last = pins.saved_messages(bob, page=2, per_page=2)
    assert more and not last and sorted(s.message.id for s in page_one + page_two) == many
