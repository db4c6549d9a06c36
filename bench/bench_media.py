"""What a video costs the hub (docs/PERFORMANCE.md, issue 22): a generated 10-minute 720p
video (25 fps, a keyframe every 10 s as encoders make by default, a new colour every
second, a tone; generated once into a temporary directory, not counted) is probed, its
frames chosen and all its sound cut into pieces and transcribed (through the fake
provider, in its own process: what is measured is the hub's side), exactly as the media
pipeline calls infra/media.py and services/media/listening.py, in this process's event loop.

Measured: wall time of each step; the parse processes' peak memory (their peak resident
set, VmHWM; not ru_maxrss, which for a child counts the server's pages it was forked
from; target <= 512 MB); and the event loop's worst stall meanwhile (a 10 ms ticker;
target <= 50 ms).

    .venv/bin/python bench/bench_media.py [--minutes 10] [--budget 32]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.infra import media, parse_pool
from neurocache_ui.infra.llm import transcribe
from neurocache_ui.services.media import listening
from neurocache_ui.settings import get_settings
from testkit.fake_provider import FakeOpenAIServer
from testkit.media import video_bytes
from testkit.stats import Ticker

MEMORY_TARGET_MB, STALL_TARGET_MS = 512.0, 50.0


def generated(minutes: float) -> str:
    """The bench video, made once per size and kept in the temporary directory."""
    path = Path(tempfile.gettempdir()) / f"neurocache-bench-{minutes:g}min-720p.mp4"
    if not path.exists():
        started = time.perf_counter()
        data = video_bytes(seconds=minutes * 60, size=(1280, 720), fps=25, keyframe_seconds=10)
        path.with_suffix(".part").write_bytes(data)
        path.with_suffix(".part").rename(path)
        print(f"generated {path} ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s (not counted)")
    return str(path)


def children() -> list[int]:
    """This process's child pids, from /proc (cheap: no scan of every process, which would
    hold the GIL and show up as the event loop's stall)."""
    pids: list[int] = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as listed:
                pids += [int(pid) for pid in listed.read().split()]
        except OSError:
            pass
    return pids


class PeakMemory:
    """The largest peak resident set (VmHWM) of this process's children (the parse
    processes), read every 50 ms and once more at the end."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _sample(self) -> None:
        for pid in children():
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:
                pass

    def _watch(self) -> None:
        while not self.stopped.wait(0.05):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join()
        self._sample()


async def warm_up() -> None:
    """A worker's first provider call sets up the OpenAI client (~100 ms, once per process):
    made before measuring, as in bench_evals.py."""
    silence = io.BytesIO()
    with wave.open(silence, "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16_000)
        out.writeframes(b"\0\0" * 1600)
    await transcribe.transcribe(silence.getvalue(), offset_ms=0, length_ms=100)


async def bench(path: str, budget: int) -> bool:
    await warm_up()
    with Ticker() as busy, PeakMemory() as memory:
        started = time.perf_counter()
        probe = await media.probe(path, max_duration_ms=20 * 60_000)
        probed = time.perf_counter()

        updates: list[float] = []

        async def progress(done: float) -> None:  # as the pipeline's progress notice is fed
            updates.append(time.perf_counter())

        found = await media.frames(path, probe, budget=budget, on_progress=progress)
        framed = time.perf_counter()
        segments, _latency = await listening.hear(path, probe)
        ended = time.perf_counter()
    parse_pool.shutdown()
    with Ticker() as idle:  # the machine's own noise over as long, for comparison (other processes share the cores)
        await asyncio.sleep(ended - started)
    peak_mb = memory.peak_kb / 1024
    print(f"video: {probe.duration_ms / 60_000:.1f} min {probe.width}x{probe.height}, {os.path.getsize(path) / 1e6:.1f} MB")
    print(f"wall: {ended - started:.1f} s in all (probe {probed - started:.2f} s, frames {framed - probed:.1f} s, "
          f"transcript {ended - framed:.1f} s: {len(segments)} segments from "
          f"{-(-probe.duration_ms // media.AUDIO_PIECE_MS)} WAV piece(s))")
    gaps = [later - earlier for earlier, later in zip([probed, *updates], updates)]
    print(f"frames: {len(found.frames)} kept (budget {budget}), poster {len(found.poster) / 1000:.0f} kB; "
          f"{len(updates)} progress updates, at most {max(gaps, default=0):.1f} s apart")
    print(f"child peak memory: {peak_mb:.0f} MB (peak resident set, VmHWM; target <= {MEMORY_TARGET_MB:.0f} MB)")
    print(f"event-loop stall: worst {busy.worst:.1f} ms while processing (the same time idle: {idle.worst:.1f} ms) "
          f"p99 {busy.p99:.1f} ms; target <= {STALL_TARGET_MS:.0f} ms")
    return peak_mb <= MEMORY_TARGET_MB and busy.worst <= STALL_TARGET_MS and len(found.frames) > 0 and len(segments) > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--budget", type=int, default=32)
    args = parser.parse_args()
    path = generated(args.minutes)
    with FakeOpenAIServer() as provider:
        os.environ.update({**provider.env(), "NEUROCACHE_TRANSCRIPTION_MODEL": "whisper-1"})  # type: ignore[arg-type]
        get_settings.cache_clear()
        ok = asyncio.run(bench(path, args.budget))
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
