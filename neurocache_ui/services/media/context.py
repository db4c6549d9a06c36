"""What an agent reads of the video and audio in its conversation (domain/media_prompts.py):
the newest ready video's frames as labelled images, every file's timestamped
transcript; and, before answering a message whose media is still being processed,
waiting for it (a voice message is answered once its transcript exists)."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from neurocache_ui.domain import media_prompts
from neurocache_ui.domain.media import MediaRef
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services.media import reading
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import media as repo

WAIT_SECONDS = 180.0
"""The longest a reply waits for the media of the message it answers to be processed."""
POLL_SECONDS = 0.5
WATCHING = "Watching and listening to the media…"


def _watched(refs: Sequence[MediaRef], framed: int) -> dict[int, media_prompts.Watched]:
    """media id -> what its agent sees; frames only for media id `framed`."""
    budget = get_settings().media_frames
    found: dict[int, media_prompts.Watched] = {}
    for ref in refs:
        segments, note = reading.transcript_of(ref.id) if ref.status == "ready" else ([], ref.note)
        frames = reading.frames_of(ref.id)[:budget] if ref.id == framed else []
        urls = [(at_ms, f"data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}") for at_ms, jpeg in frames]
        found[ref.id] = media_prompts.Watched(ref, urls, segments, note)
    return found


async def model_parts(messages: Sequence[MessageView]) -> dict[int, tuple[dict[str, Any], ...]]:
    """message id -> the content parts of its media, for the messages given (those with
    media among a reply's context). Frames go with the newest ready video only: each
    video's frames cost as much as a dozen images, and the newest is what is asked about."""
    refs = [ref for message in messages for ref in message.media]
    if not refs:
        return {}
    videos = [ref.id for ref in refs if ref.kind == "video" and ref.status == "ready"]
    watched = await asyncio.to_thread(_watched, refs, videos[-1] if videos else 0)
    return {
        message.id: tuple(part for ref in message.media for part in media_prompts.parts(watched[ref.id]))
        for message in messages
        if message.media
    }


def _current(message_id: int) -> tuple[list[MediaRef], str]:
    with database_guard(reading.UNAVAILABLE), session_scope() as session:
        refs = repo.refs(session, message_id)
        return refs, repo.spoken(session, [ref.id for ref in refs])


async def settled(view: MessageView, timeout: float = WAIT_SECONDS) -> tuple[MessageView, str]:
    """The message once none of its media is still processing (or the wait is over),
    with its refs as they are then, and the words said in its media (what a voice
    message asks, for searching the agent's knowledge). A deleted message comes back as it was."""
    deadline = time.monotonic() + timeout
    while True:
        refs, words = await asyncio.to_thread(_current, view.id)
        if not refs:  # the message (and its media) deleted meanwhile
            return view, ""
        if not any(ref.status == "processing" for ref in refs) or time.monotonic() >= deadline:
            return replace(view, media=tuple(refs)), words
        await asyncio.sleep(POLL_SECONDS)
