"""Video and audio a member is about to send: received as a stream, checked, stored
in 1 MB chunks (store/media_models.py), or dropped by its uploader before sending
(sending it: services/media/sending.py). The same for an agent's owner in its private
"Try it" chat (`agent_id` instead of a channel; the same limits).

An upload is checked in order of cost: its name's kind, its declared size, the
uploader's membership (or ownership of the agent) and room for more unsent media, then its bytes as they arrive
(counted, cut off past the limit), and only then its content, by the media decoder in
a confined child process (infra/media.probe: streams, dimensions, duration).

The stream goes to a temporary file first and reaches the database only once the
probe accepted it: a refused or interrupted upload never becomes rows, a slow client
never holds a transaction open, and the processor and the probe read the same file
kind. Memory stays at one chunk whatever the file's size.

A file of any other kind (`kind` "file": a PDF, a zip, a CSV …) takes the same way
with its own limit (NEUROCACHE_FILE_MAX_MB) and no probe: it is only ever downloaded,
and its text is read later, in the parse processes (services/media/processing.py)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

from sqlmodel import Session

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.media import FILE_KIND, SUPPORTED, MediaKind, content_type_of, kind_of
from neurocache_ui.infra import media
from neurocache_ui.services import agents, channels
from neurocache_ui.services.attachments import clean_filename
from neurocache_ui.services.media.sending import UNAVAILABLE
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.media_models import CHUNK_BYTES, Media
from neurocache_ui.store.repositories import media as repo

MAX_PENDING = 4
"""Media files (and other files) one person may have uploaded in a channel (or a Try it chat) and not sent yet."""


class TooLarge(Invalid):
    """The file is over NEUROCACHE_MEDIA_MAX_MB (HTTP 413)."""


class NotMedia(Invalid):
    """The file is not a video or audio file the hub takes (HTTP 415)."""


@dataclass(frozen=True)
class Uploaded:
    id: int
    kind: MediaKind
    filename: str
    duration_ms: int
    size: int


def max_mb(kind: str = "") -> int:
    """The limit of an upload of this kind (a file's, or video and audio's), in MB."""
    settings = get_settings()
    return settings.file_max_mb if kind == FILE_KIND else settings.media_max_mb


def _too_large(name: str, kind: str) -> TooLarge:
    return TooLarge(f"{name} is too large: the limit is {max_mb(kind)} MB per file.", "file")


def _full() -> Invalid:
    return Invalid(f"You have {MAX_PENDING} files waiting to be sent here. Send or remove some first.", "file")


def check_upload(filename: str, content_type: str, length: int | None, kind: str = "") -> tuple[str, MediaKind]:
    """The cleaned name and its kind by name ("file" when asked for: any file); NotMedia
    or TooLarge (by the declared length) before anything is read."""
    name = clean_filename(filename)
    found = FILE_KIND if kind == FILE_KIND else kind_of(name, content_type)
    if found is None:
        raise NotMedia(f"{name} is not a video or audio file the hub takes ({SUPPORTED}). Attach it as a file instead.", "file")
    if length is not None and length > max_mb(found) * 1024 * 1024:
        raise _too_large(name, found)
    return name, found


def _room(session: Session, channel_id: int | None, agent_id: int | None, user_id: int) -> None:
    """NotFound/Forbidden for someone who may not post in the channel (or does not own the
    agent); Invalid when their unsent media there fill the cap."""
    if agent_id is not None:
        agents.get_agent(user_id, agent_id)
    else:
        channels.ensure_can_post(int(channel_id or 0), user_id, session=session)
    if repo.pending_count(session, user_id, channel_id=channel_id, agent_id=agent_id) >= MAX_PENDING:
        raise _full()


def _check_room(channel_id: int | None, agent_id: int | None, user_id: int) -> None:
    with database_guard(UNAVAILABLE), session_scope() as session:
        _room(session, channel_id, agent_id, user_id)


async def _spool(body: AsyncIterator[bytes], file: IO[bytes], name: str, kind: str) -> int:
    """Copy the body to `file` a chunk at a time (written off the event loop); TooLarge
    as soon as it passes the kind's limit, leaving the rest unread."""
    limit, size = max_mb(kind) * 1024 * 1024, 0
    pending = bytearray()
    async for piece in body:
        size += len(piece)
        if size > limit:
            raise _too_large(name, kind)
        pending += piece
        if len(pending) >= CHUNK_BYTES:
            block, pending = bytes(pending), bytearray()
            await asyncio.to_thread(file.write, block)
    if pending:
        await asyncio.to_thread(file.write, bytes(pending))
    await asyncio.to_thread(file.flush)
    if size == 0:
        raise Invalid(f"{name} is empty.", "file")
    return size


def _store(
    channel_id: int | None, agent_id: int | None, user_id: int, name: str, kind: MediaKind, probe: media.Probe | None,
    path: str, size: int,
) -> Uploaded:
    """The file's rows, in one unit of work, read from `path` a chunk at a time."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        _room(session, channel_id, agent_id, user_id)  # again: uploads run side by side
        row = repo.insert(session, Media(
            channel_id=channel_id, agent_id=agent_id, user_id=user_id, kind=kind, content_type=content_type_of(name, kind), filename=name,
            size=size, complete=True, duration_ms=probe.duration_ms if probe else 0, width=probe.width if probe else 0,
            height=probe.height if probe else 0,
        ))
        assert row.id is not None
        with open(path, "rb") as source:
            for seq, block in enumerate(iter(lambda: source.read(CHUNK_BYTES), b"")):
                repo.add_chunk(session, row.id, seq, block)
        return Uploaded(row.id, kind, name, row.duration_ms, size)


async def receive(
    channel_id: int | None,
    user_id: int,
    filename: str,
    body: AsyncIterator[bytes],
    *,
    agent_id: int | None = None,
    kind: str = "",
    content_type: str = "",
    length: int | None = None,
) -> Uploaded:
    """Store a video or audio file a member is about to send, streamed from `body`.
    `kind` "voice" marks a recording made in the composer (it must be audio), "file"
    any file (kept as it came, not probed); the stored kind is otherwise what the decoder found. With `agent_id` (and no channel) the
    file is for the owner's Try it chat with that agent. NotFound for a non-member (or
    someone else's agent), NotMedia,
    TooLarge, or Invalid (the decoder's reason: too long, unreadable) — all before any
    row is written."""
    name, found = check_upload(filename, content_type, length, kind)
    if (channel_id is None) == (agent_id is None):
        raise Invalid("Say where the file goes: a channel or an agent's Try it chat.", "channel")
    await asyncio.to_thread(_check_room, channel_id, agent_id, user_id)
    suffix = os.path.splitext(name)[1].lower()
    with tempfile.NamedTemporaryFile(prefix="neurocache-upload-", suffix=suffix) as spool:
        size = await _spool(body, spool, name, found)
        if found == FILE_KIND:
            return await asyncio.to_thread(_store, channel_id, agent_id, user_id, name, found, None, spool.name, size)
        probe = await media.probe(spool.name, max_duration_ms=get_settings().media_max_minutes * 60_000)
        stored: MediaKind = "video" if probe.kind == "video" else "voice" if kind == "voice" else "audio"
        return await asyncio.to_thread(_store, channel_id, agent_id, user_id, name, stored, probe, spool.name, size)


def remove_pending(media_id: int, user_id: int) -> bool:
    """The uploader drops a file before sending it; False if it was not theirs to drop."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return repo.delete_pending(session, media_id, user_id)

