"""Video and audio for the media pipeline, decoded in the confined parse processes
(infra/media_decode.py) while the server only waits: what a file is (`probe`), the
frames an agent sees and the poster (`frames`), and its sound as pieces a transcription
provider takes (`audio_piece`). The media is read from a path (a temporary file the
pipeline wrote), never sent through the pipe.

A video's frames are read span by span, one task each, so every task stays short (its
own CPU and time limit), progress moves, and one process is never held for minutes;
the frames kept are chosen by domain/frame_choice.py. Every task may add at most
MEMORY_BYTES to its process. Whatever goes wrong becomes `Invalid` with a message for
the person who uploaded the file."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from neurocache_ui.domain import frame_choice
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra import parse_pool

AUDIO_PIECE_MS = 10 * 60_000
"""The longest piece `audio_piece` gives: 10 minutes of 16 kHz mono WAV is 19 MB, under
a transcription provider's 25 MB."""
SPAN_MS = 60_000
"""Media time one frames task reads."""
FLOOR_PER_MINUTE, CEILING_PER_MINUTE = 2, 8
MEMORY_BYTES = 512 * 1024 * 1024
DECODE_PIXELS = 1500 * 1280 * 720
"""Pixels one frames task may decode (1,500 frames of 720p, 41 of 8K): the cap on its work."""
PROBE_LIMITS = parse_pool.Limits(timeout_seconds=30.0, cpu_seconds=15.0, memory_bytes=MEMORY_BYTES)
SPAN_LIMITS = parse_pool.Limits(timeout_seconds=60.0, cpu_seconds=30.0, memory_bytes=MEMORY_BYTES)
AUDIO_LIMITS = parse_pool.Limits(timeout_seconds=60.0, cpu_seconds=30.0, memory_bytes=MEMORY_BYTES)


@dataclass(frozen=True)
class Probe:
    kind: str
    """"video" (a picture that decodes) or "audio"."""
    duration_ms: int
    width: int
    height: int
    has_audio: bool


@dataclass(frozen=True)
class Frame:
    at_ms: int
    jpeg: bytes
    """At most 768 pixels on its long side."""


@dataclass(frozen=True)
class Frames:
    poster: bytes
    frames: list[Frame]
    """In time order, at most the budget."""


def _invalid(failed: parse_pool.ParseFailed, what: str) -> Invalid:
    if failed.reason == "invalid":
        return Invalid(failed.detail, "file")
    if failed.reason == "busy":
        return Invalid(f"This {what} could not be processed right now: too many files are being read. Try again in a moment.", "file")
    if failed.reason == "too_costly":
        return Invalid(f"This {what} took too long or too much memory to read, so it was refused.", "file")
    return Invalid(f"This {what} could not be read: the file is damaged.", "file")


async def probe(path: str, *, max_duration_ms: int) -> Probe:
    """What the file at `path` is; Invalid if it is no media the hub takes (no decodable
    picture or sound, damaged, larger than 8K, longer than `max_duration_ms`)."""
    try:
        header, _parts = await parse_pool.run("media_probe", {"path": path, "max_duration_ms": max_duration_ms}, [], PROBE_LIMITS)
    except parse_pool.ParseFailed as failed:
        raise _invalid(failed, "file") from None
    return Probe(str(header["kind"]), int(header["duration_ms"]), int(header["width"]), int(header["height"]), bool(header["has_audio"]))


async def frames(
    path: str, probe: Probe, *, budget: int, on_progress: Callable[[float], Awaitable[None]] | None = None
) -> Frames:
    """The frames worth an agent's tokens (at most `budget`, domain/frame_choice.py) and
    the poster, read span by span; `on_progress(fraction done)` after each span."""
    duration = max(1, probe.duration_ms)
    every_ms = min(15_000, max(250, duration // max(1, 2 * budget)))
    max_decoded = min(3000, max(30, DECODE_PIXELS // max(1, probe.width * probe.height)))
    spans = max(1, math.ceil(duration / SPAN_MS))
    candidates: list[frame_choice.Candidate] = []
    jpegs: list[bytes] = []
    last_thumb = b""
    for number in range(spans):
        header = {
            "path": path, "start_ms": number * SPAN_MS, "end_ms": duration if number == spans - 1 else (number + 1) * SPAN_MS,
            "every_ms": every_ms, "max_decoded": max_decoded,
        }  # fmt: skip
        try:
            answer, parts = await parse_pool.run("media_frames", header, [last_thumb], SPAN_LIMITS)
        except parse_pool.ParseFailed as failed:
            raise _invalid(failed, "video") from None
        found = [frame_choice.Candidate(int(c["at_ms"]), float(c["score"]), float(c["content"])) for c in answer["candidates"]]
        last_thumb = parts[len(found)] if len(parts) > len(found) else last_thumb
        keep = frame_choice.shortlist(
            found, start_ms=header["start_ms"], end_ms=header["end_ms"], floor=FLOOR_PER_MINUTE, ceiling=CEILING_PER_MINUTE
        )
        candidates += [found[index] for index in keep]
        jpegs += [parts[index] for index in keep]
        if on_progress is not None:
            await on_progress((number + 1) / spans)
    if not candidates:
        raise Invalid("This video could not be read: none of its pictures could be decoded.", "file")
    chosen = frame_choice.choose(candidates, duration_ms=duration, budget=budget, floor=FLOOR_PER_MINUTE, ceiling=CEILING_PER_MINUTE)
    poster = frame_choice.poster(candidates, chosen)
    return Frames(poster=jpegs[poster], frames=[Frame(candidates[index].at_ms, jpegs[index]) for index in chosen])


async def audio_piece(path: str, start_ms: int, length_ms: int) -> bytes:
    """The sound from `start_ms` for `length_ms` (at most AUDIO_PIECE_MS) as 16 kHz mono
    16-bit WAV; b"" when the file has no sound there."""
    if length_ms > AUDIO_PIECE_MS:
        raise ValueError(f"an audio piece is at most {AUDIO_PIECE_MS} ms")
    try:
        _header, (wav,) = await parse_pool.run(
            "media_audio", {"path": path, "start_ms": start_ms, "length_ms": length_ms}, [], AUDIO_LIMITS
        )
    except parse_pool.ParseFailed as failed:
        raise _invalid(failed, "recording") from None
    return wav


__all__ = ["AUDIO_PIECE_MS", "Frame", "Frames", "Probe", "audio_piece", "frames", "probe"]
