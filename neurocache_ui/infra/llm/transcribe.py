"""Speech to text through the provider's `/v1/audio/transcriptions` (the `openai`
client, NEUROCACHE_TRANSCRIPTION_MODEL): one piece of audio (a WAV the media decoder
cut, under the provider's 25 MB limit) at a time, its segments moved by the piece's
offset so a long recording reads as one timeline. Transient failures are retried like
chat calls; a failure for good is Unavailable with a sentence people can read."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.infra.llm.client import client_for
from neurocache_ui.infra.llm.errors import describe_error, is_transient, retry_delay
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

Segment = tuple[int, int, str]
"""(start_ms, end_ms, text) of what was said."""


@dataclass(frozen=True)
class Transcribed:
    segments: list[Segment]
    latency_ms: int


def _segments(response: Any, offset_ms: int, length_ms: int) -> list[Segment]:
    """The response's segments on the whole file's timeline; a provider that sends only
    text (no segments) gives one segment spanning the piece."""
    found: list[Segment] = []
    for segment in getattr(response, "segments", None) or []:
        get = segment.get if isinstance(segment, dict) else lambda name, s=segment: getattr(s, name, None)
        text = str(get("text") or "").strip()
        if text:
            start = offset_ms + int(float(get("start") or 0) * 1000)
            end = offset_ms + int(float(get("end") or 0) * 1000)
            found.append((start, max(start, end), text))
    text = str(getattr(response, "text", "") or "").strip()
    if not found and text:
        found.append((offset_ms, offset_ms + length_ms, text))
    return found


async def transcribe(
    wav: bytes, *, offset_ms: int, length_ms: int, model: str | None = None, settings: Settings | None = None
) -> Transcribed:
    """The segments said in `wav`, which starts `offset_ms` into the media."""
    settings = settings or get_settings()
    model = model or settings.transcription_model
    client = client_for(settings)
    started = time.monotonic()
    retries = 0
    while True:
        try:
            response = await client.audio.transcriptions.create(
                model=model,
                file=("piece.wav", wav, "audio/wav"),
                response_format="verbose_json",
                timestamp_granularities=["segment"],
            )
            latency = int((time.monotonic() - started) * 1000)
            return Transcribed(_segments(response, offset_ms, length_ms), latency)
        except Exception as error:
            if retries < settings.llm_max_retries and is_transient(error):
                delay = retry_delay(error, retries)
                retries += 1
                log.info("transcription failed (%s), retry %d in %.1fs", type(error).__name__, retries, delay)
                await asyncio.sleep(delay)
                continue
            _, message = describe_error(error, model=model, settings=settings)
            log.warning("transcription with %s failed: %s", model, message)
            raise Unavailable(message) from None


__all__ = ["Segment", "Transcribed", "transcribe"]
