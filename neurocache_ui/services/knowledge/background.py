"""The knowledge lifespan task of every worker process: queued documents
(services/knowledge/worker.py) and web crawls (services/knowledge/crawl.py), taken
from the database as they come, forever. An upload in this process wakes it at
once; work queued by another host is found within IDLE_SECONDS (5 s)."""

from __future__ import annotations

import asyncio
import logging

from neurocache_ui.infra.doorbell import work_forever
from neurocache_ui.services.knowledge import crawl, worker

log = logging.getLogger(__name__)

IDLE_SECONDS = 5.0
"""How often an idle worker looks for queued work (an upload to this process wakes it at
once; another host's is found within this): idle polling costs every worker two claims."""


async def ingest_loop() -> None:
    """Lifespan task: process the knowledge queue and crawls, forever."""
    try:
        recovered = await asyncio.to_thread(worker.recover) + await asyncio.to_thread(crawl.recover)
        if recovered:
            log.info("requeued %d knowledge documents and crawls left unfinished", recovered)
    except Exception:
        log.exception("could not requeue unfinished knowledge documents; their leases will expire")

    async def work() -> int:  # queued work found during the recovery is taken at once
        return await worker.run_once() + await crawl.run_once()

    await work_forever(worker.bell, work, idle=IDLE_SECONDS, name="knowledge worker")


__all__ = ["ingest_loop"]
