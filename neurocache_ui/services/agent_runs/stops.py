"""A running reply's lease and how it is stopped from any worker. The reply's own
process is told directly; with Redis the request is also written to a key the reply
polls, and the reply's lease (a key it refreshes while it runs) tells a stop request
and the orphan sweeper (orphans.py) whether anybody still runs it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import redis

from neurocache_ui.infra.redis import redis_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

STOP_POLL = 0.1
RUN_TTL = 10
"""Seconds a reply's lease lives without being refreshed (every RUN_REFRESH): how
long a dead worker's reply may look alive before orphans.py may end it."""
RUN_REFRESH = 3.0
STOP_TTL = 300
RUN_KEY = "nc:agent:run:{}"
STOP_KEY = "nc:agent:stop:{}"

T = TypeVar("T")

# Redis calls of running replies (stream updates, stop polls) get their own
# threads, so they never queue behind database work in the default pool.
_io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="nc-runner")


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_io, fn, *args)


@dataclass
class Running:
    """A reply this process is writing, and how it is asked to stop."""

    message_id: int
    channel_id: int
    agent_id: int
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stopped_by: str = ""


local: dict[int, Running] = {}
"""This process's running replies, by message id."""


def _redis() -> redis.Redis | None:
    url = get_settings().redis_url
    return redis_client(url) if url else None


def _mark_running(message_id: int) -> None:
    if (client := _redis()) is not None:
        client.set(RUN_KEY.format(message_id), "1", ex=RUN_TTL)


def _clear_running(message_id: int) -> None:
    if (client := _redis()) is not None:
        client.delete(RUN_KEY.format(message_id), STOP_KEY.format(message_id))


@asynccontextmanager
async def lease(running: Running) -> AsyncIterator[None]:
    """Hold the reply's lease while the body runs (preparing, streaming and storing
    it): stoppable from here and, with Redis, from other workers, and never taken
    for an orphan however long a tool or the knowledge lookup takes."""
    local[running.message_id] = running
    try:
        await in_thread(_mark_running, running.message_id)
    except (redis.RedisError, OSError) as error:
        log.warning("cannot take the lease of reply %s: %s", running.message_id, error)
    keeper = asyncio.create_task(_keep(running))
    try:
        yield
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        local.pop(running.message_id, None)
        try:
            await in_thread(_clear_running, running.message_id)
        except (redis.RedisError, OSError):
            pass  # the keys expire on their own


async def _keep(running: Running) -> None:
    """Poll the stop key (set by a stop request on any worker) and refresh the lease."""
    client = _redis()
    if client is None:
        return
    stop_key, run_key = STOP_KEY.format(running.message_id), RUN_KEY.format(running.message_id)
    refreshed = time.monotonic()
    warned = False
    while True:
        await asyncio.sleep(STOP_POLL)
        try:
            if not running.stop.is_set() and (who := await in_thread(client.get, stop_key)) is not None:
                running.stopped_by = who.decode() if isinstance(who, bytes) else str(who)
                running.stop.set()
            if time.monotonic() - refreshed >= RUN_REFRESH:
                await in_thread(lambda: client.set(run_key, "1", ex=RUN_TTL))
                refreshed = time.monotonic()
        except (redis.RedisError, OSError) as error:
            if not warned:
                log.warning("cannot keep the lease of reply %s: %s", running.message_id, error)
                warned = True


def leased(message_ids: Iterable[int]) -> set[int]:
    """The replies among `message_ids` that somebody runs: this process, or (with
    Redis) any process whose lease is alive. Raises a Redis error when it cannot tell."""
    ids = list(message_ids)
    alive = {message_id for message_id in ids if message_id in local}
    client = _redis()
    if client is None or not ids:
        return alive
    pipe = client.pipeline(transaction=False)
    for message_id in ids:
        pipe.exists(RUN_KEY.format(message_id))
    return alive | {message_id for message_id, found in zip(ids, pipe.execute(), strict=True) if found}


StopSent = Literal["here", "remote", "nobody", "unreachable"]


async def request_stop(message_id: int, name: str) -> StopSent:
    """Ask the reply to stop wherever it runs: "nobody" when no process runs it
    (its process died), "unreachable" when Redis cannot be asked."""
    running = local.get(message_id)
    if running is not None:
        running.stopped_by = name
        running.stop.set()
        return "here"
    client = _redis()
    if client is None:
        return "nobody"

    def request() -> bool:
        if not client.exists(RUN_KEY.format(message_id)):
            return False
        client.set(STOP_KEY.format(message_id), name, ex=STOP_TTL)
        return True

    try:
        return "remote" if await in_thread(request) else "nobody"
    except (redis.RedisError, OSError) as error:
        log.warning("cannot send the stop request for reply %s: %s", message_id, error)
        return "unreachable"
