"""Keeping passages searchable by meaning: their vectors (`embed_document`, called
after a document's passages are stored) and the background indexer every worker
runs, which re-chunks documents whose agent's chunk settings changed and embeds
passages that have no vector of the current model (the model changed, or embedding
failed earlier). Work is claimed per document in the database with a lease, so
several hosts share it and a dead host's document is taken over. Retrieval keeps
working meanwhile: full text needs no vectors, and vectors of another model are ignored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from neurocache_ui.domain.chunking import chunk_text, embedding_text, headings, title_of
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.infra import embeddings
from neurocache_ui.services.knowledge.access import UNAVAILABLE, owned_agent
from neurocache_ui.services.usage.recorder import UsageRecord, record
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Agent, utcnow
from neurocache_ui.store.repositories import knowledge_index as repo

log = logging.getLogger(__name__)

BATCH = 256
"""Passages embedded and written per transaction (and per progress report)."""
LEASE = timedelta(minutes=5)
"""How long a claimed document is a host's; a batch takes well under a second with the built-in model."""
RETRY_AFTER = timedelta(minutes=1)
"""A document whose embedding failed (provider down) is tried again after this."""
WORK_PER_ROUND = 8
BUSY_PAUSE = 0.2
IDLE_PAUSE = 5.0


@dataclass(frozen=True)
class IndexProgress:
    """What the Knowledge tab shows while the indexer works on an agent."""

    model: str
    embedded: int
    total: int
    rechunking: int
    """Documents waiting to be cut again with the agent's new chunk settings."""

    @property
    def done(self) -> bool:
        return self.embedded >= self.total and not self.rechunking


def _record_usage(owner_id: int, agent_id: int, done: embeddings.Embedded) -> None:
    if done.calls:
        record(UsageRecord(owner_id, "hub", model=done.model, prompt_tokens=done.prompt_tokens,
                           latency_ms=done.latency_ms, agent_id=agent_id))


def embed_document(document_id: int, on_progress: Callable[[int, int], None] | None = None) -> None:
    """Give the document's passages that have no vector of the current model one,
    `BATCH` at a time, calling `on_progress(embedded, total)` after each. Synchronous:
    call it in a worker thread. Nothing to do (no passages, a deleted document) is
    no error; Unavailable when the provider's embeddings fail for good."""
    model = embeddings.current_model()
    with database_guard(UNAVAILABLE), session_scope() as session:
        document = repo.document(session, document_id)
        if document is None:
            return
        agent_id, owner_id, filename, text = document.agent_id, document.owner_id, document.filename, document.text or ""
        pending = list(repo.chunks_without(session, document_id, model))
    total = len(pending)
    if total:
        embedder = embeddings.embedder()
        title = title_of(filename)
        contexts = headings(text, [row.content for row in pending])
        for start in range(0, total, BATCH):
            rows = pending[start : start + BATCH]
            texts = [embedding_text(title, heading, row.content) for row, heading in zip(rows, contexts[start:], strict=False)]
            done = embedder.embed(texts)
            _record_usage(owner_id, agent_id, done)
            with database_guard(UNAVAILABLE), session_scope() as session:
                repo.store_vectors(session, agent_id, model,
                                   [(row.id, embeddings.to_bytes(vector)) for row, vector in zip(rows, done.vectors, strict=True)])
            if on_progress is not None:
                on_progress(min(start + BATCH, total), total)
    with database_guard(UNAVAILABLE), session_scope() as session:
        if not repo.chunks_without(session, document_id, model):  # re-chunked meanwhile: the indexer comes back
            repo.mark_embedded(session, document_id, model)
    if on_progress is not None and not total:
        on_progress(0, 0)


def _rechunk(document_id: int) -> None:
    """Cut the document again with its agent's chunk settings, if they changed."""
    with session_scope() as session:
        document = repo.document(session, document_id)
        agent = session.get(Agent, document.agent_id) if document is not None else None
        if document is None or agent is None or document.text is None:
            return
        if (document.chunk_size, document.chunk_overlap) == (agent.chunk_size, agent.chunk_overlap):
            return
        chunks = chunk_text(document.text, agent.chunk_size, agent.chunk_overlap)
        repo.replace_chunks(session, document, chunks, agent.chunk_size, agent.chunk_overlap)
        log.info("re-chunked document %s of agent %s: %d passages", document_id, agent.id, len(chunks))


def index_round(limit: int = WORK_PER_ROUND) -> int:
    """Claim and do up to `limit` documents' pending work; how many were done."""
    model = embeddings.current_model()
    now = utcnow()
    with session_scope() as session:
        candidates = repo.work(session, model, now, limit)
    done = 0
    for document_id in candidates:
        with session_scope() as session:
            if not repo.claim(session, document_id, utcnow(), utcnow() + LEASE):
                continue  # another host took it
        try:
            _rechunk(document_id)
            embed_document(document_id)
        except NeurocacheError as error:
            log.warning("indexing document %s failed, trying again later: %s", document_id, error)
            with session_scope() as session:  # keep the claim a while, so a provider outage is no busy loop
                repo.release(session, document_id, until=utcnow() + RETRY_AFTER)
            continue
        with session_scope() as session:
            repo.release(session, document_id)
        done += 1
    return done


async def indexer_forever() -> None:
    """Lifespan task of every worker: index while there is work, look again every IDLE_PAUSE."""
    while True:
        try:
            did = await asyncio.to_thread(index_round)
        except Exception:
            log.exception("knowledge indexing round failed")
            did = 0
        await asyncio.sleep(BUSY_PAUSE if did else IDLE_PAUSE)


def progress(owner_id: int, agent_id: int) -> IndexProgress:
    """The agent's passages with a vector of the current model, and documents waiting to be re-chunked."""
    model = embeddings.current_model()
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        embedded, total = repo.progress(session, agent_id, model)
        return IndexProgress(model, embedded, total, repo.rechunking(session, agent_id))


def embedding_setup() -> dict[str, str]:
    """What a retrieval test run records about the embeddings it ran with."""
    settings = get_settings()
    return {"embedding_model": embeddings.current_model(settings)}
