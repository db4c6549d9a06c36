"""Processing one sent media file (claimed by services/media/worker.py): its chunks
are written to a temporary file, a video's frames and poster are chosen by the
decoder (infra/media.py, confined child processes), then what is said is transcribed
piece by piece (infra/llm/transcribe.py). Progress runs 0-100 (frames first, then
the transcript) on the media row and the message's ref, and every viewer gets it
("Processing video 42%") at most every PUBLISH_STEP points or PUBLISH_SECONDS.

The end is "ready" (with a note when there is no transcript: no model set up, no
sound, or the provider failed — the file still plays) or "failed" with the reason
(the decoder refused it). Each progress write refreshes the claim's lease, so a
worker that dies leaves the file to be claimed again (worker.MAX_ATTEMPTS).

A file of any other kind (`kind` "file") is not decoded: its text is read by the
knowledge parsers (services/media/documents.py) and kept in `transcript_text`; it ends
"ready" whether or not it had text (the note says why not)."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from datetime import timedelta
from typing import Any

from neurocache_ui.domain.errors import Invalid, NeurocacheError, Unavailable
from neurocache_ui.infra import media
from neurocache_ui.infra.llm import transcribe
from neurocache_ui.services import messaging
from neurocache_ui.domain.media import FILE_KIND
from neurocache_ui.services.media import documents, listening
from neurocache_ui.services.usage import recorder
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.media_models import CHUNK_BYTES
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import media as repo
from neurocache_ui.store.repositories import messages as messages_repo

log = logging.getLogger(__name__)

LEASE_SECONDS = 300.0
"""A claim lasts this long past its last progress write (a decoder span or transcript piece is far shorter)."""
PUBLISH_STEP = 5
PUBLISH_SECONDS = 1.0
NO_MODEL = "No transcript: no speech-to-text model is set up."
NO_SOUND = "No transcript: it has no sound."
INTERNAL = "This file could not be processed because of an internal error."


def lease_until() -> Any:
    return utcnow() + timedelta(seconds=LEASE_SECONDS)


def _write(media_id: int, **values: Any) -> None:
    """Set the media row's fields, copy its ref onto its message, and publish the message
    to its viewers (after the commit). A Try it chat's file has no message: its page
    reads the row (services/media/context.settled_files)."""
    with session_scope() as session:
        message_id = repo.update(session, media_id, **values)
        if message_id is None:
            return
        repo.show_on_message(session, message_id)
        view = messages_repo.view(session, message_id)
    if view is not None:
        messaging.published_update(view)


class Progress:
    """An async `on_progress(percent)` that writes and publishes at most every
    PUBLISH_STEP points or PUBLISH_SECONDS (each write also renews the lease)."""

    def __init__(self, media_id: int) -> None:
        self.media_id = media_id
        self.shown = 0
        self.at = time.monotonic()

    async def __call__(self, percent: float) -> None:
        value = max(0, min(99, int(percent)))
        if value <= self.shown:
            return
        if value - self.shown < PUBLISH_STEP and time.monotonic() - self.at < PUBLISH_SECONDS:
            return
        self.shown, self.at = value, time.monotonic()
        await asyncio.to_thread(_write, self.media_id, progress=value, lease_until=lease_until())


def _job(media_id: int) -> Any:
    with session_scope() as session:
        return repo.job(session, media_id)


def _write_file(media_id: int, size: int, path: str) -> None:
    """The stored chunks, one at a time, into `path`."""
    with open(path, "wb") as target:
        for seq in range((size + CHUNK_BYTES - 1) // CHUNK_BYTES):
            with session_scope() as session:
                target.writelines(repo.chunks(session, media_id, seq, seq))


def _put_frames(media_id: int, found: media.Frames) -> None:
    with session_scope() as session:
        repo.put_frames(session, media_id, [(frame.at_ms, frame.jpeg) for frame in found.frames], found.poster)


def _record(media_id: int, latency_ms: int, outcome: str) -> None:
    """Usage of the transcription, charged to the uploader in the channel (or the Try it chat's agent)."""
    with session_scope() as session:
        owner = repo.owner(session, media_id)
    if owner is not None and owner[0] is not None:
        recorder.record(recorder.UsageRecord(
            owner[0], "hub", model=get_settings().transcription_model, latency_ms=latency_ms,
            outcome=outcome,  # type: ignore[arg-type]
            channel_id=owner[1], agent_id=owner[2],
        ))


async def _transcript(
    media_id: int, path: str, probe: media.Probe, progress: Progress, base: float
) -> tuple[list[transcribe.Segment], str]:
    """(segments, note) of what is said, piece by piece, moving progress from `base` to 100."""
    if not listening.can_transcribe():
        return [], NO_MODEL
    if not probe.has_audio:
        return [], NO_SOUND

    async def on_piece(done: int, pieces: int) -> None:
        await progress(base + (100 - base) * done / pieces)

    try:
        segments, latency = await listening.hear(path, probe, on_piece)
    except Unavailable as error:
        await asyncio.to_thread(_record, media_id, 0, "error")
        return [], f"No transcript: {error}"
    await asyncio.to_thread(_record, media_id, latency, "ok")
    return segments, ""


async def process(media_id: int) -> str:
    """Frames, poster and transcript of one claimed file; its final status ("ready",
    "failed"), or "" when it was deleted meanwhile. A database outage propagates (the
    lease then expires and the file is tried again)."""
    found = await asyncio.to_thread(_job, media_id)
    if found is None:
        return ""
    filename, size, kind = found
    settings = get_settings()
    progress = Progress(media_id)
    try:
        with tempfile.TemporaryDirectory(prefix="neurocache-media-") as folder:
            path = os.path.join(folder, "media" + os.path.splitext(filename)[1].lower())
            await asyncio.to_thread(_write_file, media_id, size, path)
            if kind == FILE_KIND:
                text, note = await asyncio.to_thread(documents.text_of, path, filename)
                await asyncio.to_thread(
                    _write, media_id, status="ready", progress=100, note=note, lease_until=None, transcript_text=text
                )
                return "ready"
            probe = await media.probe(path, max_duration_ms=settings.media_max_minutes * 60_000)
            base = 0.0
            if probe.kind == "video":
                base = 60.0 if listening.can_transcribe() and probe.has_audio else 99.0

                async def on_frames(done: float) -> None:
                    await progress(base * done)

                frames = await media.frames(path, probe, budget=settings.media_frames, on_progress=on_frames)
                await asyncio.to_thread(_put_frames, media_id, frames)
            segments, note = await _transcript(media_id, path, probe, progress, base)
    except Invalid as error:
        log.info("media %s (%s) refused: %s", media_id, filename, error)
        await asyncio.to_thread(_write, media_id, status="failed", note=str(error)[:500], lease_until=None)
        return "failed"
    except NeurocacheError:
        raise
    except Exception:
        log.exception("media %s (%s) could not be processed", media_id, filename)
        await asyncio.to_thread(_write, media_id, status="failed", note=INTERNAL, lease_until=None)
        return "failed"
    await asyncio.to_thread(
        _write, media_id, status="ready", progress=100, note=note, lease_until=None,
        transcript=[list(segment) for segment in segments], transcript_text=" ".join(text for _, _, text in segments),
    )
    return "ready"


__all__ = ["NO_MODEL", "NO_SOUND", "Progress", "process"]
