"""The outbox's drain: every worker process runs `deliver_forever` (a lifespan task).
A pass claims due deliveries (a lease of LEASE_SECONDS, SKIP LOCKED on Postgres so
several hosts share the work and never send one row twice at once), POSTs them
concurrently with their signature, then logs every attempt and moves each delivery
on: delivered, retried with exponential backoff, or failed. A worker that dies
mid-send leaves its rows to be claimed again when the lease ends, so a delivery may
arrive twice (at least once: receivers drop repeats by the body's `id`), but is never lost.

The signature covers "<timestamp>.<body>" (domain/webhooks.signature); the timestamp
is of the attempt, so receivers can refuse old ones without refusing retries."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

import httpx2

from neurocache_ui.domain.webhooks import ERROR_MAX, RESPONSE_MAX, TIMEOUT_SECONDS, signed_headers, succeeded
from neurocache_ui.infra.doorbell import work_forever
from neurocache_ui.infra.web import post as outbound
from neurocache_ui.services.webhooks import notices, outbox
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import webhooks as repo
from neurocache_ui.store.repositories.webhooks import Due

log = logging.getLogger(__name__)

BATCH = 32
"""Deliveries one pass claims: twice CONCURRENCY, so a pass is short and what arrives
meanwhile waits little (a pass sends its whole batch before it logs and claims again)."""
CONCURRENCY = 16
"""POSTs in flight at once per worker process."""
LEASE_SECONDS = 60.0
"""Longer than a POST may take (TIMEOUT_SECONDS) with room to log it."""
IDLE_SECONDS = 1.0
"""How often a worker looks for work another process queued; its own rings at once."""


class Deliverer:
    """One process's sender: its HTTP client lives as long as it does."""

    def __init__(self) -> None:
        self._http: httpx2.AsyncClient | None = None
        self._slots = asyncio.Semaphore(CONCURRENCY)

    def _client(self) -> httpx2.AsyncClient:
        if self._http is None:
            self._http = outbound.client(timeout=TIMEOUT_SECONDS, max_bytes=RESPONSE_MAX)
        return self._http

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim what is due (at `now`, default: the clock) and send it; how many were sent."""
        moment = now or utcnow()
        dues = await asyncio.to_thread(_claim, moment)
        if not dues:
            return 0
        results = await asyncio.gather(*(self._send(due) for due in dues))
        await asyncio.to_thread(_settle, list(zip(dues, results, strict=True)), now)
        return len(dues)

    async def _send(self, due: Due) -> outbound.Posted:
        async with self._slots:
            body = due.payload.encode()
            headers = signed_headers(due.secret, int(time.time()), body, event=due.event, delivery_id=due.id)
            return await outbound.post(self._client(), due.url, body, headers)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def _claim(now: datetime) -> list[Due]:
    with session_scope() as session:
        return repo.claim(session, now, now + timedelta(seconds=LEASE_SECONDS), BATCH)


def _settle(results: list[tuple[Due, outbound.Posted]], now: datetime | None) -> None:
    """The pass's attempts, logged in one transaction."""
    outcomes = []
    for due, posted in results:
        ok = succeeded(posted.status_code) and not posted.error
        error = posted.error or ("" if ok else f"The receiver answered HTTP {posted.status_code}.")
        outcomes.append(repo.Outcome(due, posted.status_code, error[:ERROR_MAX], posted.duration_ms, ok))
    with session_scope() as session:
        disabled = repo.record(session, outcomes, now or utcnow())
    for webhook_id in disabled:
        log.warning("outgoing webhook %s turned off after repeated failures", webhook_id)
    notices.tell_owners(disabled)


async def deliver_forever() -> None:
    """Lifespan task: drain the outbox, forever; closes its client when cancelled."""
    deliverer = Deliverer()
    try:
        await work_forever(outbox.bell, deliverer.run_once, idle=IDLE_SECONDS, name="webhook delivery")
    finally:
        await deliverer.close()


__all__ = ["BATCH", "Deliverer", "deliver_forever"]
