"""Profiles: a person's title, status and avatar, and the cards the hub shows when a
name is clicked (people and agents).

Who sees what: a person's card (and `GET /api/v1/users/{id}`) is for people who share
a channel or DM with them, 404 for everyone else, so the API cannot list the
workspace. Avatars are served to any signed-in account (api/avatars.py): one
workspace per deployment, an avatar is no secret among its members, and rows of
people who left a channel still show theirs. An agent's card is for its owner and
the people of the channels it sits in. Every change publishes `ProfileChanged` after
its commit, so open cards update live."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from neurocache_ui.domain import profiles as rules
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.events import ProfileChanged
from neurocache_ui.infra import bus, images
from neurocache_ui.infra import presence as rosters
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import profiles as repo

log = logging.getLogger(__name__)

NOT_FOUND = "Person not found."
AGENT_NOT_FOUND = "Agent not found."
AVATAR_PATH = "/avatars"
"""Where avatars are served (api/avatars.py): /avatars/{user_id}/{size}?v={version}."""


@dataclass(frozen=True)
class PersonCard:
    id: int
    name: str
    title: str
    status_emoji: str
    status_text: str
    status_until: datetime | None
    avatar_url: str
    """"" without an avatar; else the 128 px image's URL (its version in it)."""
    online: bool


@dataclass(frozen=True)
class AgentCard:
    id: int
    name: str
    emoji: str
    description: str
    owner: str
    model: str
    tools: tuple[str, ...]
    rating: int | None
    """Its arena rating once it played a match; None before."""


def avatar_url(user_id: int, version: int, size: int = rules.AVATAR_LARGE) -> str:
    return f"{AVATAR_PATH}/{user_id}/{size}?v={version}" if version else ""


def person(viewer_id: int, user_id: int, now: datetime | None = None) -> PersonCard:
    """The card of `user_id` as the viewer sees it; NotFound unless they share a channel."""
    with database_guard(), session_scope() as session:
        found = repo.person(session, viewer_id, user_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    user, profile = found
    assert user.id is not None
    status = None
    if profile is not None:
        status = rules.shown_status(
            rules.Status(profile.status_emoji, profile.status_text, profile.status_until), now or utcnow()
        )
    return PersonCard(
        id=user.id,
        name=user.name,
        title=profile.title if profile else "",
        status_emoji=status.emoji if status else "",
        status_text=status.text if status else "",
        status_until=status.until if status else None,
        avatar_url=avatar_url(user.id, profile.avatar_version) if profile else "",
        online=user.id in rosters.online_in_hub(),
    )


def _changed(user_id: int) -> None:
    """Tell every tab after the commit; never fails the change (a card heals when reopened)."""
    try:
        bus.publish(0, ProfileChanged(user_id=user_id))
    except Exception:
        log.exception("publishing profile.changed for user %s failed", user_id)


def update(
    user_id: int, *, title: str | None = None, status: tuple[str, str] | None = None, until: str = "never",
    utc_offset_minutes: int = 0, now: datetime | None = None,
) -> PersonCard:
    """Change the title and/or the status ((emoji, text); ("", "") clears it, and `until`
    is one of rules.UNTIL_CHOICES); the rest stays."""
    now = now or datetime.now(UTC)
    cleaned_title = rules.clean_title(title) if title is not None else None
    if status is not None:
        emoji, text = rules.clean_status(*status)
        ends = rules.status_until(until, now, utc_offset_minutes) if text else None
    with database_guard(), session_scope() as session:
        profile = repo.profile_for_update(session, user_id)
        if cleaned_title is not None:
            profile.title = cleaned_title
        if status is not None:
            profile.status_emoji, profile.status_text, profile.status_until = emoji, text, ends
        profile.updated_at = now
        session.add(profile)
    _changed(user_id)
    return person(user_id, user_id, now)


def check_avatar_size(size: int) -> None:
    if size > rules.AVATAR_MAX_BYTES:
        raise Invalid(f"An avatar may be at most {rules.AVATAR_MAX_BYTES // (1024 * 1024)} MB.", "avatar")
    if size == 0:
        raise Invalid("That file is empty.", "avatar")


async def set_avatar(user_id: int, filename: str, data: bytes) -> PersonCard:
    """Keep a new avatar: any PNG, JPEG, WebP or GIF, checked and cut to squares of
    rules.AVATAR_SIZES in a parse process (infra/images.py); the original is not kept."""
    check_avatar_size(len(data))
    squares = await images.avatars(data, filename or "The avatar", rules.AVATAR_SIZES)
    with database_guard(), session_scope() as session:
        profile = repo.profile_for_update(session, user_id)
        repo.replace_avatar(session, user_id, dict(zip(rules.AVATAR_SIZES, squares, strict=True)))
        profile.avatar_version += 1
        profile.updated_at = utcnow()
        session.add(profile)
    _changed(user_id)
    return person(user_id, user_id)


def remove_avatar(user_id: int) -> None:
    with database_guard(), session_scope() as session:
        profile = repo.profile_for_update(session, user_id)
        repo.replace_avatar(session, user_id, {})
        profile.avatar_version = 0
        session.add(profile)
    _changed(user_id)


def avatar(user_id: int, size: int) -> bytes:
    """The avatar's WebP at `size` (one of rules.AVATAR_SIZES); NotFound if none."""
    if size not in rules.AVATAR_SIZES:
        raise NotFound("Avatar not found.")
    with database_guard(), session_scope() as session:
        data = repo.avatar(session, user_id, size)
    if data is None:
        raise NotFound("Avatar not found.")
    return data


def channel_avatars(channel_id: int, viewer_id: int) -> dict[str, str]:
    """The small avatars of the channel's people (user id as text → URL), for its rows;
    {} unless the viewer is a member."""
    with database_guard(), session_scope() as session:
        ids = repo.channel_user_ids(session, channel_id, viewer_id)
        versions = repo.avatar_versions(session, ids)
    return {str(uid): avatar_url(uid, version, rules.AVATAR_SMALL) for uid, version in versions.items()}


def agent(viewer_id: int, agent_id: int) -> AgentCard:
    """The card of an agent the viewer owns or shares a channel with; NotFound otherwise."""
    with database_guard(), session_scope() as session:
        found = repo.agent(session, viewer_id, agent_id)
    if found is None:
        raise NotFound(AGENT_NOT_FOUND)
    row, owner = found
    assert row.id is not None
    return AgentCard(
        id=row.id, name=row.name, emoji=row.emoji, description=row.description, owner=owner, model=row.model,
        tools=tuple(row.tools or ()), rating=round(row.arena_rating) if row.arena_games else None,
    )
