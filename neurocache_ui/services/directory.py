"""Open channels: finding them (Browse channels), joining one, and an owner switching
a channel between open and private. Private channels never appear here; the rules of
who may read what are services/channels.py's (`get_channel`, `ensure_readable`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from neurocache_ui.domain import visibility as visibility_rules
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.events import ChannelHidden, MembershipChanged, TeamChanged
from neurocache_ui.services import channels
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.repositories import channels as channel_repo
from neurocache_ui.store.repositories import directory as repo

PAGE = 25
QUERY_MAX = 100


@dataclass(frozen=True)
class OpenChannel:
    """One row of Browse channels."""

    id: int
    slug: str
    name: str
    description: str
    member_count: int
    is_member: bool


def browse(viewer_id: int, *, query: str = "", page: int = 1, per_page: int = PAGE) -> tuple[list[OpenChannel], bool]:
    """A page of the open, unarchived channels whose name or description contains
    `query`, by name, and whether another page follows."""
    query = " ".join((query or "").split())
    if len(query) > QUERY_MAX:
        raise Invalid(f"Search for at most {QUERY_MAX} characters.", "q")
    if not 1 <= page <= 10_000 or not 1 <= per_page <= 100:
        raise Invalid("Ask for a page from 1 and between 1 and 100 channels per page.", "page")
    with session_scope() as session:
        rows = repo.open_channels(session, viewer_id, query, (page - 1) * per_page, per_page + 1)
    found = [OpenChannel(id=r[0], slug=r[1], name=r[2], description=r[3], member_count=r[4], is_member=bool(r[5])) for r in rows]
    return found[:per_page], len(found) > per_page


def join(slug_or_id: str | int, user_id: int) -> channels.ChannelView:
    """Join an open channel (idempotent for a member). A private channel is NotFound,
    exactly as if it did not exist; an archived one cannot be joined."""
    view = channels.get_channel(slug_or_id, user_id)
    if view.is_member:
        return view
    if view.archived:
        raise Forbidden(channels.ARCHIVED)
    try:
        with session_scope() as session:
            if not channel_repo.readable(session, view.id, user_id):  # made private a moment ago
                raise NotFound(channels.NOT_FOUND)
            channel_repo.add_member(session, view.id, user_id)
    except IntegrityError:  # joined from another tab at the same moment
        return channels.get_channel(view.id, user_id)
    notice = f"You joined #{view.name}."
    channels.announce(view.id, MembershipChanged(user_ids=[user_id], joined=True, notice=notice), TeamChanged())
    return channels.get_channel(view.id, user_id)


def set_visibility(channel_id: int, actor_id: int, visibility: str) -> channels.ChannelView:
    """Owner only. Making a channel private keeps its members; it leaves Browse, and
    once committed `ChannelHidden` takes it from every page reading it without being a
    member (their live events of it stop there)."""
    shown_to = visibility_rules.clean(visibility)
    hidden = None
    with session_scope() as session:
        channel = channel_repo.for_member(session, channel_id, actor_id)
        if channel is None:
            raise NotFound(channels.NOT_FOUND)
        if channel.owner_id != actor_id:
            raise Forbidden("Only the channel's owner can change who can find it.")
        if shown_to == visibility_rules.PRIVATE and channel.visibility != shown_to:
            members = [row[0] for row in channel_repo.members(session, channel_id, actor_id)]
            hidden = ChannelHidden(name=channel.name, member_ids=members)
        channel.visibility = shown_to
        session.add(channel)
    if hidden is not None:
        channels.announce(channel_id, hidden)
    return channels.get_channel(channel_id, actor_id)
