"""Video and audio decoded in the confined parse processes (infra/media.py over
infra/media_decode.py), on media PyAV makes here (testkit/media.py): what a file is,
the frames picked at its scene changes with their moments, its sound as 16 kHz WAV,
and hostile files refused quickly with a message a person understands while the
server's event loop keeps answering."""

from __future__ import annotations

import asyncio
import io
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra import media, parse_pool
from testkit import media as testmedia

pytestmark = pytest.mark.timeout(120)


def saved(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def colour_of(jpeg: bytes) -> tuple[int, int, int]:
    """The colour in a frame's corner (away from the digit drawn in its middle)."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    return image.getpixel((4, 4))  # type: ignore[return-value]


def close(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 24 for a, b in zip(colour, expected))


def samples_of(wav_bytes: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16), wav.getframerate()


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


async def test_a_video_is_probed_and_its_frames_are_picked_at_each_colour_change(tmp_path: Path) -> None:
    path = saved(tmp_path, "clip.mp4", testmedia.video_bytes(seconds=4, size=(320, 240), fps=10))
    probe = await media.probe(path, max_duration_ms=20 * 60_000)
    assert probe == media.Probe(kind="video", duration_ms=4000, width=320, height=240, has_audio=True)
    progress: list[float] = []

    async def on_progress(done: float) -> None:
        progress.append(done)

    found = await media.frames(path, probe, budget=32, on_progress=on_progress)
    assert [frame.at_ms for frame in found.frames] == [0, 1000, 2000, 3000]
    for frame, expected in zip(found.frames, testmedia.COLOURS):
        assert close(colour_of(frame.jpeg), expected), (frame.at_ms, colour_of(frame.jpeg), expected)
    assert Image.open(io.BytesIO(found.poster)).format == "JPEG"
    assert progress == [1.0]


async def test_where_keyframes_are_rare_the_decoder_seeks_and_still_finds_each_change(tmp_path: Path) -> None:
    """A WebM with a single keyframe (a long static shot) at 1280x720: frames come from
    decoding forward, close to each change, scaled to 768 pixels on the long side."""
    data = testmedia.video_bytes(seconds=4, size=(1280, 720), fps=10, container="webm", keyframe_seconds=None)
    path = saved(tmp_path, "shot.webm", data)
    probe = await media.probe(path, max_duration_ms=60_000)
    assert (probe.kind, probe.width, probe.height) == ("video", 1280, 720)
    found = await media.frames(path, probe, budget=32)
    moments = [frame.at_ms for frame in found.frames]
    assert len(moments) == 4
    for moment, change in zip(moments, (0, 1000, 2000, 3000)):
        assert change <= moment < change + 250, moments
    for frame, expected in zip(found.frames, testmedia.COLOURS):
        assert close(colour_of(frame.jpeg), expected)
        assert Image.open(io.BytesIO(frame.jpeg)).size == (768, 432)


async def test_a_long_video_is_read_span_by_span_within_the_budget(tmp_path: Path) -> None:
    path = saved(tmp_path, "long.mp4", testmedia.video_bytes(seconds=130, size=(160, 120), fps=2, with_audio=False))
    probe = await media.probe(path, max_duration_ms=20 * 60_000)
    assert (probe.duration_ms, probe.has_audio) == (130_000, False)
    progress: list[float] = []

    async def on_progress(done: float) -> None:
        progress.append(done)

    found = await media.frames(path, probe, budget=12, on_progress=on_progress)
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])
    moments = [frame.at_ms for frame in found.frames]
    assert len(moments) == 12 and moments == sorted(moments)
    assert all(moment % 1000 == 0 for moment in moments), "every colour change is on a whole second"
    assert min(moments) < 60_000 and max(moments) >= 120_000, "every minute is seen"


async def test_a_span_never_offers_more_than_four_candidates_a_second_nor_decodes_past_its_cap(tmp_path: Path) -> None:
    path = saved(tmp_path, "dense.mp4", testmedia.video_bytes(seconds=3, fps=25, keyframe_seconds=0.04, with_audio=False))
    limits = media.SPAN_LIMITS
    header = {"path": path, "start_ms": 0, "end_ms": 3000, "every_ms": 250, "max_decoded": 1000}
    answer, parts = await parse_pool.run("media_frames", header, [b""], limits)
    assert 10 <= len(answer["candidates"]) <= 4 * 3 + 1  # every frame is a keyframe: 75 of them
    assert len(parts) == len(answer["candidates"]) + 1
    capped, _parts = await parse_pool.run("media_frames", {**header, "max_decoded": 5}, [b""], limits)
    assert capped["decoded"] == 5


async def test_the_sound_of_a_video_as_16_khz_mono_wav(tmp_path: Path) -> None:
    path = saved(tmp_path, "clip.mp4", testmedia.video_bytes(seconds=4, tone_hz=440))
    samples, rate = samples_of(await media.audio_piece(path, 500, 2000))
    assert rate == 16_000 and len(samples) == 32_000
    assert abs(peak_hz(samples, rate) - 440) < 5
    tail, _rate = samples_of(await media.audio_piece(path, 3000, media.AUDIO_PIECE_MS))
    assert 15_000 <= len(tail) <= 16_400, "a piece ends where the sound does (AAC adds a few ms of padding)"


@pytest.mark.parametrize("container", ["wav", "ogg", "webm", "mp3", "mp4"])
async def test_audio_files_people_upload(tmp_path: Path, container: str) -> None:
    path = saved(tmp_path, f"voice.{container}", testmedia.audio_bytes(seconds=3, tone_hz=660, container=container))
    probe = await media.probe(path, max_duration_ms=60_000)
    assert (probe.kind, probe.width, probe.height, probe.has_audio) == ("audio", 0, 0, True)
    assert 2950 <= probe.duration_ms <= 3100
    samples, rate = samples_of(await media.audio_piece(path, 0, probe.duration_ms))
    assert abs(len(samples) - 48_000) <= 1_600
    assert abs(peak_hz(samples, rate) - 660) < 5


async def test_a_silent_video_has_no_audio_piece(tmp_path: Path) -> None:
    path = saved(tmp_path, "silent.mp4", testmedia.video_bytes(with_audio=False))
    assert (await media.probe(path, max_duration_ms=60_000)).has_audio is False
    assert await media.audio_piece(path, 0, 4000) == b""
    with pytest.raises(ValueError):
        await media.audio_piece(path, 0, media.AUDIO_PIECE_MS + 1)


@pytest.mark.parametrize(
    ("name", "make", "maximum_ms", "message"),
    [
        ("huge.mkv", testmedia.huge_dimensions_bytes, 60_000,
         "This video is too large: 12,000 × 12,000 pixels; the limit is 7,680 × 4,320 (8K)."),
        ("broken.mp4", testmedia.corrupt_bytes, 60_000,
         "This file could not be read as video or audio: it is damaged, incomplete or in an unknown format."),
        ("endless.webm", testmedia.endless_bytes, 2_000, "This video is longer than the limit of 2 seconds."),
        ("long.mp4", lambda: testmedia.video_bytes(seconds=4), 2_000, "This video is 4 seconds long; the limit is 2 seconds."),
        ("notes.mp3", lambda: b"just some text, not a recording\n" * 100, 60_000,
         "This file could not be read as video or audio: it is damaged, incomplete or in an unknown format."),
    ],
)  # fmt: skip
async def test_hostile_files_are_refused_quickly_with_a_clear_message(tmp_path: Path, name: str, make, maximum_ms: int, message: str) -> None:
    path = saved(tmp_path, name, make())
    started = time.perf_counter()
    with pytest.raises(Invalid) as refused:
        await media.probe(path, max_duration_ms=maximum_ms)
    assert str(refused.value) == message
    assert time.perf_counter() - started < 5


async def test_a_decode_past_its_deadline_is_killed_and_the_server_keeps_answering(tmp_path: Path) -> None:
    """A frames task given 0.4 s for 30 s of 720p with one keyframe (seconds of decoding)
    fails at its deadline; the event loop ticks on meanwhile, and the next task gets a fresh process."""
    data = testmedia.video_bytes(seconds=30, size=(1280, 720), fps=25, keyframe_seconds=None, with_audio=False)
    path = saved(tmp_path, "heavy.mp4", data)
    probe = await media.probe(path, max_duration_ms=60_000)
    header = {"path": path, "start_ms": 0, "end_ms": probe.duration_ms, "every_ms": 250, "max_decoded": 3000}
    late: list[float] = []

    async def tick() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            late.append(time.perf_counter() - before - 0.01)

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    with pytest.raises(parse_pool.ParseFailed) as failed:
        await parse_pool.run("media_frames", header, [b""], parse_pool.Limits(0.4, 30, media.MEMORY_BYTES))
    elapsed = time.perf_counter() - started
    ticker.cancel()
    assert failed.value.reason == "too_costly"
    assert elapsed < 2.0
    assert max(late) < 0.25  # decoding in the server would hold its loop for seconds; a loaded machine costs ~0.1 s
    assert (await media.probe(path, max_duration_ms=60_000)) == probe


async def test_a_recording_without_a_duration_is_measured_and_cut(tmp_path: Path) -> None:
    """A live WebM (no duration, no index: what a browser's MediaRecorder writes) within
    the limit: its length is counted from its packets, and a piece from its middle is cut."""
    path = saved(tmp_path, "voice.webm", testmedia.endless_bytes(seconds=6))
    probe = await media.probe(path, max_duration_ms=60_000)
    assert probe.kind == "video" and 5900 <= probe.duration_ms <= 6100
    samples, rate = samples_of(await media.audio_piece(path, 2000, 2000))
    assert len(samples) == 32_000 and abs(peak_hz(samples, rate) - 440) < 5
    found = await media.frames(path, probe, budget=32)
    assert [frame.at_ms for frame in found.frames] == [0, 1000, 2000, 3000, 4000, 5000]
