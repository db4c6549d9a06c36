"""Channels and their members: the one place for channel rules, for the hub and the API.

A private channel exists, for a given user, only if they are a member: every read by
a non-member is NotFound (never Forbidden), so nobody can probe for channels; an open
one may be read (not written) by anyone with an account (domain/visibility.py).
Archived channels are read-only: members can still open them, read and leave."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurocache_ui.domain import dm_rules, limits
from neurocache_ui.domain import visibility as visibility_rules
from neurocache_ui.domain.channel_fields import clean_name, clean_text, slugify
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.events import Event, MembershipChanged, ReadMoved, TeamChanged
from neurocache_ui.domain.roles import ChannelRole
from neurocache_ui.infra import bus
from neurocache_ui.infra import presence as rosters
from neurocache_ui.services.auth import normalize_email
from neurocache_ui.services.roles import NOT_FOUND, ensure_role, role_in
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Channel, User, utcnow
from neurocache_ui.store.repositories import channels as repo
from neurocache_ui.store.repositories import dms as dm_rows
from neurocache_ui.store.slug_claim import insert_with_free_slug

log = logging.getLogger(__name__)

ARCHIVED = "This channel is archived, so it is read-only."
JOIN_FIRST = "Join this channel to take part in it."
RESERVED_SLUGS = frozenset({"browse"})
"""Paths under /api/v1/channels/ that are not channels (api/routes/directory.py)."""


@dataclass(frozen=True)
class ChannelView:
    """A channel as one particular member sees it."""

    id: int
    slug: str
    name: str
    description: str
    goal: str
    owner_id: int
    is_owner: bool
    archived: bool
    created_at: datetime
    member_count: int
    last_read_id: int | None = None
    """The newest message the viewer has read (None: nothing yet), for the "New messages" line."""
    kind: str = dm_rules.CHANNEL
    """"channel", or "dm" (a direct message: named after its other members, nobody owns it)."""
    visibility: str = visibility_rules.PRIVATE
    is_member: bool = True
    """False: an open channel the viewer reads without having joined (read-only)."""
    role: ChannelRole = ChannelRole.MEMBER
    """The viewer's role (services/roles.py): what the page offers them."""

    @property
    def can_moderate(self) -> bool:
        return self.role != ChannelRole.MEMBER


@dataclass(frozen=True)
class ChannelSummary:
    """One sidebar row: enough to link to the channel and show its unread badge.
    `newest` is the newest message's id, counted already (a live event for it is not new)."""

    id: int
    slug: str
    name: str
    unread: int
    newest: int = 0
    kind: str = dm_rules.CHANNEL
    online: bool = False
    """A DM only: one of its other people has a channel open in the hub now (its presence dot)."""
    peer: int = 0
    """A DM with one other person and no agent: their id (the row's profile button); else 0."""
    muted: bool = False
    notify: str = ""  # "" (the kind's default) or the member's choice: domain/notify_rules.py


class Member(NamedTuple):
    user_id: int
    name: str


# ---------------------------------------------------------------- reads and checks


def _view(
    channel: Channel, viewer_id: int, member_count: int, last_read_id: int | None = None,
    is_member: bool = True, session: Session | None = None, stored_role: str = "",
) -> ChannelView:
    """The channel as `viewer_id` sees it; a DM (named through `session`) is named
    after its other members and has no owner."""
    assert channel.id is not None
    name = channel.name
    if channel.kind == dm_rules.DM and session is not None:
        name = dm_rules.title(dm_rows.titles(session, viewer_id, [channel.id])[channel.id][0])
    return ChannelView(
        id=channel.id,
        slug=channel.slug,
        name=name,
        description=channel.description,
        goal=channel.goal,
        owner_id=channel.owner_id,
        is_owner=channel.owner_id == viewer_id and channel.kind != dm_rules.DM,
        archived=channel.archived_at is not None,
        created_at=channel.created_at,
        member_count=member_count,
        last_read_id=last_read_id,
        kind=channel.kind,
        visibility=channel.visibility,
        is_member=is_member,
        role=role_in(channel, viewer_id, stored_role),
    )


def _channel_for_member(session: Session, channel_id: int, user_id: int, *, fixed_dm: bool = False) -> Channel:
    """NotFound for a non-member; with `fixed_dm`, Forbidden for a DM (its members never change)."""
    channel = repo.for_member(session, channel_id, user_id)
    if channel is None:
        raise NotFound(NOT_FOUND)
    if fixed_dm and channel.kind == dm_rules.DM:
        raise Forbidden(dm_rules.FIXED)
    return channel


def _owned_channel(session: Session, channel_id: int, actor_id: int, action: str,
                   needed: ChannelRole = ChannelRole.OWNER) -> Channel:
    _channel_for_member(session, channel_id, actor_id, fixed_dm=True)  # a DM: nobody's to change
    return ensure_role(channel_id, actor_id, needed, action, session=session)[0]


def _visible_view(session: Session, slug_or_id: str | int, viewer_id: int) -> ChannelView:
    found = repo.visible(session, slug_or_id, viewer_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return _view(found[0], viewer_id, found[1], found[2], found[3], session, found[4] or "")


def get_channel(slug_or_id: str | int, viewer_id: int) -> ChannelView:
    """An `int` is an id, a `str` is a slug. One query: a non-member gets the
    same NotFound as for a channel that does not exist, unless it is open."""
    with session_scope() as session:
        return _visible_view(session, slug_or_id, viewer_id)


def member_channel_id(slug_or_id: str | int, user_id: int) -> int:
    """The id of the channel, if `user_id` is a member; NotFound otherwise.
    One statement, for hot paths (the API's message reads) that need only the id."""
    found = repo.member_channel_id(slug_or_id, user_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def ensure_member(channel_id: int, user_id: int, *, session: Session | None = None) -> None:
    """NotFound unless the user is a member: one primary-key lookup, in the
    caller's transaction when `session` is given. On every message read and send."""
    with session_scope(session) as unit:
        if not repo.is_member(unit, channel_id, user_id):
            raise NotFound(NOT_FOUND)


def ensure_readable(channel_id: int, user_id: int, *, session: Session | None = None) -> None:
    """NotFound unless the user may read the channel's messages: a member, or an open
    channel. Private channels stay as invisible as ones that do not exist."""
    with session_scope(session) as unit:
        if not repo.readable(unit, channel_id, user_id):
            raise NotFound(NOT_FOUND)


def ensure_can_post(channel_id: int, user_id: int, *, session: Session | None = None) -> None:
    """Like `ensure_member` (one lookup), and Forbidden for an archived channel or for
    a reader of an open channel who has not joined it."""
    with session_scope(session) as unit:
        member, archived_at = repo.membership(unit, channel_id, user_id)
        if not member and repo.readable(unit, channel_id, user_id):
            raise Forbidden(JOIN_FIRST)
    if not member:
        raise NotFound(NOT_FOUND)
    if archived_at is not None:
        raise Forbidden(ARCHIVED)


def may_post(channel_id: int, user_id: int) -> sa.ColumnElement[bool]:
    """The condition `ensure_can_post` checks, as SQL for a write to check in one
    statement; when it fails, `ensure_can_post` says why."""
    return repo.can_post(channel_id, user_id)


def list_channels(user_id: int) -> list[ChannelSummary]:
    """The user's active channels and DMs with unread counts, in one query; DMs (two
    more, when there are any) named as this user sees them, with presence."""
    with session_scope() as session:
        rows = repo.summaries(session, user_id)
        dms = dm_rows.titles(session, user_id, [r[0] for r in rows if r[5] == dm_rules.DM])
    online = rosters.online_in_hub() if dms else set()
    found = [
        ChannelSummary(id=r[0], slug=r[1], name=r[2], unread=r[3], newest=r[4], kind=r[5], muted=r[6], notify=r[7] or "")
        if r[0] not in dms
        else ChannelSummary(id=r[0], slug=r[1], name=dm_rules.title(dms[r[0]][0]), unread=r[3], newest=r[4],
                            kind=r[5], online=bool(online & set(dms[r[0]][1])), muted=r[6], notify=r[7] or "",
                            peer=dms[r[0]][1][0] if len(dms[r[0]][0]) == len(dms[r[0]][1]) == 1 else 0)
        for r in rows
    ]
    return sorted(found, key=lambda c: (c.name.casefold(), c.id)) if dms else found


def members(channel_id: int, viewer_id: int) -> list[Member]:
    """Everyone in the channel, by name; NotFound unless the viewer is one of them."""
    with session_scope() as session:
        rows = repo.members(session, channel_id, viewer_id)
    if not rows:
        raise NotFound(NOT_FOUND)
    return [Member(user_id=r[0], name=r[1]) for r in rows]


# ---------------------------------------------------------------- writes


def announce(channel_id: int, *events: Event) -> None:
    """Tell viewers about a committed change. Never fails the change: a page that
    misses the news catches up on its next load."""
    for event in events:
        try:
            bus.publish(channel_id, event)
        except Exception:
            log.exception("publishing %s for channel %s failed", event.type, channel_id)


def _actor_name(session: Session, user_id: int) -> str:
    return session.exec(sa.select(User.name).where(User.id == user_id)).scalar_one_or_none() or "Someone"  # type: ignore[call-overload]


def create_channel(
    owner_id: int, *, name: str, description: str = "", goal: str = "", visibility: str | None = None
) -> ChannelView:
    """Create a channel owned by (and containing) `owner_id`, private unless `visibility`
    is "open". Same-named channels get numbered slugs, also when created at the same moment."""
    name = clean_name(name)
    shown_to = visibility_rules.clean(visibility)
    description = clean_text(
        description, field="description", label="Description", maximum=limits.CHANNEL_DESCRIPTION_MAX
    )
    goal = clean_text(goal, field="goal", label="Goal", maximum=limits.CHANNEL_GOAL_MAX)

    def insert(session: Session, slug: str) -> Channel:
        channel = Channel(slug=slug, name=name, description=description, goal=goal, owner_id=owner_id, visibility=shown_to)
        return repo.insert(session, channel)

    channel = insert_with_free_slug(
        slugify(name),
        max_length=limits.CHANNEL_SLUG_MAX,
        taken=repo.slugs_starting,
        reserved=RESERVED_SLUGS,
        insert=insert,
        busy="Could not create the channel right now; please try again.",
    )
    return _view(channel, owner_id, 1)


def rename(channel_id: int, actor_id: int, name: str) -> ChannelView:
    """Owner or moderators. The slug stays as it was so links and `channel:<slug>` keep working."""
    name = clean_name(name)
    with session_scope() as session:
        channel = _owned_channel(session, channel_id, actor_id, "rename it", ChannelRole.MODERATOR)
        channel.name = name
        session.add(channel)
        session.flush()
        return _visible_view(session, channel_id, actor_id)


def _set_archived(channel_id: int, actor_id: int, archived: bool) -> None:
    """Owner or moderators; idempotent. Archiving takes the channel out of every member's
    sidebar at once (unarchiving shows it again on their next load)."""
    with session_scope() as session:
        action = "archive it" if archived else "unarchive it"
        channel = _owned_channel(session, channel_id, actor_id, action, ChannelRole.MODERATOR)
        if (channel.archived_at is not None) == archived:
            return
        channel.archived_at = utcnow() if archived else None
        session.add(channel)
        gone = _gone_from_sidebars(session, channel, actor_id, "archived") if archived else None
    if gone is not None:
        announce(channel_id, gone)


def _gone_from_sidebars(session: Session, channel: Channel, actor_id: int, what: str) -> MembershipChanged:
    """The news for every member that the channel leaves their sidebar (and, deleted,
    their open pages; archived, it stays readable there)."""
    assert channel.id is not None
    everyone = [row[0] for row in repo.members(session, channel.id, actor_id)]
    notice = f"#{channel.name} was {what} by {_actor_name(session, actor_id)}."
    return MembershipChanged(user_ids=everyone, joined=False, notice=notice, closed=what == "deleted")


def archive(channel_id: int, actor_id: int) -> None:
    """Hides the channel from sidebars and makes it read-only."""
    _set_archived(channel_id, actor_id, True)


def unarchive(channel_id: int, actor_id: int) -> None:
    _set_archived(channel_id, actor_id, False)


def delete_channel(channel_id: int, actor_id: int) -> None:
    """Owner only; its members, messages and agent links go with it."""
    with session_scope() as session:
        channel = _owned_channel(session, channel_id, actor_id, "delete it")
        gone = _gone_from_sidebars(session, channel, actor_id, "deleted")
        repo.delete_channel(session, channel_id)
    announce(channel_id, gone)


def invite(channel_id: int, actor_id: int, email: str) -> Member:
    """Any member may add someone by their account email; returns the new member.

    Messages name the email the inviter typed, never the account's name: a
    name is shown only once the person is a member. Whether an email has an
    account cannot be hidden here (the new member appears in the list), so the
    refusal for an unknown email is worded neutrally and only members can ask."""
    email = normalize_email(email or "")
    if not email:
        raise Invalid("Enter the email address of the person to invite.", "email")
    already = Invalid(f"{email} is already a member of this channel.", "email")
    try:
        with session_scope() as session:
            channel = _channel_for_member(session, channel_id, actor_id, fixed_dm=True)
            if channel.archived_at is not None:
                raise Forbidden("This channel is archived; unarchive it before inviting people.")
            found = repo.invitee(session, channel_id, email)
            if found is None or found[0].id is None:
                raise Invalid(
                    f"Could not invite {email}. If they have no account yet, ask them to sign up first.", "email"
                )
            user, is_member = found
            if is_member:
                raise already
            repo.add_member(session, channel_id, user.id)
            notice = f"{_actor_name(session, actor_id)} added you to #{channel.name}."
    except IntegrityError:
        # Invited by someone else a moment ago (the primary key), or the channel
        # was deleted meanwhile (the foreign key); tell the two apart.
        ensure_member(channel_id, actor_id)
        raise already from None
    # The channel appears in the new member's sidebar; its viewers can @mention them.
    announce(channel_id, MembershipChanged(user_ids=[user.id], joined=True, notice=notice), TeamChanged())
    return Member(user_id=user.id, name=user.name)


def leave(channel_id: int, user_id: int) -> None:
    """A member leaves. The owner cannot: a channel without its owner would have
    nobody allowed to rename, archive or delete it, so the owner deletes instead."""
    with session_scope() as session:
        channel = _channel_for_member(session, channel_id, user_id, fixed_dm=True)
        if channel.owner_id == user_id:
            raise Invalid("You own this channel, so you cannot leave it. Delete the channel instead.")
        repo.remove_member(session, channel_id, user_id)
        left = MembershipChanged(user_ids=[user_id], joined=False, notice=f"You left #{channel.name}.", closed=True)
    announce(channel_id, left, TeamChanged())


def unread_after(channel_id: int, user_id: int, last_read_id: int | None) -> int:
    """What a member had unread when their read marker was at `last_read_id` (thread
    replies included, their own messages not): "Summarize" takes that many."""
    with session_scope() as session:
        return repo.unread_after(session, channel_id, user_id, last_read_id)


def mark_read(channel_id: int, user_id: int, message_id: int | None = None) -> bool:
    """Move the user's read marker forward to `message_id` (None: the channel's
    newest message, thread replies included); True if it moved.

    A message from another channel (a stale page) or one deleted meanwhile
    leaves the marker alone instead of failing; a reader of an open channel who has not
    joined has no marker (False), anyone else who is not a member gets NotFound. Read
    to the newest, the user's other tabs and devices clear the channel's count."""
    with session_scope() as session:
        target = repo.newest_message_id(channel_id) if message_id is None else message_id
        moved = repo.move_read_marker(session, channel_id, user_id, target)
        if not moved:
            ensure_readable(channel_id, user_id, session=session)
    if moved and message_id is None:
        announce(channel_id, ReadMoved(user_id=user_id))
    return moved
