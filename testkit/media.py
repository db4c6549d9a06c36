"""Test media made with PyAV, so no test needs a file from outside: short videos whose
every second is a different solid colour with its number drawn big (the frames a
decoder picks can be told apart and timed), a sine tone as their sound, audio in the
formats people upload, and hostile files (a header claiming huge dimensions, a
damaged container, a stream with no duration that runs past its limit)."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

COLOURS: tuple[tuple[int, int, int], ...] = (
    (220, 40, 40),  # red
    (40, 180, 60),  # green
    (40, 70, 220),  # blue
    (230, 200, 40),  # yellow
    (160, 60, 200),  # purple
    (40, 200, 200),  # cyan
)
SAMPLE_RATE = 48_000
_VIDEO_CODECS = {"mp4": "libx264", "mov": "libx264", "mkv": "libx264", "webm": "libvpx"}
_AUDIO_CODECS = {"mp4": "aac", "mov": "aac", "mkv": "libopus", "webm": "libopus", "ogg": "libopus", "mp3": "libmp3lame", "wav": "pcm_s16le"}
_FORMATS = {"mkv": "matroska", "ogg": "ogg"}


def _picture(size: tuple[int, int], colour: tuple[int, int, int], label: str) -> Image.Image:
    """A solid colour with `label` drawn big in white in its middle."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, size[1] // 2))
    draw.text((size[0] // 2, size[1] // 2), label, fill=(255, 255, 255), font=font, anchor="mm")
    return image


def _tone(seconds: float, tone_hz: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    samples = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * math.pi * tone_hz * samples) * 32767).astype(np.int16)


def _add_audio(out: av.container.OutputContainer, codec: str) -> av.AudioStream:
    rate = 44_100 if codec == "libmp3lame" else SAMPLE_RATE
    stream = out.add_stream(codec, rate=rate)
    stream.layout = "mono"
    return stream


def _write_audio(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float, tone_hz: float) -> None:
    """The tone through the stream's encoder, in frames of the size it asks for."""
    rate = stream.codec_context.sample_rate
    pcm = _tone(seconds, tone_hz, rate)
    resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=rate)
    step = stream.codec_context.frame_size or 1024
    for start in range(0, len(pcm), step):
        frame = av.AudioFrame.from_ndarray(pcm[None, start : start + step], format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        for converted in resampler.resample(frame):
            out.mux(stream.encode(converted))
    out.mux(stream.encode(None))


def _video(
    seconds: float,
    size: tuple[int, int],
    fps: int,
    colours: Sequence[tuple[int, int, int]],
    tone_hz: float,
    container: str,
    with_audio: bool,
    keyframe_seconds: float | None,
    options: dict[str, str] | None = None,
    video_codec: str | None = None,
) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=_FORMATS.get(container, container), options=options or {}) as out:
        codec = video_codec or _VIDEO_CODECS[container]
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        gop = max(1, round((keyframe_seconds or seconds + 1) * fps))
        stream.codec_context.gop_size = gop
        if codec == "libx264":
            # Keyframes only where asked (no scene-cut ones), quickly: the tests decide where they are.
            stream.codec_context.options = {"preset": "ultrafast", "x264-params": f"scenecut=0:keyint={gop}:min-keyint={gop}"}
        elif codec == "libvpx":
            stream.codec_context.options = {"deadline": "realtime", "cpu-used": "8", "auto-alt-ref": "0"}
        audio = _add_audio(out, _AUDIO_CODECS[container]) if with_audio else None
        pictures: dict[int, av.VideoFrame] = {}
        for number in range(int(seconds * fps)):
            second = number // fps
            if second not in pictures:
                picture = _picture(size, colours[second % len(colours)], str(second))
                pictures[second] = av.VideoFrame.from_image(picture).reformat(format="yuv420p")
            frame = pictures[second]
            frame.pts = number
            frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if audio is not None:
            _write_audio(out, audio, seconds, tone_hz)
    return buffer.getvalue()


def video_bytes(
    seconds: float = 4,
    size: tuple[int, int] = (320, 240),
    fps: int = 10,
    colours: Sequence[tuple[int, int, int]] = COLOURS,
    tone_hz: float = 440,
    container: str = "mp4",
    with_audio: bool = True,
    keyframe_seconds: float | None = 1.0,
) -> bytes:
    """A video whose second n is colours[n] with "n" drawn on it, a keyframe every
    `keyframe_seconds` (None: only the first, as a long static shot has), and a sine
    tone of `tone_hz` as its sound. `container`: mp4, mov, mkv (H.264) or webm (VP8)."""
    return _video(seconds, size, fps, colours, tone_hz, container, with_audio, keyframe_seconds)


def audio_bytes(seconds: float = 3, tone_hz: float = 440, container: str = "wav") -> bytes:
    """A sine tone: wav (PCM), ogg or webm (Opus, as a browser records), mp3 or mp4 (AAC, an .m4a)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=_FORMATS.get(container, container)) as out:
        _write_audio(out, _add_audio(out, _AUDIO_CODECS[container]), seconds, tone_hz)
    return buffer.getvalue()


def huge_dimensions_bytes(width: int = 12_000, height: int = 12_000) -> bytes:
    """A Matroska file whose header claims a width x height raw video (144 megapixels:
    one frame would take 216 MB) but carries one tiny packet: refused from the header,
    before anything is decoded."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("rawvideo", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        packet = av.Packet(os.urandom(256))
        packet.stream, packet.pts, packet.dts, packet.time_base = stream, 0, 0, Fraction(1, 1000)
        out.mux(packet)
    return buffer.getvalue()


def corrupt_bytes() -> bytes:
    """An MP4 cut in half, as an interrupted upload leaves it: its index (moov, written
    last) is gone and the rest is overwritten with noise."""
    whole = video_bytes(seconds=2, with_audio=False)
    return whole[:64] + os.urandom(len(whole) // 2)


def endless_bytes(seconds: float = 6) -> bytes:
    """A WebM written as a live stream (as a browser's MediaRecorder writes it): no
    duration and no index in its header, so only reading it says how long it is. Probed
    with a maximum below `seconds`, it stands for an endless stream."""
    return _video(seconds, (160, 120), 10, COLOURS, 440, "webm", True, 1.0, options={"live": "1"})


__all__ = ["COLOURS", "audio_bytes", "corrupt_bytes", "endless_bytes", "huge_dimensions_bytes", "video_bytes"]
