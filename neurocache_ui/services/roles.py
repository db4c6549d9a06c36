"""The one check of a channel role: `ensure_role(channel_id, user_id, at_least, action)`.

Renaming, archiving, removing members and deleting other people's messages need a
moderator or the owner; deleting the channel and naming moderators need the owner
(domain/roles.py says which role outranks which). The hub's handlers and the API's
routes both reach these rules through the services that call this, so the socket
and the API refuse alike: a non-member gets NotFound, a member whose role is too low
Forbidden with a message that says who may."""

from __future__ import annotations

from sqlmodel import Session

from neurocache_ui.domain import dm_rules
from neurocache_ui.domain.errors import Forbidden, NotFound
from neurocache_ui.domain.roles import ChannelRole, at_least, parse_role, refusal
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Channel
from neurocache_ui.store.repositories import roles as repo

NOT_FOUND = "Channel not found."


def role_in(channel: Channel, user_id: int, stored: str) -> ChannelRole:
    """The channel's `owner_id` is its owner whatever the row says; a stored "owner"
    anywhere else (a hand-edited row) counts as a plain member, never as an owner. Nobody
    owns or moderates a DM (domain/dm_rules.py): its members are equals."""
    if channel.kind == dm_rules.DM:
        return ChannelRole.MEMBER
    if channel.owner_id == user_id:
        return ChannelRole.OWNER
    role = parse_role(stored)
    return ChannelRole.MEMBER if role == ChannelRole.OWNER else role


def ensure_role(
    channel_id: int, user_id: int, needed: ChannelRole, action: str, *, session: Session | None = None
) -> tuple[Channel, ChannelRole]:
    """The channel and the user's role in it, if that role is at least `needed`;
    NotFound for a non-member, Forbidden("Only … can {action}.") for a lower role.
    One lookup, in the caller's transaction when `session` is given."""
    with session_scope(session) as unit:
        found = repo.membership(unit, channel_id, user_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    channel, stored = found
    role = role_in(channel, user_id, stored)
    if not at_least(role, needed):
        raise Forbidden(refusal(needed, action))
    return channel, role
