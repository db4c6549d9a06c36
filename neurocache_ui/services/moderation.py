"""A channel's people and their roles: the members list with roles, the owner naming
and un-naming moderators, and the owner or a moderator removing someone. Every
check is `services/roles.ensure_role`; the news goes out after the commit, like
leaving: the removed person's tabs drop the channel, its viewers reload its team."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.events import MembershipChanged, TeamChanged
from neurocache_ui.domain.roles import ChannelRole, may_remove
from neurocache_ui.services.channels import announce
from neurocache_ui.services.roles import NOT_FOUND, ensure_role, role_in
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import User
from neurocache_ui.store.repositories import channels as channel_rows
from neurocache_ui.store.repositories import roles as repo

NOT_A_MEMBER = "That person is not a member of this channel."


class MemberRole(NamedTuple):
    user_id: int
    name: str
    role: ChannelRole


def members(channel_id: int, viewer_id: int) -> list[MemberRole]:
    """Everyone in the channel with their role, by name; NotFound unless the viewer is one of them."""
    with session_scope() as session:
        found = repo.membership(session, channel_id, viewer_id)
        rows = repo.roster(session, channel_id, viewer_id) if found else []
    if found is None:
        raise NotFound(NOT_FOUND)
    channel = found[0]
    return [MemberRole(user_id=r[0], name=r[1], role=role_in(channel, r[0], r[2])) for r in rows]


def set_role(channel_id: int, actor_id: int, user_id: int, role: str) -> MemberRole:
    """The owner makes a member a moderator or a moderator a member again. Ownership
    is not handed over here: the owner is the channel's `owner_id`."""
    try:
        wanted = ChannelRole(role)
    except ValueError:
        wanted = ChannelRole.OWNER  # refused below, with the same message
    if wanted == ChannelRole.OWNER:
        raise Invalid("A member's role is either moderator or member.", "role")
    with session_scope() as session:
        channel, _ = ensure_role(channel_id, actor_id, ChannelRole.OWNER, "choose moderators", session=session)
        if user_id == channel.owner_id:
            raise Invalid("The owner's role cannot change.", "role")
        if not repo.set_role(session, channel_id, user_id, wanted.value):
            raise Invalid(NOT_A_MEMBER)
        name = session.exec(sa.select(User.name).where(User.id == user_id)).scalar_one()  # type: ignore[call-overload]
    announce(channel_id, TeamChanged())
    return MemberRole(user_id=user_id, name=name, role=wanted)


def remove_member(channel_id: int, actor_id: int, user_id: int) -> None:
    """The owner removes anyone but themself; a moderator removes plain members. The
    person's messages stay; their tabs drop the channel and are told who removed them."""
    with session_scope() as session:
        channel, actor_role = ensure_role(channel_id, actor_id, ChannelRole.MODERATOR, "remove members", session=session)
        target = repo.membership(session, channel_id, user_id)
        if target is None:
            raise Invalid(NOT_A_MEMBER)
        target_role = role_in(channel, user_id, target[1])
        if user_id == actor_id:
            raise Invalid("To take yourself out of the channel, leave it instead.")
        if not may_remove(actor_role, target_role):
            raise Forbidden("Only the channel's owner can remove a moderator, and nobody can remove the owner.")
        channel_rows.remove_member(session, channel_id, user_id)
        actor = session.exec(sa.select(User.name).where(User.id == actor_id)).scalar_one()  # type: ignore[call-overload]
        notice = f"{actor} removed you from #{channel.name}."
    announce(channel_id, MembershipChanged(user_ids=[user_id], joined=False, notice=notice, closed=True), TeamChanged())
