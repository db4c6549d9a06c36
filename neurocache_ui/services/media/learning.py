"""Video and audio as an agent's knowledge. What it can learn from a file is what is
said in it (the timestamped transcript) and what is seen (a few frames, each described
in a sentence by the default model when a provider is set), on one timeline:
"[01:23] Said: …" and "[01:23] Seen: …" lines, which the passages keep, so an answer
citing one can name the moment. Blocking (the knowledge thread runs it): the async
steps run on an event loop of their own."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.media import TIMESTAMP, clock, seconds_of
from neurocache_ui.infra import llm, media
from neurocache_ui.infra.llm.client import client_for
from neurocache_ui.services.media import listening
from neurocache_ui.services.usage import recorder
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

DESCRIBED_FRAMES = 12
"""Frames of one video described for knowledge (one model call with all of them)."""
DESCRIBE = (
    "Describe what each frame of this video shows, in one short sentence each. Answer with one line per "
    "frame, starting with the frame's time as [mm:ss]."
)
NOTHING = (
    "{name} gave nothing to learn from: {why} An agent learns from video and audio through their transcript "
    "(NEUROCACHE_TRANSCRIPTION_MODEL) and descriptions of their frames (a model provider)."
)


def knowledge_text(filename: str, data: bytes, owner_id: int | None = None) -> str:
    """The file's text for passages; Invalid (with the reason) for a file the decoder
    refuses or one with nothing said and nothing described. The description call's
    tokens count as `owner_id`'s usage."""
    return asyncio.run(_knowledge_text(filename, data, owner_id))


async def _knowledge_text(filename: str, data: bytes, owner_id: int | None) -> str:
    settings = get_settings()
    async with listening.spooled(data, os.path.splitext(filename)[1].lower()) as (path, probe):
        said: list[tuple[int, int, str]] = []
        if probe.has_audio and listening.can_transcribe():
            said, latency = await listening.hear(path, probe)
            await _used(owner_id, settings.transcription_model or "", latency)
        seen: list[tuple[int, str]] = []
        if probe.kind == "video" and llm.provider_configured(settings):
            frames = await media.frames(path, probe, budget=DESCRIBED_FRAMES)
            seen = await _described(frames.frames, owner_id)
    lines = sorted([(start, f"[{clock(start)}] Said: {text}") for start, _end, text in said]
                   + [(at_ms, f"[{clock(at_ms)}] Seen: {text}") for at_ms, text in seen])
    if not lines:
        why = "nothing is said in it." if probe.has_audio and listening.can_transcribe() else "this hub cannot transcribe it."
        raise Invalid(NOTHING.format(name=filename, why=why), "file")
    what = "Video" if probe.kind == "video" else "Audio"
    return f"{what}: {filename}, {clock(probe.duration_ms)} long.\n" + "\n".join(line for _at, line in lines)


async def _described(frames: list[media.Frame], owner_id: int | None) -> list[tuple[int, str]]:
    """(moment, sentence) per frame from one call to the default model; [] if it fails
    (the transcript alone is still learnt, and the log says why)."""
    if not frames:
        return []
    settings = get_settings()
    content: list[dict[str, object]] = [{"type": "text", "text": DESCRIBE}]
    for frame in frames:
        url = f"data:image/jpeg;base64,{base64.b64encode(frame.jpeg).decode()}"
        content += [{"type": "text", "text": f"Frame at [{clock(frame.at_ms)}]:"}, {"type": "image_url", "image_url": {"url": url}}]
    started = time.monotonic()
    try:
        response = await client_for(settings).chat.completions.create(
            model=settings.default_model, messages=[{"role": "user", "content": content}],  # type: ignore[list-item]
            max_tokens=60 * len(frames),
        )
    except Exception as error:
        log.warning("describing %d frames for knowledge failed: %s", len(frames), llm.scrub(str(error), settings))
        return []
    usage = response.usage
    await _used(owner_id, settings.default_model, int((time.monotonic() - started) * 1000),
                usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0)
    found = []
    for line in (response.choices[0].message.content or "").splitlines() if response.choices else []:
        if (moment := TIMESTAMP.search(line)) is not None and (text := line[moment.end():].strip(" :-–\t")):
            found.append((seconds_of(moment) * 1000, text))
    return found


async def _used(owner_id: int | None, model: str, latency_ms: int, prompt: int = 0, completion: int = 0) -> None:
    """A call made to learn the file, as its owner's usage."""
    if owner_id is not None:
        await asyncio.to_thread(recorder.record, recorder.UsageRecord(
            owner_id, "hub", model=model, latency_ms=latency_ms, prompt_tokens=prompt, completion_tokens=completion,
        ))
