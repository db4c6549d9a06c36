"""What a person's own tabs are told about channels (services/channels.py): being
invited, leaving, a channel archived or deleted under them, and reading a channel
on one device (the others clear its count). Published after the commit, on both
backends (Postgres + Redis pub/sub, SQLite + the in-process bus)."""

from __future__ import annotations

import uuid

import pytest

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.services import channels, directory, messaging
from tests.integration.messaging_support import Stores
from tests.integration.test_runner import BusRecorder, person

pytestmark = pytest.mark.timeout(60)


def news(recorder: BusRecorder, kind: str) -> list[dict]:
    return [event for _, event in recorder.events if event["type"] == kind]


async def test_an_invite_tells_the_new_member_and_the_channels_viewers(stores: Stores) -> None:
    ada, bob = person("Ada"), person("Bob")
    channel = channels.create_channel(ada.id, name=f"launch {uuid.uuid4().hex[:6]}")
    async with BusRecorder(channel.id) as recorder:
        channels.invite(channel.id, ada.id, bob.email)
    [joined] = news(recorder, "channel.membership")
    assert joined == {"type": "channel.membership", "user_ids": [bob.id], "joined": True,
                      "notice": f"{ada.name} added you to #{channel.name}.", "closed": False}
    assert news(recorder, "channel.agents")  # viewers reload whom they can @mention
    async with BusRecorder(channel.id) as recorder:
        with pytest.raises(Invalid):
            channels.invite(channel.id, ada.id, bob.email)  # already a member: no news
    assert recorder.events == []


async def test_leaving_archiving_and_deleting_take_the_channel_out_of_sidebars(stores: Stores) -> None:
    ada, bob, cy = person("Ada"), person("Bob"), person("Cy")
    channel = channels.create_channel(ada.id, name=f"launch {uuid.uuid4().hex[:6]}")
    for someone in (bob, cy):
        channels.invite(channel.id, ada.id, someone.email)
    async with BusRecorder(channel.id) as recorder:
        channels.leave(channel.id, cy.id)
    assert news(recorder, "channel.membership") == [
        {"type": "channel.membership", "user_ids": [cy.id], "joined": False, "notice": f"You left #{channel.name}.",
         "closed": True}
    ]
    async with BusRecorder(channel.id) as recorder:
        channels.archive(channel.id, ada.id)
        channels.archive(channel.id, ada.id)  # again: nothing changes, no news
    [archived] = news(recorder, "channel.membership")
    assert sorted(archived["user_ids"]) == sorted([ada.id, bob.id]) and not archived["joined"]
    assert not archived["closed"]  # archived: still readable by its members
    assert archived["notice"] == f"#{channel.name} was archived by {ada.name}."
    async with BusRecorder(channel.id) as recorder:
        channels.delete_channel(channel.id, ada.id)
    [deleted] = news(recorder, "channel.membership")
    assert sorted(deleted["user_ids"]) == sorted([ada.id, bob.id])
    assert deleted["notice"] == f"#{channel.name} was deleted by {ada.name}." and deleted["closed"]


async def test_reading_to_the_newest_message_tells_the_readers_other_tabs(stores: Stores) -> None:
    ada, bob = person("Ada"), person("Bob")
    channel = channels.create_channel(ada.id, name=f"launch {uuid.uuid4().hex[:6]}")
    channels.invite(channel.id, ada.id, bob.email)
    messaging.post_message(channel.id, user_id=ada.id, content="hello")
    async with BusRecorder(channel.id) as recorder:
        assert channels.mark_read(channel.id, bob.id)
        assert not channels.mark_read(channel.id, bob.id)  # nothing new: no news
    assert news(recorder, "channel.read") == [{"type": "channel.read", "user_id": bob.id}]


async def test_making_a_channel_private_tells_its_viewers_who_may_still_read_it(stores: Stores) -> None:
    """Published after the commit, once per change to private, naming the members: the
    tabs of anyone else reading it (an open channel) drop it (web/realtime/dispatch.py)."""
    ada, bob = person("Ada"), person("Bob")
    channel = channels.create_channel(ada.id, name=f"town hall {uuid.uuid4().hex[:6]}", visibility="open")
    channels.invite(channel.id, ada.id, bob.email)
    async with BusRecorder(channel.id) as recorder:
        directory.set_visibility(channel.id, ada.id, "private")
        directory.set_visibility(channel.id, ada.id, "private")  # already private: no news
        directory.set_visibility(channel.id, ada.id, "open")  # opening hides nothing
    [hidden] = news(recorder, "channel.hidden")
    assert hidden["name"] == channel.name and sorted(hidden["member_ids"]) == sorted([ada.id, bob.id])
    assert len(recorder.events) == 1
