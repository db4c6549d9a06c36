"""The workers' doorbell (infra/doorbell.py): work queued while a pass runs is looked at
right after it, not at the next poll. The ring used to be cleared after the pass, which
lost it: webhook deliveries (and media, knowledge) then waited a whole idle period."""

from __future__ import annotations

import asyncio
import time

from neurocache_ui.infra.doorbell import Doorbell, work_forever


def test_a_ring_during_a_pass_starts_the_next_one_at_once() -> None:
    bell = Doorbell()
    passes: list[float] = []

    async def work() -> int:
        passes.append(time.monotonic())
        if len(passes) == 1:
            bell.ring()  # new work queued while this pass runs (by another thread, say)...
            await asyncio.sleep(0.05)  # ...heard while the pass still awaits something of its own
        return 0

    async def run() -> None:
        task = asyncio.create_task(work_forever(bell, work, idle=30.0, name="test worker"))
        deadline = time.monotonic() + 5
        while len(passes) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(run())
    assert len(passes) >= 2 and passes[1] - passes[0] < 1.0


def test_without_a_ring_the_worker_waits_for_its_poll() -> None:
    bell = Doorbell()
    passes: list[float] = []

    async def work() -> int:
        passes.append(time.monotonic())
        return 0

    async def run() -> None:
        task = asyncio.create_task(work_forever(bell, work, idle=0.3, name="test worker"))
        await asyncio.sleep(0.45)
        task.cancel()

    asyncio.run(run())
    assert len(passes) == 2 and passes[1] - passes[0] >= 0.29
