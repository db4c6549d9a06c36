"""Channels and their members: the one place for channel rules.

The hub's pages and the HTTP API both call these functions, so a rule enforced
here is enforced everywhere. Visibility follows DESIGN.md's security rule: a
channel exists, for a given user, only if they are a member. Every read by a
non-member therefore raises `NotFound` (never `Forbidden`), so nobody can probe
for channels they are not in. `Forbidden` is kept for members trying an
owner-only change.

Archived channels are read-only: members can still open them, read and leave,
but nobody can post (`ensure_can_post`) or invite until the owner unarchives.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, delete, select, update

from neurocache_ui.services.auth import normalize_email
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound, Unavailable
from neurocache_ui.store.models import Channel, ChannelMember, Message, User, utcnow

NAME_MAX = 80
DESCRIPTION_MAX = 500
GOAL_MAX = 2000
SLUG_MAX = 80  # the column's length
NOT_FOUND = "Channel not found."
ARCHIVED = "This channel is archived, so it is read-only."
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_CREATE_ATTEMPTS = 6


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


@dataclass(frozen=True)
class ChannelSummary:
    """One sidebar row: enough to link to the channel and show its unread badge."""

    id: int
    slug: str
    name: str
    unread: int


class Member(NamedTuple):
    user_id: int
    name: str


# ---------------------------------------------------------------- validation


def _clean_name(name: str) -> str:
    """Whitespace runs collapse to one space so "a  b" and "a b" look and sort alike."""
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Channel name is required.", "name")
    if len(name) > NAME_MAX:
        raise Invalid(f"Channel name must be at most {NAME_MAX} characters.", "name")
    return name


def _clean_text(value: str, *, field: str, label: str, maximum: int) -> str:
    value = (value or "").strip()
    if len(value) > maximum:
        raise Invalid(f"{label} must be at most {maximum} characters (it has {len(value)}).", field)
    return value


def slugify(name: str) -> str:
    """The URL part for a name: ASCII lowercase letters, digits and single dashes.

    Accents are folded ("Café" -> "cafe"); a name with no usable letters becomes
    "channel". A slug is never all digits, so it can never be mistaken for an id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_name.lower()).strip("-")[:SLUG_MAX].rstrip("-")
    if not slug:
        return "channel"
    if slug.isdigit():
        slug = f"channel-{slug}"[:SLUG_MAX]
    return slug


def _with_suffix(base: str, suffix: str) -> str:
    return f"{base[: SLUG_MAX - len(suffix) - 1].rstrip('-')}-{suffix}"


def _free_slug(session: Session, base: str, *, random_suffix: bool) -> str:
    """The base slug if free, else the lowest free `base-N` (N >= 2).

    After repeated collisions (a burst of same-named channels) a random suffix
    ends the race instead of every creator chasing the same next number."""
    if random_suffix:
        return _with_suffix(base, secrets.token_hex(3))
    prefix = base[: SLUG_MAX - 4]  # suffixed slugs may have a shortened base
    taken = set(session.exec(select(Channel.slug).where(Channel.slug.startswith(prefix))).all())
    if base not in taken:
        return base
    n = 2
    while _with_suffix(base, str(n)) in taken:
        n += 1
    return _with_suffix(base, str(n))


# ---------------------------------------------------------------- reads


def _member_count() -> sa.ScalarSelect[int]:
    """Correlated on the outer Channel only; the alias keeps it from also
    correlating with the viewer's membership row that the outer query joins."""
    everyone = aliased(ChannelMember)
    return (
        select(sa.func.count())
        .select_from(everyone)
        .where(everyone.channel_id == Channel.id)
        .correlate(Channel)
        .scalar_subquery()
    )


def _view(channel: Channel, viewer_id: int, member_count: int) -> ChannelView:
    assert channel.id is not None
    return ChannelView(
        id=channel.id,
        slug=channel.slug,
        name=channel.name,
        description=channel.description,
        goal=channel.goal,
        owner_id=channel.owner_id,
        is_owner=channel.owner_id == viewer_id,
        archived=channel.archived_at is not None,
        created_at=channel.created_at,
        member_count=member_count,
    )


def _channel_for_member(session: Session, channel_id: int, user_id: int) -> Channel:
    """The channel, if `user_id` is a member (one query); NotFound otherwise."""
    channel = session.exec(
        select(Channel)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(Channel.id == channel_id, ChannelMember.user_id == user_id)
    ).first()
    if channel is None:
        raise NotFound(NOT_FOUND)
    return channel


def _owned_channel(session: Session, channel_id: int, actor_id: int, action: str) -> Channel:
    channel = _channel_for_member(session, channel_id, actor_id)
    if channel.owner_id != actor_id:
        raise Forbidden(f"Only the channel's owner can {action}.")
    return channel


def get_channel(slug_or_id: str | int, viewer_id: int) -> ChannelView:
    """An `int` is an id, a `str` is a slug (slugs are never all digits).

    One query: the viewer's membership is a join, so a non-member gets the same
    NotFound as for a channel that does not exist."""
    key = Channel.id == slug_or_id if isinstance(slug_or_id, int) else Channel.slug == slug_or_id
    with session_scope() as session:
        row = session.exec(
            select(Channel, _member_count())
            .join(ChannelMember, ChannelMember.channel_id == Channel.id)
            .where(key, ChannelMember.user_id == viewer_id)
        ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return _view(row[0], viewer_id, row[1])


def member_channel_id(slug_or_id: str | int, user_id: int) -> int:
    """The id of the channel, if `user_id` is a member; NotFound otherwise.

    One index probe (slug, then the membership primary key) and nothing else:
    for hot paths (the API's message reads) that need no more than the id."""
    key = Channel.id == slug_or_id if isinstance(slug_or_id, int) else Channel.slug == slug_or_id
    query = (
        sa.select(Channel.id)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)  # type: ignore[arg-type]
        .where(key, ChannelMember.user_id == user_id)
    )
    # Autocommit: one statement, so no BEGIN/COMMIT round trips.
    with get_engine().connect() as conn:
        found = conn.execution_options(isolation_level="AUTOCOMMIT").execute(query).scalar()
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def ensure_member(channel_id: int, user_id: int) -> None:
    """Raise NotFound unless the user is a member: one primary-key lookup.

    Called on every message read and send, so it must stay this cheap."""
    with session_scope() as session:
        found = session.exec(
            select(ChannelMember.user_id).where(
                ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id
            )
        ).first()
    if found is None:
        raise NotFound(NOT_FOUND)


def ensure_can_post(channel_id: int, user_id: int) -> None:
    """Like `ensure_member` (same single lookup), and also refuse archived
    channels, which are read-only. The messages module calls it before a send."""
    with session_scope() as session:
        row = session.exec(
            select(ChannelMember.user_id, Channel.archived_at)
            .join(Channel, Channel.id == ChannelMember.channel_id)
            .where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
        ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    if row[1] is not None:
        raise Forbidden(ARCHIVED)


def list_channels(user_id: int) -> list[ChannelSummary]:
    """The user's active channels, by name, with unread counts, in one query.

    Unread = messages after the member's read marker, not written by the user
    (agents' and system messages count). The count is a correlated subquery so
    each channel costs one index range scan and there is no N+1."""
    unread = (
        select(sa.func.count())
        .select_from(Message)
        .where(
            Message.channel_id == ChannelMember.channel_id,
            Message.id > sa.func.coalesce(ChannelMember.last_read_message_id, 0),
            sa.or_(Message.user_id.is_(None), Message.user_id != user_id),
        )
        .scalar_subquery()
    )
    with session_scope() as session:
        rows = session.exec(
            select(Channel.id, Channel.slug, Channel.name, unread)
            .join(ChannelMember, ChannelMember.channel_id == Channel.id)
            .where(ChannelMember.user_id == user_id, Channel.archived_at.is_(None))
            .order_by(sa.func.lower(Channel.name), Channel.id)
        ).all()
    return [ChannelSummary(id=r[0], slug=r[1], name=r[2], unread=r[3]) for r in rows]


def members(channel_id: int, viewer_id: int) -> list[Member]:
    """Everyone in the channel, by name. One query: the viewer is always in a
    channel's own member list, so an empty result means "not a member"."""
    viewer = aliased(ChannelMember)
    with session_scope() as session:
        rows = session.exec(
            select(User.id, User.name)
            .join(ChannelMember, ChannelMember.user_id == User.id)
            .join(viewer, sa.and_(viewer.channel_id == ChannelMember.channel_id, viewer.user_id == viewer_id))
            .where(ChannelMember.channel_id == channel_id)
            .order_by(sa.func.lower(User.name), User.id)
        ).all()
    if not rows:
        raise NotFound(NOT_FOUND)
    return [Member(user_id=r[0], name=r[1]) for r in rows]


# ---------------------------------------------------------------- writes


def create_channel(owner_id: int, *, name: str, description: str = "", goal: str = "") -> ChannelView:
    """Create a channel owned by (and containing) `owner_id`.

    The slug is picked by reading the taken ones, then claimed by the unique
    index: if another request claimed it in between, the insert fails and we
    pick again, so two same-named channels created at once both succeed."""
    name = _clean_name(name)
    description = _clean_text(description, field="description", label="Description", maximum=DESCRIPTION_MAX)
    goal = _clean_text(goal, field="goal", label="Goal", maximum=GOAL_MAX)
    base = slugify(name)
    for attempt in range(_CREATE_ATTEMPTS):
        with session_scope() as session:
            slug = _free_slug(session, base, random_suffix=attempt >= 3)
        channel = Channel(slug=slug, name=name, description=description, goal=goal, owner_id=owner_id)
        try:
            with session_scope() as session:
                session.add(channel)
                session.flush()
                assert channel.id is not None
                session.add(ChannelMember(channel_id=channel.id, user_id=owner_id))
        except IntegrityError:
            with session_scope() as session:
                slug_taken = session.exec(select(Channel.id).where(Channel.slug == slug)).first()
            if slug_taken is None:
                raise  # not a slug race (e.g. the owner no longer exists)
            continue
        return _view(channel, owner_id, 1)
    raise Unavailable("Could not create the channel right now; please try again.")


def rename(channel_id: int, actor_id: int, name: str) -> ChannelView:
    """Owner only. The slug stays as it was so links and `channel:<slug>` keep working."""
    name = _clean_name(name)
    with session_scope() as session:
        channel = _owned_channel(session, channel_id, actor_id, "rename it")
        channel.name = name
        session.add(channel)
    return get_channel(channel_id, actor_id)


def archive(channel_id: int, actor_id: int) -> None:
    """Owner only. Hides the channel from sidebars and makes it read-only; idempotent."""
    with session_scope() as session:
        channel = _owned_channel(session, channel_id, actor_id, "archive it")
        if channel.archived_at is None:
            channel.archived_at = utcnow()
            session.add(channel)


def unarchive(channel_id: int, actor_id: int) -> None:
    """Owner only; idempotent."""
    with session_scope() as session:
        channel = _owned_channel(session, channel_id, actor_id, "unarchive it")
        if channel.archived_at is not None:
            channel.archived_at = None
            session.add(channel)


def delete_channel(channel_id: int, actor_id: int) -> None:
    """Owner only. The database cascades to members, messages and agent links."""
    with session_scope() as session:
        _owned_channel(session, channel_id, actor_id, "delete it")
        session.exec(delete(Channel).where(Channel.id == channel_id))


def invite(channel_id: int, actor_id: int, email: str) -> Member:
    """Any member may add someone by their account email; returns the new member.

    Messages name the email the inviter typed, never the account's name: a
    name is shown only once the person is a member. Whether an email has an
    account cannot be hidden here (the new member appears in the list), so the
    refusal for an unknown email is worded neutrally and only members can ask."""
    email = normalize_email(email or "")
    if not email:
        raise Invalid("Enter the email address of the person to invite.", "email")
    with session_scope() as session:
        channel = _channel_for_member(session, channel_id, actor_id)
        if channel.archived_at is not None:
            raise Forbidden("This channel is archived; unarchive it before inviting people.")
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or user.id is None:
            raise Invalid(f"Could not invite {email}. If they have no account yet, ask them to sign up first.", "email")
    invitee = Member(user_id=user.id, name=user.name)
    already = Invalid(f"{email} is already a member of this channel.", "email")
    try:
        with session_scope() as session:
            session.add(ChannelMember(channel_id=channel_id, user_id=user.id))
    except IntegrityError:
        # Either already a member (the primary key) or the channel was deleted
        # a moment ago (the foreign key); tell the two apart.
        ensure_member(channel_id, actor_id)
        raise already from None
    return invitee


def leave(channel_id: int, user_id: int) -> None:
    """A member leaves. The owner cannot: a channel without its owner would have
    nobody allowed to rename, archive or delete it, so the owner deletes instead."""
    with session_scope() as session:
        channel = _channel_for_member(session, channel_id, user_id)
        if channel.owner_id == user_id:
            raise Invalid("You own this channel, so you cannot leave it. Delete the channel instead.")
        session.exec(
            delete(ChannelMember).where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
        )


def mark_read(channel_id: int, user_id: int, message_id: int) -> bool:
    """Move the user's read marker forward to `message_id`; True if it moved.

    One conditional UPDATE, so concurrent calls (two tabs) can only move it
    forward. A message from another channel (a stale page) or one deleted
    meanwhile leaves the marker alone instead of failing."""
    marker = ChannelMember.last_read_message_id
    in_channel = (
        select(Message.id).where(Message.id == message_id, Message.channel_id == channel_id).exists()
    )
    with session_scope() as session:
        result = session.exec(
            update(ChannelMember)
            .where(
                ChannelMember.channel_id == channel_id,
                ChannelMember.user_id == user_id,
                sa.or_(marker.is_(None), marker < message_id),
                in_channel,
            )
            .values(last_read_message_id=message_id)
        )
        moved = bool(result.rowcount)
    if not moved:
        ensure_member(channel_id, user_id)
    return moved
