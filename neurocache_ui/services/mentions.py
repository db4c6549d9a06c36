"""A person's mentions: the messages that @mention them (recorded when the message
is posted or an agent's reply finishes, services/messaging.py), read for their
sidebar badge and their Mentions view. Only channels they are still a member of
count; a person only ever reads and marks their own mentions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import mentions as repo
from neurocache_ui.store.repositories.messages import SYSTEM_NAME

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
UNAVAILABLE_READ = "Mentions cannot be loaded right now because the database is unreachable. Try again in a moment."
UNAVAILABLE_WRITE = "Mentions cannot be marked as seen right now because the database is unreachable. Try again in a moment."


@dataclass(frozen=True)
class MentionItem:
    """One message that mentions the person, with what the Mentions view shows of it."""

    message_id: int
    channel_id: int
    channel_slug: str
    channel_name: str
    author_name: str
    content: str
    created_at: datetime
    seen: bool
    thread_id: int | None

    @property
    def href(self) -> str:
        """The channel opened at this message (a thread reply opens its thread)."""
        return f"/channels/{self.channel_slug}?m={self.message_id}"


@dataclass(frozen=True)
class MentionPage:
    items: list[MentionItem]
    has_more: bool

    @property
    def cursor(self) -> int | None:
        """`before` for the next page: the oldest message id shown."""
        return self.items[-1].message_id if self.items else None


def _check_id(value: int | None, field: str, what: str) -> None:
    """None, or an id: a positive whole number (a browser may send anything)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise Invalid(f"{what} must be a positive whole number.", field)


def unseen_count(user_id: int) -> int:
    """The badge: mentions of the user they have not seen yet."""
    with database_guard(UNAVAILABLE_READ), session_scope() as session:
        return repo.unseen_count(session, user_id)


def page(user_id: int, *, before: int | None = None, limit: int = PAGE_SIZE) -> MentionPage:
    """The user's mentions, newest first, older than message `before` (a previous
    page's `cursor`), at most `limit`; `has_more` says whether older ones exist."""
    _check_id(before, "before", "The message to continue after")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"Ask for between 1 and {MAX_PAGE_SIZE} mentions.", "limit")
    with database_guard(UNAVAILABLE_READ), session_scope() as session:
        rows = repo.page(session, user_id, before, limit + 1)
    items = [
        MentionItem(
            message_id=message_id, channel_id=channel_id, channel_slug=slug, channel_name=channel_name,
            author_name=person or agent or SYSTEM_NAME, content=content, created_at=created_at,
            seen=seen_at is not None, thread_id=thread_id,
        )
        for message_id, channel_id, slug, channel_name, content, person, agent, created_at, seen_at, thread_id in rows[:limit]
    ]
    return MentionPage(items, has_more=len(rows) > limit)


def mark_seen(user_id: int, channel_id: int | None = None, *, through: int | None = None) -> int:
    """Mark the user's unseen mentions seen (only those in `channel_id` when given;
    only up to message `through`, the newest one shown, so a mention arriving
    meanwhile stays new); returns how many were. Touches only the user's own."""
    _check_id(channel_id, "channel_id", "The channel id")
    _check_id(through, "through", "The newest message seen")
    with database_guard(UNAVAILABLE_WRITE), session_scope() as session:
        return repo.mark_seen(session, user_id, channel_id, through)
