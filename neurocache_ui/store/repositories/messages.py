"""Message rows as MessageView, author name included, read
newest-first by the `(created_at, id)` keyset that the cache window and the
cursors also use. A channel's pages hold its own messages; a thread's replies
are read by their root."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.media import media_of
from neurocache_ui.domain.messages import (
    AuthorKind,
    Cursor,
    MessageView,
    arena_text,
    attachments_of,
    decode_cursor,
    reactions_of,
    sources_of,
)
from neurocache_ui.store.models import Agent, Message, User, UTCDateTime

SYSTEM_NAME = "Neurocache"
"""The author shown on notices that neither a person nor an agent wrote."""


_VERSION_COUNT = (sa.func.json_array_length(Message.versions) + 1).label("version_count")
"""The texts a reply has had: its earlier versions and this one (same function on both backends)."""


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
            Message.sources,
            Message.attachments,
            Message.thread_id,
            Message.reply_count,
            Message.reactions,
            _VERSION_COUNT,
            Message.notes,
            Message.arena,
            Message.media,
            Message.integration,
        )
        .select_from(Message)
        .outerjoin(User, User.id == Message.user_id)  # type: ignore[arg-type]
        .outerjoin(Agent, Agent.id == Message.agent_id)  # type: ignore[arg-type]
    )


def _view(row: sa.Row[Any]) -> MessageView:
    (message_id, channel_id, user_id, agent_id, user_name, agent_name, content, status, created_at, edited_at, sources,
     images, thread_id, reply_count, reactions, version_count, notes, arena, media, integration) = row
    if user_id is not None:
        kind: AuthorKind = "user"
        name = user_name
    elif agent_id is not None:
        kind, name = "agent", agent_name
    elif integration:
        kind, name = "integration", integration
    else:
        kind, name = "system", SYSTEM_NAME
    return MessageView(
        message_id, channel_id, user_id, agent_id, name, kind, content, status, created_at, edited_at,
        sources_of(sources) if sources else (), attachments_of(images) if images else (), thread_id, reply_count or 0,
        reactions_of(reactions) if reactions else (), version_count or 1, tuple(notes) if notes else (),
        arena_text(arena), media_of(media),
    )


def _newest(session: Session, query: sa.Select[Any], limit: int) -> list[MessageView]:
    """The newest `limit` rows of `query`, oldest -> newest, with their reactions."""
    newest_first = (Message.created_at.desc(), Message.id.desc())  # type: ignore[union-attr,attr-defined]
    rows = session.connection().execute(query.order_by(*newest_first).limit(limit)).all()
    return [_view(r) for r in reversed(rows)]


def _page(session: Session, channel_id: int, limit: int, where: sa.ColumnElement[bool] | None = None) -> list[MessageView]:
    """Up to `limit` of the channel's newest messages (matching `where`), oldest ->
    newest, by index ix_message_channel_created; thread replies are not the channel's."""
    query = _select_views().where(Message.channel_id == channel_id, Message.thread_id.is_(None))  # type: ignore[union-attr]
    return _newest(session, query if where is None else query.where(where), limit)


def latest(session: Session, channel_id: int, limit: int) -> list[MessageView]:
    return _page(session, channel_id, limit)


def latest_with_replies(session: Session, channel_id: int, limit: int) -> list[MessageView]:
    """The channel's newest messages, thread replies included (as unread counts count them), oldest first."""
    return _newest(session, _select_views().where(Message.channel_id == channel_id), limit)


def older(session: Session, channel_id: int, before: int | str | Cursor | None, limit: int) -> list[MessageView]:
    """Strictly older than `before`: a message id, a cursor string or a Cursor."""
    return _page(session, channel_id, limit, None if before is None else _before(session, channel_id, before))


def newer(session: Session, channel_id: int, after: Cursor, limit: int) -> list[MessageView]:
    """Up to `limit` of the channel's messages strictly newer than `after`, oldest first."""
    created_at = sa.literal(after.created_at, UTCDateTime())
    query = _select_views().where(
        Message.channel_id == channel_id,
        Message.thread_id.is_(None),  # type: ignore[union-attr]
        sa.or_(
            Message.created_at > created_at,  # type: ignore[operator]
            sa.and_(Message.created_at == created_at, Message.id > after.id),  # type: ignore[operator]
        ),
    )
    oldest_first = (Message.created_at.asc(), Message.id.asc())  # type: ignore[union-attr,attr-defined]
    rows = session.connection().execute(query.order_by(*oldest_first).limit(limit)).all()
    return [_view(r) for r in rows]


def thread(session: Session, root_id: int, limit: int, before: Cursor | None = None) -> list[MessageView]:
    """The newest `limit` replies of a thread (older than `before`), oldest first,
    by index ix_message_thread."""
    query = _select_views().where(Message.thread_id == root_id)
    return _newest(session, query if before is None else query.where(_older_than(before)), limit)


def _before(session: Session, channel_id: int, before: int | str | Cursor) -> sa.ColumnElement[bool]:
    if isinstance(before, Cursor):
        cursor = before
    elif isinstance(before, str):
        cursor = decode_cursor(before)
    else:
        created = session.connection().execute(
            sa.select(Message.created_at).where(Message.id == before, Message.channel_id == channel_id)
        ).scalar()
        if created is None:
            # The message is gone (deleted, or retention): ids roughly follow time.
            return Message.id < before  # type: ignore[return-value,operator]
        cursor = Cursor(created, before)
    return _older_than(cursor)


def _older_than(cursor: Cursor) -> sa.ColumnElement[bool]:
    created_at = sa.literal(cursor.created_at, UTCDateTime())
    return sa.or_(
        Message.created_at < created_at,  # type: ignore[operator]
        sa.and_(Message.created_at == created_at, Message.id < cursor.id),  # type: ignore[operator]
    )


def joined_views(session: Session, query: Callable[[sa.Select[Any]], sa.Select[Any]], *extra: Any) -> list[tuple[MessageView, tuple[Any, ...]]]:
    """Message views selected with `extra` columns and narrowed by `query` (joins, order,
    page), for lists made of messages (pins, saved): each view with its extra values."""
    rows = session.connection().execute(query(_select_views().add_columns(*extra))).all()
    width = len(rows[0]) - len(extra) if rows else 0
    return [(_view(r[:width]), tuple(r[width:])) for r in rows]


def view(session: Session, message_id: int) -> MessageView | None:
    row = session.connection().execute(_select_views().where(Message.id == message_id)).first()
    return _view(row) if row is not None else None


def insert(session: Session, message: Message, *, only_if: sa.ColumnElement[bool] | None = None) -> MessageView | None:
    """The message as stored, author name included, in one round trip (INSERT …
    RETURNING). With `only_if` nothing is inserted, and None returned, unless it holds."""
    return insert_asking(session, message, sa.false(), only_if=only_if)[0]


def insert_asking(
    session: Session, message: Message, question: sa.ColumnElement[bool], *, only_if: sa.ColumnElement[bool] | None = None
) -> tuple[MessageView | None, bool]:
    """`insert`, and the answer to `question` (an EXISTS) in the same RETURNING: a check
    the send path pays no round trip for."""
    table = Message.__table__
    names = [column.name for column in table.columns if column.name != "id"]
    values = [sa.literal(getattr(message, name), type_=table.c[name].type) for name in names]
    source = sa.select(*values).where(only_if) if only_if is not None else sa.select(*values)
    # RETURNING cannot join: the names come from subqueries on the new row's columns.
    user_name = sa.select(User.name).where(User.id == sa.literal_column("message.user_id")).scalar_subquery()
    agent_name = sa.select(Agent.name).where(Agent.id == sa.literal_column("message.agent_id")).scalar_subquery()
    returned = [table.c[name] for name in ("id", "channel_id", "user_id", "agent_id")] + [user_name, agent_name] + [
        table.c[name]
        for name in ("content", "status", "created_at", "edited_at", "sources", "attachments", "thread_id", "reply_count", "reactions")
    ] + [sa.func.json_array_length(table.c.versions) + 1, table.c.notes, table.c.arena, table.c.media, table.c.integration]
    row = session.connection().execute(sa.insert(table).from_select(names, source).returning(*returned, question)).first()
    return (_view(row[:-1]), bool(row[-1])) if row is not None else (None, False)


def authorship(session: Session, message_id: int) -> tuple[int, int | None] | None:
    """(channel id, the person who wrote it) of a message, None if it is gone."""
    row = session.connection().execute(
        sa.select(Message.channel_id, Message.user_id).where(Message.id == message_id)
    ).first()
    return None if row is None else (row[0], row[1])


def thread_root(session: Session, message_id: int) -> tuple[int, int | None] | None:
    """(channel id, thread id) of a message, None if it is gone: a reply's
    thread must be a root (thread id None) of the same channel."""
    row = session.connection().execute(
        sa.select(Message.channel_id, Message.thread_id).where(Message.id == message_id)
    ).first()
    return None if row is None else (row[0], row[1])


def count_reply(session: Session, root_id: int, change: int) -> None:
    """One more (or fewer) reply on a root, in the reply's transaction; never below 0."""
    count = Message.reply_count + change
    session.connection().execute(
        sa.update(Message).where(Message.id == root_id).values(reply_count=sa.case((count < 0, 0), else_=count))  # type: ignore[arg-type]
    )


def update(session: Session, message_id: int, values: dict[str, Any], where: sa.ColumnElement[bool]) -> MessageView | None:
    """The message after the change; None if no message matched."""
    query = sa.update(Message).where(Message.id == message_id, where).values(**values)  # type: ignore[arg-type]
    if session.connection().execute(query).rowcount == 0:
        return None
    return view(session, message_id)


def delete(session: Session, message_id: int) -> bool:
    """Who may delete it was checked in the same transaction (services/messaging.py)."""
    query = sa.delete(Message).where(Message.id == message_id)  # type: ignore[arg-type]
    return bool(session.connection().execute(query).rowcount)


def reply_state(session: Session, message_id: int) -> sa.Row[Any] | None:
    """(agent id, status, content, sources, notes, versions, reply_to_id, created_at)
    of a message, for regenerating an agent's reply."""
    return session.connection().execute(
        sa.select(
            Message.agent_id, Message.status, Message.content, Message.sources, Message.notes, Message.versions,
            Message.reply_to_id, Message.created_at,
        ).where(Message.id == message_id)
    ).first()


def asked_before(session: Session, channel_id: int, thread_id: int | None, before_id: int) -> MessageView | None:
    """The newest person's message before `before_id` in the same place (the channel
    itself, or one thread, whose root counts): what a reply without `reply_to_id` answered."""
    place = (
        Message.thread_id.is_(None) if thread_id is None  # type: ignore[union-attr]
        else sa.or_(Message.thread_id == thread_id, Message.id == thread_id)
    )
    query = _select_views().where(
        Message.channel_id == channel_id, place, Message.id < before_id, Message.user_id.is_not(None)  # type: ignore[union-attr]
    )
    row = session.connection().execute(query.order_by(Message.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    return _view(row) if row is not None else None
