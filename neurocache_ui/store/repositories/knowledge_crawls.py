"""Web crawls of knowledge ("Add from the web"): claimed by one worker like queued
documents (Postgres `FOR UPDATE SKIP LOCKED`; SQLite's single writer), leased while
they run, and the documents each made (`knowledge_crawl_page`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.ingestion import CRAWLING, QUEUED
from neurocache_ui.store.ingest_models import KnowledgeCrawl, KnowledgeCrawlPage
from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument, utcnow
from neurocache_ui.store.repositories.knowledge import bump_stamp

CRAWL = KnowledgeCrawl.__table__  # type: ignore[attr-defined]
PAGE = KnowledgeCrawlPage.__table__  # type: ignore[attr-defined]

_CLAIM = """
    UPDATE knowledge_crawl SET status = :crawling, claimed_at = :now, status_reason = ''
    WHERE id IN (SELECT id FROM knowledge_crawl WHERE status = :queued ORDER BY id LIMIT 1{lock})
    RETURNING id
"""


def claim(session: Session) -> KnowledgeCrawl | None:
    """The oldest queued crawl, now "crawling" under this caller's lease."""
    lock = " FOR UPDATE SKIP LOCKED" if session.connection().dialect.name == "postgresql" else ""
    found = session.execute(sa.text(_CLAIM.format(lock=lock)), {"crawling": CRAWLING, "queued": QUEUED, "now": utcnow()}).first()
    return session.get(KnowledgeCrawl, found.id) if found is not None else None


def requeue(session: Session, claimed_before: datetime | None = None) -> int:
    """Crawls whose worker stopped (lease older than `claimed_before`, or all) go back to the queue."""
    condition = CRAWL.c.status == CRAWLING
    if claimed_before is not None:
        condition = condition & ((CRAWL.c.claimed_at < claimed_before) | CRAWL.c.claimed_at.is_(None))
    return int(session.execute(sa.update(CRAWL).where(condition).values(status=QUEUED, claimed_at=None)).rowcount or 0)  # type: ignore[attr-defined]


def update(session: Session, crawl_id: int, **values: object) -> None:
    session.execute(sa.update(CRAWL).where(CRAWL.c.id == crawl_id).values(**values))


def page_ids(session: Session, crawl_id: int) -> list[int]:
    return list(session.scalars(sa.select(PAGE.c.document_id).where(PAGE.c.crawl_id == crawl_id)))


def add_page(session: Session, crawl_id: int, document_id: int) -> None:
    session.execute(sa.insert(PAGE).values(crawl_id=crawl_id, document_id=document_id))


def delete_documents(session: Session, document_ids: Sequence[int]) -> None:
    """The documents and their passages (explicitly, like repositories/knowledge.delete_document);
    their agents' stamps move, so no process keeps searching the passages' vectors."""
    if document_ids:
        agents = set(session.scalars(sa.select(KnowledgeDocument.agent_id).where(KnowledgeDocument.id.in_(document_ids))))  # type: ignore[union-attr]
        session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.document_id.in_(document_ids)))  # type: ignore[attr-defined]
        session.execute(sa.delete(KnowledgeDocument).where(KnowledgeDocument.id.in_(document_ids)))  # type: ignore[union-attr]
        for agent_id in agents:
            bump_stamp(session, agent_id)


def of_agent(session: Session, agent_id: int, limit: int) -> Sequence[KnowledgeCrawl]:
    """Newest first."""
    return session.scalars(
        sa.select(KnowledgeCrawl).where(CRAWL.c.agent_id == agent_id).order_by(CRAWL.c.id.desc()).limit(limit)
    ).all()


def owned(session: Session, owner_id: int, crawl_id: int) -> KnowledgeCrawl | None:
    return session.scalars(
        sa.select(KnowledgeCrawl)
        .join(Agent, Agent.id == CRAWL.c.agent_id)  # type: ignore[arg-type]
        .where(CRAWL.c.id == crawl_id, CRAWL.c.owner_id == owner_id, Agent.owner_id == owner_id)
    ).first()
