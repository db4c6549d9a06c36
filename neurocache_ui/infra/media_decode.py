"""Video and audio decoded with PyAV (FFmpeg's libraries) in the confined parse processes
(infra/parse_pool.py, tasks "media_probe", "media_frames", "media_audio"): FFmpeg's
decoders are large C code fed untrusted bytes, so they run where an rlimit, a deadline
and a kill bound what a hostile file can cost. Tasks get a file path (the server wrote
the upload to a temporary file: 200 MB never go through the pipe).

Cheap on purpose: the probe trusts a header only for what it can check (dimensions
are refused before a pixel is decoded; a missing duration is counted from the packets,
up to the limit); frames come from keyframes first (encoders put them at scene cuts,
and only they are decoded), and only where keyframes are rarer than wanted does a
task seek and decode forward; a task decodes at most `max_decoded` frames."""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import av
from PIL import Image, ImageChops, ImageStat

from neurocache_ui.infra.parse_pool import Answer, ParseFailed

MAX_WIDTH, MAX_HEIGHT = 7680, 4320
MAX_PIXELS = MAX_WIDTH * MAX_HEIGHT
"""8K: the largest picture accepted (either orientation); one such frame is 50 MB decoded."""
FRAME_SIDE = 768
"""The long side of a frame as a model gets it (its JPEG)."""
MIN_GAP_MS = 250
"""Candidates at most ~4 per second of media: keyframes closer than this to a candidate
are none, and points sampled between keyframes are this far apart (where a frame
within 4/5 of it still counts: at 10 fps, points 250 ms apart fall on frames 200 or
300 ms apart)."""
THUMB = (16, 16)
"""The tiny grayscale picture a scene change is measured on."""
AUDIO_RATE = 16_000
"""What transcription wants: 16 kHz mono 16-bit (10 minutes: 19 MB, under a provider's 25 MB)."""
MAX_AUDIO_MS = 10 * 60_000
_FIRST_FRAME_PACKETS = 500
"""Packets read for a stream's first decodable frame before it counts as undecodable."""


def _refuse(message: str) -> ParseFailed:
    return ParseFailed("invalid", message)


def _length(milliseconds: int) -> str:
    """"25 minutes", "1 minute", "40 seconds": rounded up, so a file just over a limit never reads as equal to it."""
    if milliseconds >= 60_000:
        minutes = math.ceil(milliseconds / 60_000)
        return f"{minutes} minute{'s' * (minutes != 1)}"
    seconds = max(1, math.ceil(milliseconds / 1000))
    return f"{seconds} second{'s' * (seconds != 1)}"


@contextmanager
def _opened(path: str) -> Iterator[av.container.InputContainer]:
    try:
        container = av.open(path, "r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise _refuse("This file could not be read as video or audio: it is damaged, incomplete or in an unknown format.") from None
    try:
        yield container
    finally:
        container.close()


def _video_stream(container: av.container.InputContainer) -> av.VideoStream | None:
    """The first video stream that is a moving picture (not an MP3's cover art)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            stream.codec_context.thread_count = 1  # one core per task, and a predictable amount of memory
            return stream
    return None


def _audio_stream(container: av.container.InputContainer) -> av.AudioStream | None:
    return container.streams.audio[0] if container.streams.audio else None


def _origin(stream: av.stream.Stream) -> int:
    return stream.start_time or 0


def _ms(pts: int | None, stream: av.stream.Stream) -> int | None:
    """Milliseconds from the start of the stream, or None if the packet or frame has no time."""
    if pts is None or stream.time_base is None:
        return None
    return int((pts - _origin(stream)) * stream.time_base * 1000)


def _check_size(width: int, height: int) -> None:
    if max(width, height) > MAX_WIDTH or min(width, height) > MAX_HEIGHT or width * height > MAX_PIXELS:
        raise _refuse(
            f"This video is too large: {width:,} × {height:,} pixels; the limit is {MAX_WIDTH:,} × {MAX_HEIGHT:,} (8K)."
        )


def _first_frame(container: av.container.InputContainer, stream: av.stream.Stream) -> av.frame.Frame | None:
    """The stream's first decodable frame (keyframes only, for video), or None."""
    stream.codec_context.skip_frame = "NONKEY" if stream.type == "video" else "DEFAULT"
    try:
        for number, packet in enumerate(container.demux(stream)):
            if number >= _FIRST_FRAME_PACKETS:
                return None
            for frame in stream.codec_context.decode(packet):
                return frame
    except av.error.FFmpegError:
        return None
    return None


def _duration_ms(container: av.container.InputContainer, stream: av.stream.Stream, max_duration_ms: int, what: str) -> int:
    """The header's duration when it has one; else the packets' last moment (the
    container just opened), counted only up to the limit: a live recording, or a stream
    that claims no end."""
    if container.duration:
        duration = int(container.duration / 1000)
        if duration > max_duration_ms:
            raise _refuse(f"This {what} is {_length(duration)} long; the limit is {_length(max_duration_ms)}.")
        return duration
    last = 0
    for packet in container.demux(stream):
        moment = _ms(packet.pts if packet.pts is not None else packet.dts, stream)
        if moment is None:
            continue
        last = max(last, moment + int((packet.duration or 0) * stream.time_base * 1000))
        if last > max_duration_ms:
            raise _refuse(f"This {what} is longer than the limit of {_length(max_duration_ms)}.")
    return last


def probe_task(header: dict[str, Any], parts: list[bytes]) -> Answer:
    """"media_probe": ({kind, duration_ms, width, height, has_audio}, []). Each check
    reads the file from its start in a container of its own (rewinding is not
    something every format can do)."""
    path, max_duration_ms = str(header["path"]), int(header["max_duration_ms"])
    width = height = 0
    with _opened(path) as container:
        video = _video_stream(container)
        if video is not None:
            _check_size(video.codec_context.width, video.codec_context.height)
            frame = _first_frame(container, video)
            if frame is not None:
                width, height = frame.width, frame.height
                _check_size(width, height)
        main = video.index if width else None
    has_audio = False
    with _opened(path) as container:
        audio = _audio_stream(container)
        if audio is not None:
            has_audio = _first_frame(container, audio) is not None
            main = audio.index if main is None and has_audio else main
    if main is None:
        raise _refuse("This file has no video or audio that could be decoded.")
    kind = "video" if width else "audio"
    with _opened(path) as container:
        duration = _duration_ms(container, container.streams[main], max_duration_ms, "video" if width else "recording")
    return {"kind": kind, "duration_ms": duration, "width": width, "height": height, "has_audio": has_audio}, []


# ---------------------------------------------------------------- frames


@dataclass
class _Shot:
    at_ms: int
    jpeg: bytes
    thumb: Image.Image
    content: float


class _Sampler:
    """Candidates of one span, at most one per MIN_GAP_MS, and the count of decoded frames."""

    def __init__(self, start_ms: int, end_ms: int, max_decoded: int) -> None:
        self.start_ms, self.end_ms, self.max_decoded = start_ms, end_ms, max_decoded
        self.shots: list[_Shot] = []
        self.decoded = 0

    @property
    def spent(self) -> bool:
        return self.decoded >= self.max_decoded

    def near(self, at_ms: int, within_ms: int) -> bool:
        return any(abs(shot.at_ms - at_ms) < within_ms for shot in self.shots)

    def take(self, frame: av.VideoFrame, at_ms: int, gap_ms: int = MIN_GAP_MS) -> None:
        if not self.start_ms <= at_ms < self.end_ms or self.near(at_ms, gap_ms):
            return
        _check_size(frame.width, frame.height)
        scale = min(1.0, FRAME_SIDE / max(frame.width, frame.height))
        width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
        picture = frame.reformat(width=width, height=height, format="rgb24").to_image()
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=82)
        gray = picture.convert("L").resize((32, 32))
        content = min(1.0, ImageStat.Stat(gray).stddev[0] / 64)
        self.shots.append(_Shot(at_ms, out.getvalue(), gray.resize(THUMB), content))


def _seek(container: av.container.InputContainer, stream: av.stream.Stream, at_ms: int) -> None:
    """To the keyframe at or before `at_ms`; a file without an index is read from its start."""
    try:
        container.seek(_origin(stream) + int(at_ms / 1000 / stream.time_base), backward=True, stream=stream)
    except av.error.FFmpegError:
        container.seek(0)
    stream.codec_context.flush_buffers()


def _decode(container: av.container.InputContainer, stream: av.VideoStream, sampler: _Sampler,
            until_ms: int, keyframes_only: bool) -> Iterator[tuple[av.VideoFrame, int]]:
    """(frame, ms) from the current position up to `until_ms`, within the decode budget."""
    context = stream.codec_context
    context.skip_frame = "NONKEY" if keyframes_only else "DEFAULT"
    for packet in _packets(container, stream, until_ms, keyframes_only):
        try:
            frames = context.decode(packet)
        except (av.error.InvalidDataError, EOFError):
            continue  # one damaged packet costs its frame, not the video
        for frame in frames:
            sampler.decoded += 1
            at_ms = _ms(frame.pts, stream)
            if at_ms is not None:
                yield frame, at_ms
            if sampler.spent:
                return


def _packets(container: av.container.InputContainer, stream: av.stream.Stream, until_ms: int,
             keyframes_only: bool) -> Iterator[av.Packet | None]:
    """The packets to decode up to `until_ms` (and a second more, for frames reordered
    after it), then None: the decoder gives back the frames it still holds."""
    for packet in container.demux(stream):
        if not packet.size:  # the end of the file
            break
        moment = _ms(packet.pts if packet.pts is not None else packet.dts, stream)
        if moment is not None and moment >= until_ms + 1000:
            break
        if packet.is_keyframe or not keyframes_only:
            yield packet
    yield None


def _fill(container: av.container.InputContainer, stream: av.VideoStream, sampler: _Sampler, every_ms: int) -> None:
    """Where keyframes left no candidate within `every_ms` of a point of the grid
    start, start + every, ..., seek there and decode forward to a frame at each such point."""
    grid = range(sampler.start_ms, sampler.end_ms, max(every_ms, MIN_GAP_MS))
    missing = [point for point in grid if not sampler.near(point, every_ms // 2 + 1)]
    runs: list[list[int]] = []
    for point in missing:
        if runs and point - runs[-1][-1] <= every_ms:
            runs[-1].append(point)
        else:
            runs.append([point])
    for run in runs:
        if sampler.spent:
            return
        _seek(container, stream, run[0])
        wanted = iter(run)
        target = next(wanted, None)
        for frame, at_ms in _decode(container, stream, sampler, run[-1], keyframes_only=False):
            if target is None or at_ms > run[-1] + every_ms:
                break
            if at_ms >= target:
                sampler.take(frame, at_ms, MIN_GAP_MS * 4 // 5)
                target = next((point for point in wanted if point > at_ms), None)


def frames_task(header: dict[str, Any], parts: list[bytes]) -> Answer:
    """"media_frames": ({candidates: [{at_ms, score, content}], decoded}, [jpeg per candidate, last thumbnail]).
    `parts[0]`: the previous span's last thumbnail (b"" for the first span): a span's
    first score is its change from there."""
    start_ms, end_ms = int(header["start_ms"]), int(header["end_ms"])
    sampler = _Sampler(start_ms, end_ms, int(header["max_decoded"]))
    with _opened(str(header["path"])) as container:
        stream = _video_stream(container)
        if stream is None:
            raise _refuse("This video has no picture that could be decoded.")
        _check_size(stream.codec_context.width, stream.codec_context.height)
        _seek(container, stream, start_ms)
        for frame, at_ms in _decode(container, stream, sampler, end_ms, keyframes_only=True):
            sampler.take(frame, at_ms)
        _fill(container, stream, sampler, int(header["every_ms"]))
    shots = sorted(sampler.shots, key=lambda shot: shot.at_ms)
    previous = Image.frombytes("L", THUMB, parts[0]) if parts and len(parts[0]) == THUMB[0] * THUMB[1] else None
    candidates = []
    for shot in shots:
        score = 1.0 if previous is None else ImageStat.Stat(ImageChops.difference(shot.thumb, previous)).mean[0] / 255
        candidates.append({"at_ms": shot.at_ms, "score": round(score, 4), "content": round(shot.content, 4)})
        previous = shot.thumb
    last = previous.tobytes() if previous is not None else b""
    return {"candidates": candidates, "decoded": sampler.decoded}, [shot.jpeg for shot in shots] + [last]


# ---------------------------------------------------------------- audio


def audio_task(header: dict[str, Any], parts: list[bytes]) -> Answer:
    """"media_audio": ({seconds}, [WAV: 16 kHz mono s16 of start_ms .. start_ms + length_ms, or b"" without audio])."""
    start_ms, length_ms = int(header["start_ms"]), min(int(header["length_ms"]), MAX_AUDIO_MS)
    wanted = length_ms * AUDIO_RATE // 1000
    with _opened(str(header["path"])) as container:
        stream = _audio_stream(container)
        if stream is None:
            return {"seconds": 0}, [b""]
        _seek(container, stream, start_ms)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        pcm = bytearray()
        skip: int | None = None  # samples before start_ms, once the first frame's time is known
        try:
            for frame in container.decode(stream):
                if skip is None:
                    first_ms = _ms(frame.pts, stream) or 0
                    skip = (start_ms - first_ms) * AUDIO_RATE // 1000
                    if skip < 0:  # the track starts later than asked: silence until it does
                        pcm += bytes(2 * min(-skip, wanted))
                        skip = 0
                for converted in resampler.resample(frame):
                    pcm += bytes(converted.planes[0])[: converted.samples * 2]
                if len(pcm) >= 2 * (skip + wanted):
                    break
        except av.error.InvalidDataError:
            pass  # the sound up to the damage is still worth transcribing
        for converted in resampler.resample(None):
            pcm += bytes(converted.planes[0])[: converted.samples * 2]
    body = bytes(pcm[2 * (skip or 0) : 2 * ((skip or 0) + wanted)])
    if not body:
        return {"seconds": 0}, [b""]
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(AUDIO_RATE)
        wav.writeframes(body)
    return {"seconds": len(body) / 2 / AUDIO_RATE}, [out.getvalue()]


__all__ = ["AUDIO_RATE", "MAX_AUDIO_MS", "MAX_HEIGHT", "MAX_WIDTH", "audio_task", "frames_task", "probe_task"]
