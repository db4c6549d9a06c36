"""Channel roles (services/roles.py, services/moderation.py, and the channel and message
actions that ask them) on Postgres + Redis and SQLite + the in-process bus: owner,
moderators and members, who may rename, archive, remove members and delete other
people's messages, and the news those changes publish."""

from __future__ import annotations

import uuid

import pytest

from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.roles import ChannelRole
from neurocache_ui.services import channels, messaging, moderation
from neurocache_ui.services.roles import ensure_role
from tests.integration.messaging_support import Stores
from tests.integration.test_runner import BusRecorder, person

pytestmark = pytest.mark.timeout(60)


def team_of_four(stores: Stores):
    """Ada owns the channel; Bob, Cy and Dee are members."""
    ada, bob, cy, dee = person("Ada"), person("Bob"), person("Cy"), person("Dee")
    channel = channels.create_channel(ada.id, name=f"launch {uuid.uuid4().hex[:6]}")
    for someone in (bob, cy, dee):
        channels.invite(channel.id, ada.id, someone.email)
    return channel, ada, bob, cy, dee


def roles_of(channel_id: int, viewer_id: int) -> dict[str, str]:
    return {m.name.split()[0]: m.role.value for m in moderation.members(channel_id, viewer_id)}


async def test_the_owner_names_moderators_and_only_the_owner_can(stores: Stores) -> None:
    channel, ada, bob, cy, dee = team_of_four(stores)
    assert channels.get_channel(channel.id, ada.id).role == ChannelRole.OWNER
    assert channels.get_channel(channel.id, bob.id).role == ChannelRole.MEMBER

    async with BusRecorder(channel.id) as recorder:
        made = moderation.set_role(channel.id, ada.id, bob.id, "moderator")
    assert made.role == ChannelRole.MODERATOR
    assert [e["type"] for _, e in recorder.events] == ["channel.agents"]  # viewers reload the team
    assert channels.get_channel(channel.id, bob.id).can_moderate
    assert set(roles_of(channel.id, cy.id).values()) == {"owner", "moderator", "member"}

    with pytest.raises(Forbidden, match="Only the channel's owner can choose moderators"):
        moderation.set_role(channel.id, bob.id, cy.id, "moderator")  # a moderator cannot name more
    with pytest.raises(Invalid):
        moderation.set_role(channel.id, ada.id, ada.id, "member")  # the owner stays the owner
    with pytest.raises(Invalid):
        moderation.set_role(channel.id, ada.id, cy.id, "owner")
    outsider = person("Eve")
    with pytest.raises(NotFound):
        moderation.set_role(channel.id, outsider.id, cy.id, "moderator")
    with pytest.raises(Invalid):
        moderation.set_role(channel.id, ada.id, outsider.id, "moderator")  # not a member

    moderation.set_role(channel.id, ada.id, bob.id, "member")
    with pytest.raises(Forbidden):
        ensure_role(channel.id, bob.id, ChannelRole.MODERATOR, "rename it")


async def test_moderators_rename_archive_and_remove_members_but_members_cannot(stores: Stores) -> None:
    channel, ada, bob, cy, dee = team_of_four(stores)
    moderation.set_role(channel.id, ada.id, bob.id, "moderator")

    with pytest.raises(Forbidden, match="Only the channel's owner or a moderator can rename it"):
        channels.rename(channel.id, cy.id, "mine now")
    assert channels.rename(channel.id, bob.id, "Launch room").name == "Launch room"

    with pytest.raises(Forbidden, match="remove members"):
        moderation.remove_member(channel.id, cy.id, dee.id)
    async with BusRecorder(channel.id) as recorder:
        moderation.remove_member(channel.id, bob.id, dee.id)
    removed = [e for _, e in recorder.events if e["type"] == "channel.membership"]
    assert removed == [{"type": "channel.membership", "user_ids": [dee.id], "joined": False,
                        "notice": f"{bob.name} removed you from #Launch room.", "closed": True}]
    with pytest.raises(NotFound):
        channels.get_channel(channel.id, dee.id)

    with pytest.raises(Forbidden):
        moderation.remove_member(channel.id, bob.id, ada.id)  # nobody removes the owner
    moderation.set_role(channel.id, ada.id, cy.id, "moderator")
    with pytest.raises(Forbidden):
        moderation.remove_member(channel.id, bob.id, cy.id)  # a moderator does not remove another
    moderation.remove_member(channel.id, ada.id, cy.id)  # the owner does

    with pytest.raises(Forbidden, match="Only the channel's owner can delete it"):
        channels.delete_channel(channel.id, bob.id)
    channels.archive(channel.id, bob.id)
    assert channels.get_channel(channel.id, ada.id).archived


async def test_members_leave_and_the_owner_cannot(stores: Stores) -> None:
    channel, ada, bob, *_ = team_of_four(stores)
    moderation.set_role(channel.id, ada.id, bob.id, "moderator")
    channels.leave(channel.id, bob.id)  # a moderator may leave too
    with pytest.raises(Invalid, match="Delete the channel instead"):
        channels.leave(channel.id, ada.id)


async def test_a_moderator_deletes_anothers_message_and_a_member_cannot(stores: Stores) -> None:
    channel, ada, bob, cy, dee = team_of_four(stores)
    moderation.set_role(channel.id, ada.id, bob.id, "moderator")
    cys = messaging.post_message(channel.id, user_id=cy.id, content="buy cheap watches")
    dees = messaging.post_message(channel.id, user_id=dee.id, content="fine message")

    with pytest.raises(Forbidden, match="Only the channel's owner or a moderator can delete other people's messages"):
        messaging.delete_message(cys.id, user_id=dee.id)
    with pytest.raises(NotFound):
        messaging.delete_message(cys.id, user_id=person("Eve").id)
    async with BusRecorder(channel.id) as recorder:
        messaging.delete_message(cys.id, user_id=bob.id)
    assert [e["type"] for _, e in recorder.events] == ["message.deleted"]
    assert [m.id for m in messaging.recent_messages(channel.id, 10, viewer_id=ada.id)] == [dees.id]

    messaging.delete_message(dees.id, user_id=dee.id)  # anyone deletes their own
    assert messaging.recent_messages(channel.id, 10, viewer_id=ada.id) == []
    with pytest.raises(Forbidden):
        messaging.edit_message(
            messaging.post_message(channel.id, user_id=cy.id, content="x").id, user_id=bob.id, content="edited"
        )  # moderators delete, they never put words in someone's mouth
