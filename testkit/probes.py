"""What a test watches while it attacks the hub: how late the event loop runs (a stall
is a `/ping` that waits), how much memory a process takes on top of where it started,
and how long HTTP requests take (`/ping`, an image). Each keeps its worst sample, so
a test asserts the worst case, not an average.
By hand: `python -m testkit.probes '{"url": "http://127.0.0.1:3000/ping", "interval": 0.05,
"cookies": {}, "content_type": ""}'`, then Enter."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import psutil


class LoopLag:
    """`async with LoopLag() as lag:` wakes every `interval` s; `lag.worst` is the
    longest it woke late, in seconds: what every other request on this loop waited too."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.monotonic() - before - self.interval)

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class _Sampler:
    """A thread that calls `sample()` every `interval` seconds until the block ends."""

    interval = 0.02

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sample()


class MemoryRise(_Sampler):
    """Resident memory of one process (this one by default): `rise` is the peak seen
    above what it held when the block began, in bytes."""

    def __init__(self, pid: int | None = None) -> None:
        super().__init__()
        self.process = psutil.Process(pid)
        self.start = self.process.memory_info().rss
        self.peak = self.start

    def sample(self) -> None:
        try:
            self.peak = max(self.peak, self.process.memory_info().rss)
        except psutil.NoSuchProcess:
            pass

    @property
    def rise(self) -> int:
        return self.peak - self.start


class Latency:
    """`with Latency(url) as probe:` GETs `url` one request after another (a pause of
    `interval` s between them) from a process of its own, so what it times is the
    server's answer, not this process's threads waiting for their turn. Afterwards
    `times` holds every answer's duration in seconds and `worst` the slowest. Every
    answer must be a 200 (and of `content_type`, if given)."""

    def __init__(self, url: str, *, interval: float = 0.05, cookies: dict[str, str] | None = None,
                 content_type: str = "") -> None:
        self.args = {"url": url, "interval": interval, "cookies": cookies or {}, "content_type": content_type}
        self.times: list[float] = []
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def worst(self) -> float:
        return max(self.times, default=0.0)

    @property
    def samples(self) -> int:
        return len(self.times)

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "testkit.probes", json.dumps(self.args)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
        assert self._process.stdout is not None
        self._process.stdout.readline()  # "ready": the first answer came back
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._process is not None
        out, _ = self._process.communicate(b"stop\n", timeout=60)
        answer = json.loads(out)
        self.times = answer["times"]
        assert not answer["failures"], f"{self.args['url']}: {answer['failures'][:3]}"


def _poll(args: dict[str, Any]) -> None:
    """The probe process: poll until a line arrives on stdin, then print the results."""
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    times: list[float] = []
    failures: list[str] = []
    with httpx.Client(timeout=30, cookies=args["cookies"]) as client:
        while True:
            started = time.monotonic()
            response = client.get(args["url"])
            times.append(time.monotonic() - started)
            if response.status_code != 200 or not response.headers.get("content-type", "").startswith(args["content_type"]):
                failures.append(f"{response.status_code} {response.headers.get('content-type')}")
            if len(times) == 1:
                print("ready", flush=True)
            if stop.wait(args["interval"]):
                break
    print(json.dumps({"times": times, "failures": failures}), flush=True)


if __name__ == "__main__":
    _poll(json.loads(sys.argv[1]))
