"""Pins (any member pins a message to its channel; every viewer sees it live) and
saved messages (one person's private list). Who may do what is the channel's rule:
pinning needs a member of an active channel (`channels.ensure_can_post`); reading
pins or saving a message needs a reader (a member, or the channel is open), and the
saved list keeps only what its owner can still read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.events import PinsChanged
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import channels, messaging
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import messages as message_rows
from neurocache_ui.store.repositories import pins as repo

PIN_MAX = 100
"""Pins per channel: a panel people read, not a second history."""
SAVED_PAGE = 25


@dataclass(frozen=True)
class Pinned:
    message: MessageView
    pinned_at: datetime
    pinned_by: str


@dataclass(frozen=True)
class Saved:
    message: MessageView
    saved_at: datetime
    channel_slug: str
    channel_name: str


def _message_channel(message_id: int) -> int:
    """The channel of an existing message (NotFound otherwise; who may see it is checked next)."""
    with session_scope() as session:
        found = message_rows.authorship(session, message_id)
    if found is None:
        raise NotFound(messaging.MESSAGE_NOT_FOUND)
    return found[0]


def set_pinned(message_id: int, *, user_id: int, pinned: bool, channel_id: int | None = None) -> bool:
    """Pin or unpin a message (any member of the active channel); True if it changed.
    `channel_id`, when given (an API path names the channel), must be the message's."""
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        view = message_rows.view(session, message_id)
        if view is None or (channel_id is not None and view.channel_id != channel_id):
            raise NotFound(messaging.MESSAGE_NOT_FOUND)
        try:
            channels.ensure_can_post(view.channel_id, user_id, session=session)
        except NotFound:
            raise NotFound(messaging.MESSAGE_NOT_FOUND) from None
        if view.status == "streaming":
            raise Invalid("Wait until the reply is finished before pinning it.")
        if pinned and repo.pin_count(session, view.channel_id) >= PIN_MAX:
            raise Invalid(f"A channel holds at most {PIN_MAX} pins. Unpin one first.")
        changed = repo.pin(session, message_id, view.channel_id, user_id) if pinned else repo.unpin(session, message_id)
    if changed:
        channels.announce(view.channel_id, PinsChanged(message_id=message_id, pinned=pinned))
    return changed


def pinned(channel_id: int, *, viewer_id: int) -> list[Pinned]:
    """The channel's pins, newest first, for anyone who may read the channel."""
    with database_guard(messaging.UNAVAILABLE_READ), session_scope() as session:
        channels.ensure_readable(channel_id, viewer_id, session=session)
        rows = repo.pins(session, channel_id, PIN_MAX)
    return [Pinned(message=view, pinned_at=extra[0], pinned_by=extra[1] or "Someone") for view, extra in rows]


def pinned_ids(channel_id: int, *, viewer_id: int) -> list[int]:
    with session_scope() as session:
        channels.ensure_readable(channel_id, viewer_id, session=session)
        return repo.pinned_ids(session, channel_id)


def set_saved(message_id: int, *, user_id: int, saved: bool) -> bool:
    """Save a message the user can read for later, or forget it; True if it changed."""
    channel_id = _message_channel(message_id)
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        try:
            channels.ensure_readable(channel_id, user_id, session=session)
        except NotFound:
            raise NotFound(messaging.MESSAGE_NOT_FOUND) from None
        return repo.save(session, user_id, message_id) if saved else repo.unsave(session, user_id, message_id)


def saved_messages(user_id: int, *, page: int = 1, per_page: int = SAVED_PAGE) -> tuple[list[Saved], bool]:
    """A page of the user's saved messages, newest saved first, and whether more follow.
    Messages of channels they can no longer read are left out (and deleted ones are gone)."""
    if not 1 <= page <= 10_000 or not 1 <= per_page <= 100:
        raise Invalid("Ask for a page from 1 and between 1 and 100 items per page.", "page")
    with database_guard(messaging.UNAVAILABLE_READ), session_scope() as session:
        rows = repo.saved(session, user_id, (page - 1) * per_page, per_page + 1)
    found = [Saved(message=view, saved_at=extra[0], channel_slug=extra[1], channel_name=extra[2]) for view, extra in rows]
    return found[:per_page], len(found) > per_page


def saved_ids(channel_id: int, *, user_id: int) -> list[int]:
    """Which of the channel's messages the user saved."""
    with session_scope() as session:
        return repo.saved_ids(session, user_id, channel_id)
