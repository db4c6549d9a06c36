"""The ~50 ms flush of a streaming reply: its sender gets the whole text so far at
most once per interval, never once per token, so a fast model costs a few updates a
second and a slow one still shows each token within the interval (channel viewers
are then sent only the appended part, progress.py)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.05
"""Seconds between two in-progress updates of one reply (the newest text wins)."""


class Flusher:
    """Hands the newest text to `send` at most once per `interval` seconds.

    The first update goes out at once; later ones wait for the interval and
    only the newest text is sent. Sends never overlap and keep their order;
    `close()` drops what is unsent (the final message carries it) and returns
    once a send in progress has finished."""

    def __init__(self, send: Callable[[str], Awaitable[Any]], interval: float = FLUSH_INTERVAL) -> None:
        self._send = send
        self._interval = interval
        self._text = ""
        self._dirty = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def update(self, text: str) -> None:
        if self._closed:
            return
        self._text = text
        self._dirty.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        last = -math.inf
        while True:
            await self._dirty.wait()
            if self._closed:
                return
            wait = last + self._interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                if self._closed:
                    return
            self._dirty.clear()
            last = time.monotonic()
            try:
                await self._send(self._text)
                self.sent += 1
            except Exception:
                log.exception("sending an in-progress update failed")

    async def close(self) -> None:
        self._closed = True
        self._dirty.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


__all__ = ["FLUSH_INTERVAL", "Flusher"]
