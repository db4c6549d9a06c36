"""Replies whose worker died. Every worker sweeps every SWEEP_EVERY s for "streaming"
replies older than a lease (stops.RUN_TTL) whose lease is gone on two sweeps in a row
(a Redis restart loses leases; live replies set them again within RUN_REFRESH) and ends
each, once across workers (a conditional update), as interrupted with its text so far.
Without Redis there is one process (workers sharing a database need Redis), so a reply
it does not run (`stops.local`) is an orphan."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import sqlalchemy as sa

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.infra.redis import REDIS_ERRORS
from neurocache_ui.services import messaging
from neurocache_ui.services.agent_runs import delivery, progress, stops
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Message, utcnow

log = logging.getLogger(__name__)

SWEEP_EVERY = 5.0
"""Seconds between two sweeps of a worker; more than stops.RUN_REFRESH (see above), so
a dead worker's reply ends within RUN_TTL + 2 * SWEEP_EVERY (20 s)."""


def end(message_id: int, agent_id: int) -> bool:
    """End a reply nobody runs as interrupted, keeping its text so far; False if it
    had already ended (or is gone). Blocking: call it in a thread."""
    text = progress.text_so_far(message_id) or ""
    content, status = delivery.compose(text, outcome="stopped", error=None, stopped_by="", cut=False)
    try:
        messaging.update_agent_message(
            message_id, agent_id=agent_id, content=content, status=status, only_if_streaming=True
        )
    except NotFound:
        return False
    progress.clear(message_id)
    return True


def _streaming_before(cutoff_seconds: float) -> dict[int, int]:
    """{message id: agent id} of replies streaming for longer than `cutoff_seconds`,
    by the partial index ix_message_streaming (one small index scan)."""
    cutoff = utcnow() - timedelta(seconds=cutoff_seconds)
    query = (
        sa.select(Message.id, Message.agent_id)
        .where(Message.status == delivery.STREAMING, Message.created_at < cutoff)  # type: ignore[arg-type,operator]
        .where(Message.agent_id.is_not(None))  # type: ignore[union-attr]
    )
    with get_engine().connect() as conn:
        return {row.id: row.agent_id for row in conn.execute(query)}


class Sweeper:
    """One worker's sweeps; remembers which replies had no lease the last time."""

    def __init__(self) -> None:
        self._suspects: set[int] = set()

    def sweep(self) -> list[int]:
        """One sweep; returns the ids of the replies it ended. Blocking: call it in a thread."""
        found = _streaming_before(stops.RUN_TTL)
        try:
            alive = stops.leased(found)
        except REDIS_ERRORS as error:
            log.warning("cannot tell which replies are running (%s); sweeping later", error)
            return []
        missing = {message_id: agent_id for message_id, agent_id in found.items() if message_id not in alive}
        ended = [
            message_id
            for message_id, agent_id in missing.items()
            if message_id in self._suspects and end(message_id, agent_id)
        ]
        self._suspects = set(missing) - set(ended)
        if ended:
            log.info("ended %d reply(ies) whose worker stopped running them: %s", len(ended), ended)
        return ended


async def sweep_forever() -> None:
    """Lifespan task: a sweep every SWEEP_EVERY seconds, forever."""
    sweeper = Sweeper()
    failing = False
    while True:
        await asyncio.sleep(SWEEP_EVERY)
        try:
            await asyncio.to_thread(sweeper.sweep)
        except Exception:
            if not failing:  # e.g. the database is down: say it once, not every sweep
                log.warning("sweeping orphaned replies failed; trying every %.0f s", SWEEP_EVERY, exc_info=True)
            failing = True
        else:
            failing = False


__all__ = ["SWEEP_EVERY", "Sweeper", "end", "sweep_forever"]
