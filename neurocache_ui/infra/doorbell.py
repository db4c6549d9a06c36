"""How a background worker of a process waits for work: it polls the database every
`idle` seconds (work queued by another host), and anything queued in this process
rings its doorbell so it looks at once. One loop for the knowledge queue and the
media processor, with one failure rule: an error is logged and the loop goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Doorbell:
    """Rung from any thread; heard by the one loop that `listen`s in this process."""

    def __init__(self) -> None:
        self._heard: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def ring(self) -> None:
        """New work is queued: the worker looks now instead of at its next poll."""
        if self._heard is not None:
            loop, event = self._heard
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has closed
                pass

    def listen(self) -> asyncio.Event:
        """The event `ring` sets (called once, by the running loop's worker)."""
        event = asyncio.Event()
        self._heard = (asyncio.get_running_loop(), event)
        return event


async def work_forever(bell: Doorbell, work: Callable[[], Awaitable[int]], *, idle: float, name: str) -> None:
    """`work()` (how many items it did) again and again; when it found nothing, wait for
    the bell or `idle` seconds. A failure is logged and tried again after `idle`."""
    event = bell.listen()
    while True:
        event.clear()  # before the work, not after: a ring while it runs must not be lost
        try:
            worked = await work()
        except Exception:
            log.exception("%s failed; trying again in %.0f s", name, idle)
            worked = 0
        if not worked:
            try:
                await asyncio.wait_for(event.wait(), idle)
            except TimeoutError:
                pass
