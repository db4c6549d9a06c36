"""A prepared reply delivered: streamed to its viewers (throttled) until it ends, is
stopped or outgrows a message, then turned into the text that is stored or shown,
with a visible line saying why it is incomplete and the documents it drew on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from neurocache_ui.services.agent_runs.pipeline import Reply
from neurocache_ui.services.agent_runs.throttle import Flusher
from neurocache_ui.settings import get_settings

STREAMING, COMPLETE, INCOMPLETE, ERROR = "streaming", "complete", "incomplete", "error"
INTERRUPTED = "⚠️ This reply was interrupted (the server restarted or lost it)."
TOO_LONG = "✂️ The reply was cut off at the message length limit."
NOT_STARTED = "The reply could not be started. Try again in a moment."


async def stream_reply(
    reply: Reply,
    show: Callable[[str], Awaitable[Any]],
    stop: asyncio.Event,
    *,
    watch: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Read the reply, handing the text so far to `show` (throttled) until it ends,
    `stop` is set (`watch` may set it) or it grows past a message (`reply.cut`).
    The stream is closed however this ends, so `reply.stream.result` is set."""
    stream = reply.stream
    flusher = Flusher(show)
    max_chars = get_settings().max_message_chars

    async def consume() -> None:
        async with stream:
            async for _ in stream:
                if len(stream.text) > max_chars:
                    reply.cut = True
                    break
                flusher.update(stream.text)

    consumer = asyncio.create_task(consume())
    watchers = [asyncio.create_task(stop.wait())]
    if watch is not None:
        watchers.append(asyncio.create_task(watch()))
    try:
        await asyncio.wait([consumer, watchers[0]], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not consumer.done():  # stopped, or the caller was cancelled
            consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        await flusher.close()


def compose(text: str, *, outcome: str, error: str | None, stopped_by: str, cut: bool) -> tuple[str, str]:
    """(stored content, status) for a reply that ended with `outcome`; always fits a message."""
    text = text.strip()
    if outcome == "ok" and not cut:
        status, note = COMPLETE, ""
    elif outcome == "stopped" and not cut:
        status = INCOMPLETE
        note = f"⏹ Stopped by {stopped_by}." if stopped_by else INTERRUPTED
    elif cut:
        status, note = INCOMPLETE, TOO_LONG
    else:
        status = INCOMPLETE if text else ERROR
        note = f"⚠️ {error or 'The reply failed.'}"
    extras = [note] if note else []
    limit = get_settings().max_message_chars
    room = limit - sum(len(part) + 2 for part in extras)
    if len(text) > room:
        if TOO_LONG not in extras:
            extras.append(TOO_LONG)
            room -= len(TOO_LONG) + 2
            status = INCOMPLETE if status == COMPLETE else status
        text = text[: max(0, room - 1)].rstrip() + "…"
    content = "\n\n".join(part for part in (text, *extras) if part)
    return content[:limit], status


def final_text(reply: Reply | None, *, stopped_by: str, interrupted: bool = False) -> tuple[str, str]:
    """(content, status) a reply ends with. `reply` is None when it could not be
    prepared; an `interrupted` one (the server shutting down) keeps what arrived."""
    result = reply.stream.result if reply is not None else None
    cut = reply.cut if reply is not None else False
    if interrupted and (result is None or result.outcome == "stopped"):
        text = result.text if result is not None else ""
        return compose(text, outcome="stopped", error=None, stopped_by="", cut=cut)
    if result is None:
        return compose("", outcome="error", error=NOT_STARTED, stopped_by=stopped_by, cut=cut)
    return compose(result.text, outcome=result.outcome, error=result.error, stopped_by=stopped_by, cut=cut)


__all__ = [
    "COMPLETE",
    "ERROR",
    "INCOMPLETE",
    "INTERRUPTED",
    "STREAMING",
    "TOO_LONG",
    "compose",
    "final_text",
    "stream_reply",
]
