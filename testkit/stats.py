"""Summaries the benches print, and the event loop's lateness they measure."""

from __future__ import annotations

import asyncio
import time


def percentile(samples: list[float], p: float) -> float:
    """The nearest-rank `p`th percentile (0-100)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Ticker:
    """The event loop's lateness: a 10 ms sleep that wakes later than asked means the loop was busy."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.task: asyncio.Task[None] | None = None

    @property
    def worst(self) -> float:
        return max(self.late, default=0.0)

    @property
    def p99(self) -> float:
        return percentile(self.late, 99) if self.late else 0.0

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.late.append((time.perf_counter() - start - 0.01) * 1000)

    def __enter__(self) -> Ticker:
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()
