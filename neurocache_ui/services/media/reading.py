"""Reading stored media: the bytes of a byte range for a member of the channel (or
the owner, for a file of their Try it chat with an agent; only
the 1 MB chunks the range covers, one at a time off the event loop), the poster, the
transcript; and, for agents (trusted callers, no viewer), the frames and transcript
of a media file (`frames_of`, `transcript_of`). A file's plain-text preview (`preview`):
a text file's first lines from its first chunk, a PDF's text as read when it was sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlmodel import Session

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.media import FILE_KIND, PREVIEW_LINES, is_text_file, previewable
from neurocache_ui.services import agents, channels
from neurocache_ui.services.media.sending import UNAVAILABLE
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.media_models import CHUNK_BYTES
from neurocache_ui.store.repositories import media as repo

NOT_FOUND = "Video or audio not found."
NO_TRANSCRIPT_YET = "The transcript is not ready yet."
NO_PREVIEW = "This file has no preview. Download it to open it."
NO_TEXT_YET = "(Its text is still being read. Try again in a moment.)"

Segment = tuple[int, int, str]
"""(start_ms, end_ms, text) of what was said."""


@dataclass(frozen=True)
class MediaFile:
    id: int
    size: int
    content_type: str
    filename: str
    kind: str = ""

    @property
    def is_file(self) -> bool:
        """Any file (not video or audio): downloaded, never shown inline."""
        return self.kind == FILE_KIND


@dataclass(frozen=True)
class Transcript:
    segments: list[Segment]
    note: str
    """Why there is no (or no complete) transcript; "" when all went well."""

    @property
    def text(self) -> str:
        return " ".join(text for _, _, text in self.segments)


def _visible(session: Session, media_id: int, viewer_id: int) -> MediaFile:
    """The file if the viewer is a member of its channel (an unsent one: its uploader
    only; one of a Try it chat: its uploader while they own the agent) and all its bytes
    arrived; NotFound, the same for all, otherwise."""
    found = repo.meta(session, media_id)
    if found is None or not found.complete or (found.message_id is None and found.user_id != viewer_id):
        raise NotFound(NOT_FOUND)
    try:
        if found.agent_id is not None:
            agents.get_agent(viewer_id, found.agent_id)
        else:
            channels.ensure_member(found.channel_id, viewer_id, session=session)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    return MediaFile(media_id, int(found.size), found.content_type, found.filename, found.kind)


def open_file(media_id: int, viewer_id: int) -> MediaFile:
    """What a member needs to serve the file (its size and type); NotFound for anyone else."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return _visible(session, media_id, viewer_id)


def _chunk(media_id: int, seq: int) -> bytes:
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = repo.chunks(session, media_id, seq, seq)
    return found[0] if found else b""


async def read_range(media_id: int, start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes `start`..`end` (inclusive) of a file `open_file` let through, chunk by chunk."""
    for seq in range(start // CHUNK_BYTES, end // CHUNK_BYTES + 1):
        data = await asyncio.to_thread(_chunk, media_id, seq)
        if not data:
            return  # deleted meanwhile: the response ends short
        base = seq * CHUNK_BYTES
        yield data[max(0, start - base) : end - base + 1]


def _first_lines(text: str, *, partial: bool = False, limit: int = PREVIEW_LINES) -> str:
    """The first `limit` lines, saying when there are more; `partial`: the text is a cut
    piece of the file (its first chunk), whose last line may be cut too."""
    lines = text.splitlines()
    if len(lines) > limit or partial:
        shown = lines[:limit] if len(lines) > limit else lines[:-1]
        return "\n".join(shown) + f"\n\n(The first {len(shown)} lines; download the file for the rest.)"
    return "\n".join(lines)


def preview(media_id: int, viewer_id: int) -> tuple[str, str]:
    """(filename, plain text) of a PDF's or text file's preview for a member: a text
    file's first PREVIEW_LINES lines (from its first chunk only), a PDF's text as read
    when it was sent (its first PREVIEW_LINES lines). NotFound for anyone else, and for
    other files."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = _visible(session, media_id, viewer_id)
        if not found.is_file or not previewable(found.filename):
            raise NotFound(NO_PREVIEW)
        if is_text_file(found.filename):
            first = b"".join(repo.chunks(session, media_id, 0, 0))
            text = first.decode("utf-8-sig", errors="replace")
            return found.filename, _first_lines(text, partial=found.size > len(first))
        text, (_, note, status) = repo.text_of(session, media_id), repo.transcript(session, media_id)
    if not text:
        return found.filename, note or (NO_PREVIEW if status == "ready" else NO_TEXT_YET)
    return found.filename, _first_lines(text)


def poster(media_id: int, viewer_id: int) -> bytes:
    """The video's poster (JPEG) for a member; NotFound before it is made, or for audio."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        _visible(session, media_id, viewer_id)
        found = repo.poster(session, media_id)
    if not found:
        raise NotFound("This file has no poster image.")
    return found


def _transcript(session: Session, media_id: int) -> Transcript:
    found = repo.transcript(session, media_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    rows, note, status = found
    segments = [(int(start), int(end), str(text)) for start, end, text in rows or []]
    if status not in ("ready", "failed") and not note:
        note = NO_TRANSCRIPT_YET
    return Transcript(segments, note)


def transcript(media_id: int, viewer_id: int) -> Transcript:
    """The timestamped transcript for a member (empty, with a note saying why, when there is none)."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        _visible(session, media_id, viewer_id)
        return _transcript(session, media_id)


def frames_of(media_id: int) -> list[tuple[int, bytes]]:
    """For agents: the video's chosen frames as (at_ms, JPEG), in time order ([] for audio
    or before processing made them). No viewer check: the caller decided who may see."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return repo.frames(session, media_id)


def text_of(media_id: int) -> str:
    """For agents: an attached file's text as read when it was sent ("" when none). No
    viewer check: the caller decided who may see."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return repo.text_of(session, media_id)


def transcript_of(media_id: int) -> tuple[list[Segment], str]:
    """For agents: (segments, note) — what was said with its moments, and why there is no
    transcript when there is none ("No transcript: no speech-to-text model is set up.")."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = _transcript(session, media_id)
    return found.segments, found.note
