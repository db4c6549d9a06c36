"""Hearing audio: a file cut into pieces by the media decoder (infra/media.py) and
each piece transcribed by the provider (infra/llm/transcribe.py), on one timeline.
Used by the media processor for sent files, and for OpenAI `input_audio` parts of
chat completions, which reach the model as a timestamped transcript (a text part):
the models behind the hub need not hear for the API to accept audio."""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.media import clock
from neurocache_ui.domain.media_prompts import transcript_text
from neurocache_ui.infra import llm, media
from neurocache_ui.infra.llm import transcribe
from neurocache_ui.settings import get_settings

AUDIO_FORMATS = {"wav": ".wav", "mp3": ".mp3"}
"""What OpenAI's `input_audio` part allows as its `format`."""
MAX_AUDIO_PARTS = 4
NO_MODEL = "This hub has no speech-to-text model set up (NEUROCACHE_TRANSCRIPTION_MODEL), so it cannot take audio."


def can_transcribe() -> bool:
    settings = get_settings()
    return bool(settings.transcription_model) and llm.provider_configured(settings)


async def hear(
    path: str, probe: media.Probe, on_piece: Callable[[int, int], Awaitable[None]] | None = None
) -> tuple[list[transcribe.Segment], int]:
    """(segments, total latency in ms) of what is said in the file at `path`, piece by
    piece; `on_piece(done, pieces)` after each. Unavailable when the provider fails."""
    settings = get_settings()
    starts = list(range(0, max(1, probe.duration_ms), media.AUDIO_PIECE_MS))
    segments: list[transcribe.Segment] = []
    latency = 0
    for done, start in enumerate(starts, 1):
        length = min(media.AUDIO_PIECE_MS, max(1, probe.duration_ms - start))
        wav = await media.audio_piece(path, start, length)
        if wav:
            said = await transcribe.transcribe(wav, offset_ms=start, length_ms=length, settings=settings)
            segments += said.segments
            latency += said.latency_ms
        if on_piece is not None:
            await on_piece(done, len(starts))
    return segments, latency


def _audio_parts(conversation: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(where, part) for every `input_audio` part of the user turns, `where` as a 422 names it."""
    return [
        (f"messages[{number}].content[{index}].input_audio", part)
        for number, message in enumerate(conversation)
        if message.get("role") == "user" and isinstance(message.get("content"), list)
        for index, part in enumerate(message["content"])
        if isinstance(part, dict) and part.get("type") == "input_audio"
    ]


def _decoded(part: Mapping[str, Any], where: str) -> tuple[bytes, str]:
    value = part.get("input_audio")
    fmt = str(value.get("format", "")).lower() if isinstance(value, Mapping) else ""
    if fmt not in AUDIO_FORMATS:
        raise Invalid(f"{where}.format must be one of: {', '.join(AUDIO_FORMATS)}.", "messages")
    try:
        data = base64.b64decode(str(value.get("data", "")), validate=True)  # type: ignore[union-attr]
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        raise Invalid(f"{where}.data must be the audio as base64.", "messages")
    return data, AUDIO_FORMATS[fmt]


@asynccontextmanager
async def spooled(data: bytes, suffix: str) -> AsyncIterator[tuple[str, media.Probe]]:
    """`data` (a file that came whole: an API part, a knowledge document) in a temporary
    file, probed by the decoder; Invalid with its reason when it refuses the file."""
    with tempfile.TemporaryDirectory(prefix="neurocache-media-") as folder:
        path = os.path.join(folder, "media" + suffix)
        await asyncio.to_thread(Path(path).write_bytes, data)
        yield path, await media.probe(path, max_duration_ms=get_settings().media_max_minutes * 60_000)


async def _transcript_of(data: bytes, suffix: str, where: str) -> str:
    try:
        async with spooled(data, suffix) as (path, probe):
            segments, _latency = await hear(path, probe)
    except Invalid as error:
        raise Invalid(f"{where}: {error}", "messages") from None
    said = transcript_text(segments) if segments else "(nothing was said)"
    return f"[Audio, {clock(probe.duration_ms)} long. Transcript:]\n{said}"


async def inline_audio(conversation: Sequence[Mapping[str, Any]]) -> None:
    """Every `input_audio` part of the user turns becomes a text part holding its
    timestamped transcript, in place; Invalid (422) for a malformed part, too many,
    audio the decoder refuses or a hub without a speech-to-text model; Unavailable
    (503) when the provider fails."""
    parts = _audio_parts(conversation)
    if not parts:
        return
    if len(parts) > MAX_AUDIO_PARTS:
        raise Invalid(f"A request may carry at most {MAX_AUDIO_PARTS} audio parts.", "messages")
    if not can_transcribe():
        raise Invalid(NO_MODEL, "messages")
    for where, part in parts:
        data, suffix = _decoded(part, where)
        text = await _transcript_of(data, suffix, where)
        part.clear()
        part.update({"type": "text", "text": text})
