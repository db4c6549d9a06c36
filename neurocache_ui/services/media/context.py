"""What an agent reads of the video and audio in its conversation (domain/media_prompts.py):
the newest ready video's frames as labelled images, every file's timestamped
transcript, an attached document's text (services/media/documents.py); and, before answering a message whose media is still being processed,
waiting for it (a voice message is answered once its transcript exists). A channel's
messages and the turns of an owner's Try it chat (files by id, `files`) are read alike."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

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
K = TypeVar("K", bound=Hashable)


def _watched(refs: Sequence[MediaRef], framed: int) -> dict[int, media_prompts.Watched]:
    """media id -> what its agent sees; frames only for media id `framed`."""
    budget = get_settings().media_frames
    found: dict[int, media_prompts.Watched] = {}
    for ref in refs:
        if ref.is_file:
            text = reading.text_of(ref.id) if ref.status == "ready" else ""
            found[ref.id] = media_prompts.Watched(ref, note=ref.note, text=text)
            continue
        segments, note = reading.transcript_of(ref.id) if ref.status == "ready" else ([], ref.note)
        frames = reading.frames_of(ref.id)[:budget] if ref.id == framed else []
        urls = [(at_ms, f"data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}") for at_ms, jpeg in frames]
        found[ref.id] = media_prompts.Watched(ref, urls, segments, note)
    return found


async def parts_of(groups: Mapping[K, Sequence[MediaRef]]) -> dict[K, tuple[dict[str, Any], ...]]:
    """key -> the content parts of its media, for groups (a message's or a turn's files)
    given oldest first. Frames go with the newest ready video only: each video's frames
    cost as much as a dozen images, and the newest is what is asked about."""
    refs = [ref for group in groups.values() for ref in group]
    if not refs:
        return {}
    videos = [ref.id for ref in refs if ref.kind == "video" and ref.status == "ready"]
    watched = await asyncio.to_thread(_watched, refs, videos[-1] if videos else 0)
    return {key: tuple(part for ref in group for part in media_prompts.parts(watched[ref.id]))
            for key, group in groups.items() if group}


async def model_parts(messages: Sequence[MessageView]) -> dict[int, tuple[dict[str, Any], ...]]:
    """message id -> the content parts of its media (parts_of), for the messages given."""
    return await parts_of({message.id: message.media for message in messages if message.media})


Current = Callable[[], tuple[list[MediaRef], str]]


def _current(message_id: int) -> tuple[list[MediaRef], str]:
    with database_guard(reading.UNAVAILABLE), session_scope() as session:
        refs = repo.refs(session, message_id)
        return refs, repo.spoken(session, [ref.id for ref in refs])


def files(media_ids: Sequence[int], *, user_id: int, agent_id: int) -> tuple[list[MediaRef], str]:
    """The files of an owner's Try it chat with the agent among `media_ids` (others are
    left out), as they are now, and the words said in them."""
    with database_guard(reading.UNAVAILABLE), session_scope() as session:
        refs = repo.refs_of(session, media_ids, user_id=user_id, agent_id=agent_id)
        return refs, repo.spoken(session, [ref.id for ref in refs])


async def _wait(
    current: Current, timeout: float, on_change: Callable[[list[MediaRef]], Awaitable[Any]] | None = None
) -> tuple[list[MediaRef], str]:
    """`current()` once none of its files is still processing or the wait is over;
    `on_change` hears every new state of the files meanwhile (progress, the end)."""
    deadline, shown = time.monotonic() + timeout, None
    while True:
        refs, words = await asyncio.to_thread(current)
        if on_change is not None and refs != shown:
            shown = refs
            await on_change(refs)
        if not refs or not any(ref.status == "processing" for ref in refs) or time.monotonic() >= deadline:
            return refs, words
        await asyncio.sleep(POLL_SECONDS)


async def settled(view: MessageView, timeout: float = WAIT_SECONDS) -> tuple[MessageView, str]:
    """The message once none of its media is still processing (or the wait is over),
    with its refs as they are then, and the words said in its media (what a voice
    message asks, for searching the agent's knowledge). A deleted message comes back as it was."""
    refs, words = await _wait(lambda: _current(view.id), timeout)
    if not refs:  # the message (and its media) deleted meanwhile
        return view, ""
    return replace(view, media=tuple(refs)), words


async def settled_files(
    media_ids: Sequence[int],
    *,
    user_id: int,
    agent_id: int,
    on_change: Callable[[list[MediaRef]], Awaitable[Any]] | None = None,
    timeout: float = WAIT_SECONDS,
) -> tuple[list[MediaRef], str]:
    """A Try it turn's files once processed (or the wait is over) and the words said in
    them; `on_change` hears their progress, since no message carries it to the page."""
    return await _wait(lambda: files(media_ids, user_id=user_id, agent_id=agent_id), timeout, on_change)
