"""Message search with the database's own full-text engine (objects made by
migration 0007): Postgres' generated `message.search_vector` ('simple'
configuration, GIN index `ix_message_search`) matched by a `to_tsquery`, SQLite's
`message_fts` FTS5 table matched by MATCH. Only messages of channels the user is
a member of; newest first by the `(created_at, id)` keyset the channel pages use.
The snippet (ts_headline / FTS5 snippet) is computed for the page's rows only.
The words said in a message's video or audio (media.transcript_text, indexed by
migration 0016) find the message too, with a snippet of the transcript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.messages import Cursor
from neurocache_ui.store.media_models import MEDIA_FTS_TABLE, Media
from neurocache_ui.store.models import (
    MESSAGE_FTS_TABLE,
    MESSAGE_SEARCH_COLUMN,
    Agent,
    Channel,
    ChannelMember,
    Message,
    User,
    UTCDateTime,
)

START, STOP = "\ue000", "\ue001"
"""Private-use characters around each matching word of a snippet. Postgres drops
them from the text before highlighting; SQLite's snippet keeps a message's own, so
services/search.py shows such a message without highlights. Either way the
snippet reaches the page as text parts, never as HTML."""
SNIPPET_WORDS = 30
_HEADLINE_OPTIONS = f'StartSel="{START}", StopSel="{STOP}", MaxWords={SNIPPET_WORDS}, MinWords=12, ShortWord=0'
_FTS = sa.table(MESSAGE_FTS_TABLE, sa.column("rowid"))
_MEDIA_FTS = sa.table(MEDIA_FTS_TABLE, sa.column("rowid"))


def _page(user_id: int, before: Cursor | None, limit: int) -> sa.Select[Any]:
    """The matching messages' columns, newest first; the caller adds the match."""
    query = (
        sa.select(
            Message.id.label("id"),  # type: ignore[union-attr]
            Message.channel_id.label("channel_id"),  # type: ignore[attr-defined]
            Channel.slug.label("channel_slug"),  # type: ignore[attr-defined]
            Channel.name.label("channel_name"),  # type: ignore[attr-defined]
            Message.user_id.label("user_id"),  # type: ignore[union-attr]
            Message.agent_id.label("agent_id"),  # type: ignore[union-attr]
            User.name.label("user_name"),  # type: ignore[attr-defined]
            Agent.name.label("agent_name"),  # type: ignore[attr-defined]
            Message.integration.label("integration"),  # type: ignore[union-attr]
            Message.created_at.label("created_at"),  # type: ignore[attr-defined]
            Message.thread_id.label("thread_id"),  # type: ignore[union-attr]
            Message.content.label("content"),  # type: ignore[attr-defined]
        )
        .select_from(Message)
        .join(ChannelMember, sa.and_(ChannelMember.channel_id == Message.channel_id, ChannelMember.user_id == user_id))  # type: ignore[arg-type]
        .join(Channel, Channel.id == Message.channel_id)  # type: ignore[arg-type]
        .outerjoin(User, User.id == Message.user_id)  # type: ignore[arg-type]
        .outerjoin(Agent, Agent.id == Message.agent_id)  # type: ignore[arg-type]
        .where(Message.status != "streaming")  # an agent's reply still being written
        .order_by(Message.created_at.desc(), Message.id.desc())  # type: ignore[union-attr,attr-defined]
        .limit(limit)
    )
    if before is not None:
        created_at = sa.literal(before.created_at, UTCDateTime())
        query = query.where(
            sa.or_(
                Message.created_at < created_at,  # type: ignore[operator]
                sa.and_(Message.created_at == created_at, Message.id < before.id),  # type: ignore[operator]
            )
        )
    return query


def _postgres(expression: str, user_id: int, before: Cursor | None, limit: int, *, said: bool) -> sa.Select[Any]:
    """Messages whose text matches, or with `said` those whose media's transcript does."""
    simple = sa.literal_column("'simple'")
    tsquery = sa.func.to_tsquery(simple, sa.bindparam("tsquery", expression))
    if said:
        page = (
            _page(user_id, before, limit)
            .join(Media, Media.message_id == Message.id)  # type: ignore[arg-type]
            .where(sa.func.to_tsvector(simple, Media.transcript_text).op("@@")(tsquery))
            .add_columns(Media.transcript_text.label("said"))  # type: ignore[attr-defined]
            .cte("page")
        )
    else:
        page = _page(user_id, before, limit).where(
            sa.literal_column(f"message.{MESSAGE_SEARCH_COLUMN}").op("@@")(tsquery)
        ).cte("page")
    # The marker characters are dropped from the text first, so only ours remain. A
    # transcript's match comes with the transcript as its text (the snippet is of it).
    text = sa.func.translate(page.c.said if said else page.c.content, START + STOP, "")
    snippet = sa.func.ts_headline(simple, text, tsquery, _HEADLINE_OPTIONS)
    columns = [c for c in page.c if c.name not in ("content", "said")]
    return sa.select(*columns, text.label("content"), snippet.label("snippet")).order_by(
        page.c.created_at.desc(), page.c.id.desc()
    )


def _sqlite(expression: str, user_id: int, before: Cursor | None, limit: int, *, said: bool) -> sa.Select[Any]:
    """Messages whose text matches, or with `said` those whose media's transcript does."""
    table, fts = (MEDIA_FTS_TABLE, _MEDIA_FTS) if said else (MESSAGE_FTS_TABLE, _FTS)
    match = sa.text(f"{table} MATCH :fts").bindparams(fts=expression)
    if said:
        page = (
            _page(user_id, before, limit)
            .join(Media, Media.message_id == Message.id)  # type: ignore[arg-type]
            .join(fts, fts.c.rowid == Media.id)
            .add_columns(Media.id.label("media_id"), Media.transcript_text.label("said"))  # type: ignore[union-attr,attr-defined]
        )
    else:
        page = _page(user_id, before, limit).join(fts, fts.c.rowid == Message.id)
    page = page.where(match).cte("page")
    # snippet() needs the MATCH in its own query: re-matched for the page's rows only.
    # No ellipsis here: services/search.py adds it the same way for both databases.
    snippet = sa.func.snippet(sa.literal_column(table), 0, START, STOP, "", SNIPPET_WORDS)
    row_of = page.c.media_id if said else page.c.id
    columns = [
        page.c.said.label("content") if said and c.name == "content" else c for c in page.c if c.name not in ("media_id", "said")
    ]
    return (
        sa.select(*columns, snippet.label("snippet"))
        .select_from(page.join(fts, fts.c.rowid == row_of))
        .where(sa.text(f"{table} MATCH :fts2").bindparams(fts2=expression))
        .order_by(page.c.created_at.desc(), page.c.id.desc())
    )


def search(session: Session, user_id: int, words: Sequence[str], before: Cursor | None, limit: int) -> Sequence[sa.Row[Any]]:
    """Up to `limit` messages holding every one of `words` (the last one as a
    prefix), in channels `user_id` is a member of, older than `before`, newest
    first: (id, channel_id, channel_slug, channel_name, user_id, agent_id,
    user_name, agent_name, integration, created_at, thread_id, content, snippet). `words` are
    made of letters and digits only (services/search.py), and reach the query
    language as bound, quoted terms."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        expression, query = " & ".join(f"'{word}'" for word in words) + ":*", _postgres
    else:
        expression, query = " ".join(f'"{word}"' for word in words) + "*", _sqlite
    # Two keyset pages (by text, by what was said), merged: each holds the newest
    # `limit` of its kind older than `before`, so the merge's newest `limit` are right.
    found: dict[int, sa.Row[Any]] = {}
    for said in (False, True):
        for row in conn.execute(query(expression, user_id, before, limit, said=said)).all():
            found.setdefault(row.id, row)
    return sorted(found.values(), key=lambda row: (row.created_at, row.id), reverse=True)[:limit]
