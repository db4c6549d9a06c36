"""Background processing of knowledge documents (run by services/knowledge/background.py
in every worker process): it claims queued documents from the database a few at a time
(store/repositories/knowledge_ingest.claim: safe with several hosts), reads each in
the knowledge thread (parses in the confined parse processes), stores its passages,
has them embedded (`indexing.embed_document`), and marks it ready, or failed with the
reason. Between documents it yields to the event loop, so a 6,000-file archive never
holds up a page, a reply or another user's upload.

A worker that dies leaves its documents "reading" or "embedding": their lease
(`claimed_at`, refreshed as the work progresses) expires after LEASE_SECONDS and any
worker puts them back in the queue. Without Redis there is one process, so at start it
requeues all of them at once (a restart resumes where it stopped)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from neurocache_ui.domain.chunking import chunk_text
from neurocache_ui.domain.errors import Invalid, NeurocacheError
from neurocache_ui.domain.ingestion import EMBEDDING, FAILED, READY
from neurocache_ui.infra import threads
from neurocache_ui.infra.doorbell import Doorbell
from neurocache_ui.services.knowledge import indexing
from neurocache_ui.services.knowledge.formats import extract_text
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import knowledge_ingest as queue

log = logging.getLogger(__name__)

BATCH = 8
"""Documents claimed at once: small, so other hosts share a big upload and a claim's
lease never covers more work than a few files."""
LEASE_SECONDS = 300.0
SWEEP_SECONDS = 30.0
"""How often a worker looks for expired leases (a dead worker's documents wait up to LEASE + SWEEP)."""
PROGRESS_EVERY = 1.0
"""Seconds between two progress writes of one document (each also refreshes its lease)."""
INTERNAL = "could not be processed because of an internal error. Retry it, or delete it and upload it again."
FILE_GONE = "Its file is no longer stored. Delete it and upload it again."

bell = Doorbell()
wake = bell.ring
"""New work is queued: this process's worker looks now instead of at its next poll (any thread)."""


def passages(name: str, content_type: str, text: str, size: int, overlap: int) -> list[str]:
    """The document's passages cut with its agent's chunk settings; Invalid (with the
    reason) when it has none or too many."""
    chunks = chunk_text(text, size, overlap)
    if not chunks:
        hint = " Scanned PDFs need text recognition (OCR) first." if content_type == "application/pdf" else ""
        raise Invalid(f"{name} contains no text to learn from.{hint}", "file")
    max_chunks = get_settings().knowledge_max_chunks
    if len(chunks) > max_chunks:
        raise Invalid(
            f"{name} is too long: it makes {len(chunks):,} passages; the limit is {max_chunks:,}. "
            "Split it into smaller files.",
            "file",
        )
    return chunks


def _set(document_id: int, **values: object) -> None:
    with session_scope() as session:
        queue.set_state(session, document_id, **values)


def _progress(document_id: int):  # type: ignore[no-untyped-def]
    """An `on_progress(done, total)` that writes at most every PROGRESS_EVERY seconds (and the last step)."""
    last = 0.0

    def on_progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY or done >= total:
            last = now
            _set(document_id, progress_done=done, progress_total=total)

    return on_progress


def process_document(document_id: int) -> str:
    """Read, store and embed one claimed document; its final status (READY or FAILED),
    or "" when it was deleted meanwhile. Blocking: runs in the knowledge thread."""
    with session_scope() as session:
        found = queue.job(session, document_id)
        if found is None:
            return ""
        document, data = found
        name, content_type, agent_id, stored = document.filename, document.content_type, document.agent_id, document.chunk_count
        owner_id = document.owner_id
        size, overlap = queue.chunk_settings(session, agent_id)
    try:
        if data is not None:
            text = extract_text(name, data, content_type, owner_id=owner_id)
            chunks = passages(name, content_type, text, size, overlap)
            with session_scope() as session:
                if not queue.store_passages(session, document_id, agent_id, chunks, text=text, size=size, overlap=overlap):
                    return ""
        elif not stored:
            raise Invalid(FILE_GONE)
        else:
            _set(document_id, status=EMBEDDING)
        _embed(document_id, name)
    except Invalid as error:
        log.info("knowledge document %s (%s) failed: %s", document_id, name, error)
        _set(document_id, status=FAILED, status_reason=str(error)[:500], claimed_at=None)
        return FAILED
    except NeurocacheError:
        raise  # e.g. the database is unreachable: the lease expires and it is tried again
    except Exception:
        log.exception("knowledge document %s (%s) could not be processed", document_id, name)
        _set(document_id, status=FAILED, status_reason=f"{name} {INTERNAL}"[:500], claimed_at=None)
        return FAILED
    with session_scope() as session:
        queue.set_state(session, document_id, status=READY, status_reason="", claimed_at=None,
                        progress_done=queue.DOC.c.chunk_count, progress_total=queue.DOC.c.chunk_count)
    return READY


def _embed(document_id: int, name: str) -> None:
    """Vectors for its passages. A provider that fails leaves it found by its words for
    now: the background indexer (indexing.py) embeds it once the provider is back."""
    try:
        indexing.embed_document(document_id, _progress(document_id))
    except NeurocacheError as error:  # a database outage fails the next write too: the lease then runs out
        log.warning("embedding knowledge document %s (%s) failed, the indexer retries: %s", document_id, name, error)


_swept = 0.0


def claim_some(limit: int = BATCH) -> list[int]:
    """Claim queued documents, after putting back (every SWEEP_SECONDS) those whose
    worker's lease expired."""
    global _swept
    if time.monotonic() - _swept >= SWEEP_SECONDS:
        _swept = time.monotonic()
        requeue_expired()
    with session_scope() as session:
        return queue.claim(session, limit)


def requeue_expired() -> int:
    """Documents whose worker stopped refreshing its lease go back to the queue."""
    with session_scope() as session:
        return queue.requeue(session, claimed_before=utcnow() - timedelta(seconds=LEASE_SECONDS))


def recover() -> int:
    """At start without Redis (one process): documents it left half done go back to the queue."""
    if get_settings().redis_url:
        return 0
    with session_scope() as session:
        return queue.requeue(session)


async def run_once() -> int:
    """One claim's worth of documents, one at a time in the knowledge thread, yielding
    between them; how many were processed."""
    loop = asyncio.get_running_loop()
    claimed = await asyncio.to_thread(claim_some)
    for document_id in claimed:
        await loop.run_in_executor(threads.knowledge(), process_document, document_id)
        await asyncio.sleep(0)
    return len(claimed)


__all__ = ["claim_some", "requeue_expired", "bell", "passages", "process_document", "recover", "run_once", "wake"]
