"""Attachment rows: linking uploaded images to their message (and copying what
a page shows of them onto it), and the bytes to serve."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.messages import AttachmentRef
from neurocache_ui.store.media_models import Attachment
from neurocache_ui.store.models import Message, UTCDateTime


def refs(session: Session, message_id: int) -> list[AttachmentRef]:
    """The message's images in attach order."""
    query = (
        sa.select(Attachment.id, Attachment.filename, Attachment.width, Attachment.height)
        .where(Attachment.message_id == message_id)
        .order_by(Attachment.id)  # type: ignore[arg-type]
    )
    return [AttachmentRef(*row) for row in session.connection().execute(query)]


def show_on_message(session: Session, message_id: int, shown: list[AttachmentRef]) -> None:
    """Copy what a page shows of the images onto the message row (Message.attachments)."""
    values = [{"id": r.id, "filename": r.filename, "width": r.width, "height": r.height} for r in shown]
    session.connection().execute(sa.update(Message).where(Message.id == message_id).values(attachments=values))  # type: ignore[arg-type]


def insert(session: Session, attachment: Attachment) -> Attachment:
    session.add(attachment)
    session.flush()
    return attachment


def link(session: Session, message_id: int, ids: Sequence[int], *, channel_id: int, user_id: int) -> int:
    """Give `ids` to the message: only the uploader's own images of the channel
    that no message has yet. Returns how many were linked."""
    query = (
        sa.update(Attachment)
        .where(
            Attachment.id.in_(list(ids)),  # type: ignore[union-attr]
            Attachment.channel_id == channel_id,
            Attachment.user_id == user_id,
            Attachment.message_id.is_(None),  # type: ignore[union-attr]
        )
        .values(message_id=message_id)
    )
    return int(session.connection().execute(query).rowcount)


def pending_count(session: Session, channel_id: int, user_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(Attachment).where(
        Attachment.channel_id == channel_id,
        Attachment.user_id == user_id,
        Attachment.message_id.is_(None),  # type: ignore[union-attr]
    )
    return int(session.connection().execute(query).scalar() or 0)


def delete_pending(session: Session, attachment_id: int, user_id: int) -> bool:
    query = sa.delete(Attachment).where(
        Attachment.id == attachment_id,
        Attachment.user_id == user_id,
        Attachment.message_id.is_(None),  # type: ignore[union-attr]
    )
    return bool(session.connection().execute(query).rowcount)


def meta(session: Session, attachment_id: int) -> sa.Row[Any] | None:
    """(channel_id, message_id, user_id) of an attachment, None if it is gone."""
    query = sa.select(Attachment.channel_id, Attachment.message_id, Attachment.user_id).where(Attachment.id == attachment_id)
    return session.connection().execute(query).first()


def content(session: Session, attachment_id: int, *, thumbnail: bool) -> sa.Row[Any] | None:
    """(bytes, content type, filename); the thumbnail is always WebP."""
    column = Attachment.thumbnail if thumbnail else Attachment.data
    query = sa.select(column, Attachment.content_type, Attachment.filename).where(Attachment.id == attachment_id)
    return session.connection().execute(query).first()


def images_of(session: Session, message_ids: Collection[int]) -> list[sa.Row[Any]]:
    """(message_id, id, bytes, content type, filename) of the messages' images, in order."""
    if not message_ids:
        return []
    query = (
        sa.select(Attachment.message_id, Attachment.id, Attachment.data, Attachment.content_type, Attachment.filename)
        .where(Attachment.message_id.in_(list(message_ids)))  # type: ignore[union-attr]
        .order_by(Attachment.id)  # type: ignore[arg-type]
    )
    return list(session.connection().execute(query).all())


def delete_abandoned(conn: sa.Connection, before: Any) -> int:
    """Images uploaded before `before` and never sent with a message."""
    query = sa.delete(Attachment).where(
        Attachment.message_id.is_(None),  # type: ignore[union-attr]
        Attachment.created_at < sa.literal(before, UTCDateTime()),  # type: ignore[operator]
    )
    return int(conn.execute(query).rowcount)
