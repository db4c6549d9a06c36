"""Images, video and audio in channels, stored in the database so every host can serve them.

An image (`attachment`) is one row: capped in size, with its thumbnail.

A file is kept as numbered chunks (`media_chunk`, CHUNK_BYTES each) rather than one
value: an upload is written as it streams in, and a range request reads only the
chunks it covers, so no step ever holds a whole 200 MB file in memory. The database
(not a directory or a bucket) because it is what every host of a deployment already
shares, it goes with its channel and message by cascade, and backups need nothing
more; Postgres large objects would not cascade and do not exist in SQLite.

A file belongs to a channel (shared with its members once a message carries it) or,
sent in an agent's private "Try it" chat, to that agent (`agent_id`): only its
uploader, the agent's owner, reads it, and it goes with the agent (migration 0017)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import limits
from neurocache_ui.store.models import BigId, fk, json_list, timestamp

CHUNK_BYTES = 1024 * 1024
MEDIA_FTS_TABLE = "media_fts"
"""SQLite: the FTS5 index over media.transcript_text, kept in sync by triggers (migration 0016)."""
MEDIA_SEARCH_INDEX = "ix_media_transcript_search"
"""Postgres: the GIN index over to_tsvector('simple', media.transcript_text) (migration 0016)."""


class Media(SQLModel, table=True):
    """One video or audio file: uploaded before its message is sent (`message_id` NULL
    until then), then processed in the background (`status`, `progress`) into a poster,
    frames and a transcript. Exactly one of `channel_id` and `agent_id` is set."""

    __tablename__ = "media"
    __table_args__ = (
        sa.CheckConstraint("(channel_id IS NULL) <> (agent_id IS NULL)", name="ck_media_one_place"),
    )

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    channel_id: int | None = fk("channel.id", ondelete="CASCADE", nullable=True)
    agent_id: int | None = fk("agent.id", ondelete="CASCADE", nullable=True)
    """Set for a file of the owner's private "Try it" chat with this agent (no channel, never a message)."""
    message_id: int | None = fk("message.id", ondelete="CASCADE", nullable=True, big=True)
    user_id: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    kind: str = Field(max_length=10)
    """"video", "audio" or "voice" (recorded in the composer)."""
    content_type: str = Field(max_length=50)
    filename: str = Field(max_length=limits.FILENAME_MAX)
    size: int = 0
    """Bytes stored so far; the file's size once `complete`."""
    complete: bool = False
    """All its bytes arrived (an interrupted upload stays incomplete and is never sent)."""
    duration_ms: int = 0
    width: int = 0
    height: int = 0
    status: str = Field(default="uploading", max_length=20)
    """uploading, queued (sent, waiting for the processor), processing, ready, failed."""
    progress: int = 0
    note: str = Field(default="", sa_type=sa.Text())
    """Why processing failed, or why there is no transcript."""
    poster: bytes | None = Field(default=None, sa_type=sa.LargeBinary(), nullable=True)
    transcript: list[Any] = json_list()
    """[[start_ms, end_ms, text], …]: what was said, in order."""
    transcript_text: str = Field(default="", sa_type=sa.Text())
    """The transcript's words, for search."""
    lease_until: datetime | None = timestamp(nullable=True)
    """A processor's claim on it (several hosts may run processors)."""
    attempts: int = 0
    created_at: datetime = timestamp()


class MediaChunk(SQLModel, table=True):
    """CHUNK_BYTES of a media file (the last one may be shorter), numbered from 0."""

    __tablename__ = "media_chunk"

    media_id: int = Field(
        sa_column_args=[sa.ForeignKey("media.id", ondelete="CASCADE")], sa_type=BigId, primary_key=True
    )
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary())


class MediaFrame(SQLModel, table=True):
    """A frame of a video chosen for agents (a JPEG at most 768 px on its long side), with its moment."""

    __tablename__ = "media_frame"

    media_id: int = Field(
        sa_column_args=[sa.ForeignKey("media.id", ondelete="CASCADE")], sa_type=BigId, primary_key=True
    )
    seq: int = Field(primary_key=True)
    at_ms: int
    data: bytes = Field(sa_type=sa.LargeBinary())


class Attachment(SQLModel, table=True):
    """An image sent in a channel: stored in the database (capped in size by
    services/attachments.py) so every host can serve it. Uploaded before its
    message is sent (`message_id` NULL until then); goes with its message or channel."""

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    channel_id: int = fk("channel.id", ondelete="CASCADE")
    message_id: int | None = fk("message.id", ondelete="CASCADE", nullable=True, big=True)
    user_id: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    content_type: str = Field(max_length=50)
    filename: str = Field(max_length=limits.FILENAME_MAX)
    size: int
    width: int
    height: int
    data: bytes = Field(sa_type=sa.LargeBinary())
    thumbnail: bytes = Field(sa_type=sa.LargeBinary())
    created_at: datetime = timestamp()
