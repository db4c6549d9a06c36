"""Chat messages: the one place that sends, edits, deletes and reads them.

Order of every write (DESIGN.md, "Data flow in a channel"): validate, write to
the database and commit; only then update the cache window and publish the
event. Nothing is acknowledged before it is committed, and a cache or bus
failure after the commit is logged, never raised: the message is stored and the
cache heals itself (core.cache).

Reads: `recent_messages` serves the newest messages from the cache window (one
round trip, no SQL when `viewer_id` is None) and fills the window from the
database on a miss; `older_messages` pages back through the database with a
`(created_at, id)` keyset cursor, the same order the window uses, so pages meet
the window with no gap and no duplicate.

Membership: a person's action passes their id (`user_id`, or `viewer_id` for
reads) and is checked with core.channels; non-members get NotFound, exactly as
for a channel that does not exist. Agents and system notices are trusted
callers and pass `viewer_id=None`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from neurocache_ui.domain.events import MessageCreated, MessageDeleted, MessageEvent, MessageUpdated
from neurocache_ui.infra import bus
from neurocache_ui.services import channels
from neurocache_ui.infra.window_cache import ChannelCache, Miss, Window, get_cache
from neurocache_ui.domain.messages import AuthorKind, Cursor, MessageView, decode_cursor
from neurocache_ui.store.db import database_guard, get_engine, session_scope
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.store.models import Agent, Message, User, UTCDateTime, utcnow
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

SYSTEM_NAME = "Neurocache"
STATUS_MAX = 20  # the column's length
MESSAGE_NOT_FOUND = "Message not found."
UNAVAILABLE_WRITE = "The message store is unreachable right now, so nothing was saved. Try again in a moment."
UNAVAILABLE_READ = "Messages cannot be loaded right now because the database is unreachable. Try again in a moment."


# ---------------------------------------------------------------- validation


def clean_content(content: str, *, allow_empty: bool = False) -> str:
    """Surrounding whitespace and NUL characters (which Postgres cannot store in
    text) are dropped; the rest is stored exactly as written."""
    text = (content or "").replace("\x00", "").strip()
    if not text and not allow_empty:
        raise Invalid("Message is empty. Type something to send.", "content")
    limit = get_settings().max_message_chars
    if len(text) > limit:
        raise Invalid(
            f"Message is too long: {len(text):,} characters, the limit is {limit:,}. Shorten it or split it up.",
            "content",
        )
    return text


def _clean_status(status: str) -> str:
    status = (status or "").strip()
    if not status or len(status) > STATUS_MAX:
        raise Invalid(f"Message status must be 1 to {STATUS_MAX} characters.", "status")
    return status


# ---------------------------------------------------------------- database reads


def _select_views() -> sa.Select[Any]:
    return (
        sa.select(
            Message.id,
            Message.channel_id,
            Message.user_id,
            Message.agent_id,
            User.name,
            Agent.name,
            Message.content,
            Message.status,
            Message.created_at,
            Message.edited_at,
        )
        .select_from(Message)
        .outerjoin(User, User.id == Message.user_id)  # type: ignore[arg-type]
        .outerjoin(Agent, Agent.id == Message.agent_id)  # type: ignore[arg-type]
    )


def _view(row: sa.Row[Any]) -> MessageView:
    message_id, channel_id, user_id, agent_id, user_name, agent_name, content, status, created_at, edited_at = row
    if user_id is not None:
        kind: AuthorKind = "user"
        name = user_name
    elif agent_id is not None:
        kind, name = "agent", agent_name
    else:
        kind, name = "system", SYSTEM_NAME
    return MessageView(message_id, channel_id, user_id, agent_id, name, kind, content, status, created_at, edited_at)


def _newest_first() -> tuple[Any, Any]:
    return Message.created_at.desc(), Message.id.desc()  # type: ignore[union-attr,attr-defined]


def _db_latest(channel_id: int, limit: int) -> list[MessageView]:
    """The newest `limit` messages, oldest -> newest (index ix_message_channel_created)."""
    query = _select_views().where(Message.channel_id == channel_id).order_by(*_newest_first()).limit(limit)
    with get_engine().connect() as conn:
        rows = conn.execute(query).all()
    return [_view(r) for r in reversed(rows)]


def _db_view(conn: sa.Connection, message_id: int) -> MessageView | None:
    row = conn.execute(_select_views().where(Message.id == message_id)).first()
    return _view(row) if row is not None else None


def _resolve_before(conn: sa.Connection, channel_id: int, before: int | str | Cursor) -> sa.ColumnElement[bool]:
    if isinstance(before, Cursor):
        cursor = before
    elif isinstance(before, str):
        cursor = decode_cursor(before)
    else:
        created = conn.execute(
            sa.select(Message.created_at).where(Message.id == before, Message.channel_id == channel_id)
        ).scalar()
        if created is None:
            # The message is gone (deleted, or retention): ids roughly follow time.
            return Message.id < before  # type: ignore[return-value,operator]
        cursor = Cursor(created, before)
    created_at = sa.literal(cursor.created_at, UTCDateTime())
    return sa.or_(
        Message.created_at < created_at,  # type: ignore[operator]
        sa.and_(Message.created_at == created_at, Message.id < cursor.id),  # type: ignore[operator]
    )


# ---------------------------------------------------------------- reads


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= 1000:
        raise Invalid("Ask for between 1 and 1000 messages.", "limit")
    return limit


def recent_messages(channel_id: int, limit: int = 50, *, viewer_id: int | None) -> list[MessageView]:
    """The newest `limit` messages of the channel, oldest -> newest.

    From the cache window when it answers the request: it holds at least `limit`
    entries, or the channel's whole history. Otherwise the database is read and
    its newest `cache_window` messages are installed as the window, atomically."""
    _check_limit(limit)
    with database_guard(UNAVAILABLE_READ):
        if viewer_id is not None:
            channels.ensure_member(channel_id, viewer_id)
        cache = get_cache()
        found, views = _cached_window(cache, channel_id, min(limit, cache.window))
        if views is not None and not isinstance(found, Miss) and (found.whole or len(views) >= limit):
            return views[-limit:]
        wanted = max(limit, cache.window)
        views = _db_latest(channel_id, wanted)
    if found.token is not None:
        # A partial window shorter than `limit` (after deletes or retention) is rebuilt.
        window = views[-cache.window :]
        whole = len(views) < wanted and len(views) <= cache.window
        cache.fill(channel_id, window, whole=whole, token=found.token, replace=not isinstance(found, Miss))
    return views[-limit:]


def _cached_window(cache: ChannelCache, channel_id: int, limit: int) -> tuple[Window | Miss, list[MessageView] | None]:
    """Read the window, reusing this process's decoded copy while its token is current."""
    memo = cache.memo.get(channel_id)
    known = memo[0] if memo is not None and memo[1] >= limit else None
    found = cache.read(channel_id, limit, known=known)
    if isinstance(found, Miss):
        return found, None
    if found.payload is None and memo is not None:
        views: list[MessageView] = memo[2]
        return found, views[-limit:]
    try:
        views = [MessageView.from_dict(entry) for entry in found.entries()]
    except (ValueError, KeyError, TypeError, IndexError):
        # Unreadable entries (corruption, a format this version does not know):
        # drop the window and read the database instead of failing the read.
        log.warning("unreadable cache window for channel %s; dropping it", channel_id, exc_info=True)
        cache.invalidate(channel_id)
        return Miss(None), None
    cache.memo.put(channel_id, found.token, limit, views)
    return found, views


def older_messages(
    channel_id: int, *, before: int | str | Cursor | None, limit: int = 50, viewer_id: int | None
) -> list[MessageView]:
    """Up to `limit` messages strictly older than `before`, oldest -> newest, from
    the database. `before` is a message id, a `MessageView.cursor` string or a
    Cursor; None starts from the newest message."""
    _check_limit(limit)
    with database_guard(UNAVAILABLE_READ):
        if viewer_id is not None:
            channels.ensure_member(channel_id, viewer_id)
        with get_engine().connect() as conn:
            query = _select_views().where(Message.channel_id == channel_id)
            if before is not None:
                query = query.where(_resolve_before(conn, channel_id, before))
            rows = conn.execute(query.order_by(*_newest_first()).limit(limit)).all()
    return [_view(r) for r in reversed(rows)]


def get_message(message_id: int, *, viewer_id: int | None) -> MessageView:
    """One message, if the viewer is a member of its channel."""
    with database_guard(UNAVAILABLE_READ):
        with get_engine().connect() as conn:
            view = _db_view(conn, message_id)
        if view is None:
            raise NotFound(MESSAGE_NOT_FOUND)
        if viewer_id is not None:
            try:
                channels.ensure_member(view.channel_id, viewer_id)
            except NotFound:
                raise NotFound(MESSAGE_NOT_FOUND) from None
    return view


# ---------------------------------------------------------------- writes


def _after_commit(event: type[MessageEvent], view: MessageView, update_cache: Callable[[ChannelCache], None]) -> None:
    """Cache, then publish. The write is committed: neither step may undo or fail it."""
    try:
        update_cache(get_cache())
    except Exception:  # the cache reports its own outages; this is a bug guard
        log.exception("cache update after %s of message %s failed", event, view.id)
    try:
        bus.publish(view.channel_id, event(message=view))
    except Exception:
        log.exception("publishing %s of message %s failed", event.__name__, view.id)


def post_message(
    channel_id: int,
    *,
    user_id: int | None = None,
    agent_id: int | None = None,
    content: str,
    status: str = "complete",
    hop: int = 0,
) -> MessageView:
    """Store a message and return it once committed.

    A person (`user_id`) must be able to post in the channel (member, not
    archived). An agent (`agent_id`) or a system notice (neither) is trusted;
    agents may post an empty placeholder while a reply is still in progress
    (`status` other than "complete"). `hop` is stored as `message.hop` (how many
    agent replies led here; core/runner.py sets it on agents' replies)."""
    if user_id is not None and agent_id is not None:
        raise Invalid("A message has one author: a person or an agent, not both.")
    status = _clean_status(status)
    text = clean_content(content, allow_empty=user_id is None and status != "complete")
    with database_guard(UNAVAILABLE_WRITE):
        if user_id is not None:
            channels.ensure_can_post(channel_id, user_id)
        try:
            with session_scope() as session:
                row = Message(
                    channel_id=channel_id, user_id=user_id, agent_id=agent_id, content=text, status=status, hop=hop
                )
                session.add(row)
                session.flush()
                assert row.id is not None
                view = _db_view(session.connection(), row.id)
        except IntegrityError:
            # A foreign key: the channel (or the agent) no longer exists.
            raise NotFound(channels.NOT_FOUND) from None
    assert view is not None
    _after_commit(MessageCreated, view, lambda cache: cache.add(view))
    return view


def _check_author(message_id: int, user_id: int) -> None:
    """Pass if `user_id` may act in the message's channel and wrote the message."""
    with get_engine().connect() as conn:
        row = conn.execute(sa.select(Message.channel_id, Message.user_id).where(Message.id == message_id)).first()
    if row is None:
        raise NotFound(MESSAGE_NOT_FOUND)
    try:
        channels.ensure_can_post(row.channel_id, user_id)
    except NotFound:
        raise NotFound(MESSAGE_NOT_FOUND) from None
    if row.user_id != user_id:
        raise Forbidden("You can only change your own messages.")


def _update(message_id: int, values: dict[str, Any], where: sa.ColumnElement[bool] | None = None) -> MessageView:
    with session_scope() as session:
        query = sa.update(Message).where(Message.id == message_id)  # type: ignore[arg-type]
        if where is not None:
            query = query.where(where)
        if session.execute(query.values(**values)).rowcount == 0:
            raise NotFound(MESSAGE_NOT_FOUND)
        view = _db_view(session.connection(), message_id)
    assert view is not None
    return view


def edit_message(message_id: int, *, user_id: int, content: str) -> MessageView:
    """The author changes their message's text; others get Forbidden, non-members NotFound."""
    text = clean_content(content)
    with database_guard(UNAVAILABLE_WRITE):
        _check_author(message_id, user_id)
        view = _update(message_id, {"content": text, "edited_at": utcnow()}, Message.user_id == user_id)
    _after_commit(MessageUpdated, view, lambda cache: cache.replace(view))
    return view


def update_agent_message(message_id: int, *, agent_id: int, content: str, status: str = "complete") -> MessageView:
    """An agent's reply in progress gets its text and status (e.g. "streaming" ->
    "complete"); only the agent that posted it may update it."""
    status = _clean_status(status)
    text = clean_content(content, allow_empty=status != "complete")
    with database_guard(UNAVAILABLE_WRITE):
        view = _update(message_id, {"content": text, "status": status}, Message.agent_id == agent_id)
    _after_commit(MessageUpdated, view, lambda cache: cache.replace(view))
    return view


def delete_message(message_id: int, *, user_id: int) -> None:
    """The author deletes their message (gone from the database, the cache and every page)."""
    with database_guard(UNAVAILABLE_WRITE):
        _check_author(message_id, user_id)
        with session_scope() as session:
            view = _db_view(session.connection(), message_id)
            deleted = session.execute(
                sa.delete(Message).where(Message.id == message_id, Message.user_id == user_id)  # type: ignore[arg-type]
            ).rowcount
        if view is None or not deleted:
            raise NotFound(MESSAGE_NOT_FOUND)
    _after_commit(MessageDeleted, view, lambda cache: cache.remove(view))
