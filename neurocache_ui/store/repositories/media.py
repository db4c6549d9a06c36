"""Media rows: an upload's chunks, linking it to its message (and copying what a page
shows of it onto the message, `message.media`), the processor's claims, and the reads
a range request, a poster, a transcript and an agent need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.media import FILE_KIND, MediaRef
from neurocache_ui.store.media_models import Media, MediaChunk, MediaFrame
from neurocache_ui.store.models import Message, UTCDateTime

def insert(session: Session, media: Media) -> Media:
    session.add(media)
    session.flush()
    return media


def add_chunk(session: Session, media_id: int, seq: int, data: bytes) -> None:
    session.connection().execute(sa.insert(MediaChunk).values(media_id=media_id, seq=seq, data=data))


def finish_upload(session: Session, media_id: int, size: int) -> None:
    session.connection().execute(
        sa.update(Media).where(Media.id == media_id).values(size=size, complete=True)  # type: ignore[arg-type]
    )


def _place(channel_id: int | None, agent_id: int | None) -> sa.ColumnElement[bool]:
    """The files of a channel, or of an agent's Try it chat."""
    return Media.agent_id == agent_id if agent_id is not None else Media.channel_id == channel_id  # type: ignore[return-value]


def pending_count(session: Session, user_id: int, *, channel_id: int | None = None, agent_id: int | None = None) -> int:
    """The person's uploaded, unsent files in a channel (or a Try it chat)."""
    query = sa.select(sa.func.count()).select_from(Media).where(
        _place(channel_id, agent_id), Media.user_id == user_id, Media.status == "uploading"
    )
    return int(session.connection().execute(query).scalar() or 0)


def delete_pending(session: Session, media_id: int, user_id: int) -> bool:
    query = sa.delete(Media).where(Media.id == media_id, Media.user_id == user_id, Media.status == "uploading")
    return bool(session.connection().execute(query).rowcount)


def link(session: Session, message_id: int, ids: Sequence[int], *, channel_id: int, user_id: int) -> int:
    """Give `ids` to the message: only the uploader's own complete media of the channel
    that no message has yet; they join the processor's queue. How many were linked."""
    query = (
        sa.update(Media)
        .where(
            Media.id.in_(list(ids)),  # type: ignore[union-attr]
            Media.channel_id == channel_id,
            Media.user_id == user_id,
            Media.message_id.is_(None),  # type: ignore[union-attr]
            Media.complete.is_(True),  # type: ignore[attr-defined]
        )
        .values(message_id=message_id, status="queued", progress=0)
    )
    return int(session.connection().execute(query).rowcount)


def link_private(session: Session, ids: Sequence[int], *, agent_id: int, user_id: int) -> int:
    """Send `ids` in the owner's Try it chat with the agent: only the sender's own complete,
    unsent files of that chat; they join the processor's queue. How many were sent."""
    query = (
        sa.update(Media)
        .where(
            Media.id.in_(list(ids)),  # type: ignore[union-attr]
            Media.agent_id == agent_id,
            Media.user_id == user_id,
            Media.status == "uploading",
            Media.complete.is_(True),  # type: ignore[attr-defined]
        )
        .values(status="queued", progress=0)
    )
    return int(session.connection().execute(query).rowcount)


def refs_of(session: Session, media_ids: Sequence[int], *, user_id: int, agent_id: int) -> list[MediaRef]:
    """The person's own files of a Try it chat among `media_ids` as a player shows them,
    in the order given."""
    if not media_ids:
        return []
    query = sa.select(*_REF_COLUMNS).where(
        Media.id.in_(list(media_ids)), Media.user_id == user_id, Media.agent_id == agent_id  # type: ignore[union-attr]
    )
    found = {ref.id: ref for ref in _refs(session.connection().execute(query))}
    return [found[media_id] for media_id in media_ids if media_id in found]


_REF_COLUMNS = (Media.id, Media.kind, Media.filename, Media.duration_ms, Media.status, Media.progress, Media.note,
                sa.func.length(Media.transcript_text), Media.size)


def _refs(rows: Iterable[Any]) -> list[MediaRef]:
    """Refs from rows of _REF_COLUMNS ("queued" shows as processing)."""
    found = []
    for media_id, kind, filename, duration, status, progress, note, words, size in rows:
        shown = status if status in ("ready", "failed") else "processing"
        found.append(MediaRef(media_id, kind, filename, duration, shown, progress, note, bool(words), int(size)))
    return found


def refs(session: Session, message_id: int) -> list[MediaRef]:
    """The message's media as viewers see them, in attach order."""
    query = sa.select(*_REF_COLUMNS).where(Media.message_id == message_id).order_by(Media.id)  # type: ignore[arg-type]
    return _refs(session.connection().execute(query))


def spoken(session: Session, media_ids: Sequence[int]) -> str:
    """The transcripts' words of these files, in their order, as one text (a document's
    text is not something said: files are left out)."""
    if not media_ids:
        return ""
    query = sa.select(Media.id, Media.transcript_text).where(
        Media.id.in_(media_ids), Media.kind != FILE_KIND  # type: ignore[union-attr]
    )
    words = dict(session.connection().execute(query).all())
    return " ".join(words[media_id] for media_id in media_ids if words.get(media_id))


def show_on_message(session: Session, message_id: int) -> None:
    """Copy what a page shows of the media onto the message row (Message.media)."""
    values = [ref.to_row() for ref in refs(session, message_id)]
    session.connection().execute(sa.update(Message).where(Message.id == message_id).values(media=values))  # type: ignore[arg-type]


def meta(session: Session, media_id: int) -> sa.Row[Any] | None:
    """(channel_id, agent_id, message_id, user_id, size, content_type, filename, complete, kind) of a media file."""
    query = sa.select(
        Media.channel_id, Media.agent_id, Media.message_id, Media.user_id, Media.size, Media.content_type,
        Media.filename, Media.complete, Media.kind,
    ).where(Media.id == media_id)
    return session.connection().execute(query).first()


def chunks(session: Session, media_id: int, first: int, last: int) -> list[bytes]:
    """Chunks `first`..`last` (inclusive) of a file, in order."""
    query = (
        sa.select(MediaChunk.data)
        .where(MediaChunk.media_id == media_id, MediaChunk.seq >= first, MediaChunk.seq <= last)
        .order_by(MediaChunk.seq)  # type: ignore[arg-type]
    )
    return [bytes(data) for data in session.connection().execute(query).scalars()]


def poster(session: Session, media_id: int) -> bytes | None:
    found = session.connection().execute(sa.select(Media.poster).where(Media.id == media_id)).scalar()
    return bytes(found) if found is not None else None


def transcript(session: Session, media_id: int) -> sa.Row[Any] | None:
    """(transcript rows, note, status) of a media file."""
    query = sa.select(Media.transcript, Media.note, Media.status).where(Media.id == media_id)
    return session.connection().execute(query).first()


def frames(session: Session, media_id: int) -> list[tuple[int, bytes]]:
    query = sa.select(MediaFrame.at_ms, MediaFrame.data).where(MediaFrame.media_id == media_id).order_by(MediaFrame.seq)  # type: ignore[arg-type]
    return [(int(at), bytes(data)) for at, data in session.connection().execute(query)]


def of_messages(session: Session, message_ids: Iterable[int]) -> list[sa.Row[Any]]:
    """(message_id, id, kind) of the messages' media, in order."""
    wanted = list(message_ids)
    if not wanted:
        return []
    query = (
        sa.select(Media.message_id, Media.id, Media.kind)
        .where(Media.message_id.in_(wanted))  # type: ignore[union-attr]
        .order_by(Media.id)  # type: ignore[arg-type]
    )
    return list(session.connection().execute(query).all())


# ---------------------------------------------------------------- the processor's queue


def claim(session: Session, now: datetime, lease_until: datetime, max_attempts: int) -> int | None:
    """Take one sent media file (in a message or a Try it chat) to process: queued, or
    processing with an expired lease (its worker died) and attempts left. The row is locked (Postgres: SKIP LOCKED, so
    hosts never take the same one); its lease and attempts move in the same statement."""
    due = sa.or_(
        Media.status == "queued",
        sa.and_(Media.status == "processing", Media.lease_until < sa.literal(now, UTCDateTime())),  # type: ignore[operator]
    )
    query = (
        sa.select(Media.id)
        .where(due, Media.attempts < max_attempts)
        .order_by(Media.id)  # type: ignore[arg-type]
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    media_id = session.connection().execute(query).scalar()
    if media_id is None:
        return None
    session.connection().execute(
        sa.update(Media).where(Media.id == media_id).values(  # type: ignore[arg-type]
            status="processing", lease_until=lease_until, attempts=Media.attempts + 1
        )
    )
    return int(media_id)


def worn_out(session: Session, now: datetime, max_attempts: int) -> list[int]:
    """Message ids of media whose worker died on its last attempt, now marked failed."""
    stuck = sa.and_(
        Media.status == "processing",
        Media.lease_until < sa.literal(now, UTCDateTime()),  # type: ignore[operator]
        Media.attempts >= max_attempts,
    )
    found = [row for row in session.connection().execute(sa.select(Media.id, Media.message_id).where(stuck))]
    if found:
        session.connection().execute(
            sa.update(Media).where(Media.id.in_([row[0] for row in found])).values(  # type: ignore[union-attr]
                status="failed", note="This file could not be processed.", lease_until=None
            )
        )
    return [int(row[1]) for row in found if row[1] is not None]


def text_of(session: Session, media_id: int) -> str:
    """A file's text as read at processing ("" before, or when it has none)."""
    return str(session.connection().execute(sa.select(Media.transcript_text).where(Media.id == media_id)).scalar() or "")


def job(session: Session, media_id: int) -> sa.Row[Any] | None:
    """(filename, size, kind) of a claimed media file."""
    query = sa.select(Media.filename, Media.size, Media.kind).where(Media.id == media_id)
    return session.connection().execute(query).first()


def owner(session: Session, media_id: int) -> sa.Row[Any] | None:
    """(uploader's user id, channel id, agent id) of a media file."""
    query = sa.select(Media.user_id, Media.channel_id, Media.agent_id).where(Media.id == media_id)
    return session.connection().execute(query).first()


def update(session: Session, media_id: int, **values: Any) -> int | None:
    """Set fields of a media file still being processed by this claim; its message id, or
    None when it is gone (the message was deleted)."""
    query = sa.update(Media).where(Media.id == media_id).values(**values).returning(Media.message_id)  # type: ignore[arg-type]
    return session.connection().execute(query).scalar()


def put_frames(session: Session, media_id: int, found: Sequence[tuple[int, bytes]], poster: bytes) -> None:
    """The chosen frames (replacing any of an earlier attempt) and the poster."""
    conn = session.connection()
    conn.execute(sa.delete(MediaFrame).where(MediaFrame.media_id == media_id))  # type: ignore[arg-type]
    if found:
        conn.execute(sa.insert(MediaFrame), [
            {"media_id": media_id, "seq": seq, "at_ms": at_ms, "data": data} for seq, (at_ms, data) in enumerate(found)
        ])
    conn.execute(sa.update(Media).where(Media.id == media_id).values(poster=poster))  # type: ignore[arg-type]


def delete_abandoned(conn: sa.Connection, before: Any) -> int:
    """Media uploaded before `before` and never sent with a message: unsent files, and
    those of Try it chats (a chat lives in its tab only, so its files are as short-lived)."""
    query = sa.delete(Media).where(
        Media.message_id.is_(None),  # type: ignore[union-attr]
        Media.created_at < sa.literal(before, UTCDateTime()),  # type: ignore[operator]
    )
    return int(conn.execute(query).rowcount)
