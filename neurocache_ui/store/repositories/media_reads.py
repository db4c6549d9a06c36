"""What agents read of stored media: a message's current media refs, a file's
transcript and chosen frames, and the words said in several files."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.media import MediaRef, media_of
from neurocache_ui.store.media_models import Media, MediaFrame
from neurocache_ui.store.models import Message


def message_media(session: Session, message_id: int) -> list[MediaRef] | None:
    """The message's media refs as they are now; None if the message is gone."""
    row = session.execute(sa.select(Message.media).where(Message.id == message_id)).first()
    return None if row is None else list(media_of(row[0]))


def transcript(session: Session, media_id: int) -> tuple[list[tuple[int, int, str]], str]:
    """([(start_ms, end_ms, text)], note) of a file; ([], "") if it is gone."""
    row = session.execute(sa.select(Media.transcript, Media.note).where(Media.id == media_id)).first()
    if row is None:
        return [], ""
    return [(int(start), int(end), str(text)) for start, end, text in row[0] or ()], row[1] or ""


def frames(session: Session, media_id: int, limit: int) -> list[tuple[int, bytes]]:
    """Up to `limit` of a video's chosen frames as (moment, JPEG), in time order."""
    rows = session.execute(
        sa.select(MediaFrame.at_ms, MediaFrame.data)
        .where(MediaFrame.media_id == media_id)
        .order_by(MediaFrame.at_ms)
        .limit(limit)
    ).all()
    return [(int(at_ms), bytes(data)) for at_ms, data in rows]


def spoken(session: Session, media_ids: Sequence[int]) -> str:
    """The transcripts' words of these files, in their order, as one text."""
    if not media_ids:
        return ""
    rows = dict(session.execute(sa.select(Media.id, Media.transcript_text).where(Media.id.in_(media_ids))).all())  # type: ignore[union-attr]
    return " ".join(rows[media_id] for media_id in media_ids if rows.get(media_id))
