"""What a test watches while it attacks the hub: how late the event loop runs (a stall
is a `/ping` that waits), how much memory a process takes on top of where it started,
and how long HTTP requests take (`/ping`, an image). Each keeps its worst sample, so
a test asserts the worst case, not an average."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

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


class Latency(_Sampler):
    """GETs `url` one after another (every `interval` s) from a thread: `worst` is the
    slowest answer in seconds, `samples` how many were timed; `check` may refuse an answer."""

    def __init__(self, url: str, *, interval: float = 0.05, cookies: dict[str, str] | None = None,
                 check: Callable[[httpx.Response], None] | None = None) -> None:
        super().__init__()
        self.url = url
        self.interval = interval
        self.check = check
        self.client = httpx.Client(timeout=30, cookies=cookies)
        self.worst = 0.0
        self.samples = 0

    def sample(self) -> None:
        started = time.monotonic()
        response = self.client.get(self.url)
        self.worst = max(self.worst, time.monotonic() - started)
        self.samples += 1
        response.raise_for_status()
        if self.check is not None:
            self.check(response)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        super().__exit__(exc_type, exc, tb)
        self.client.close()
