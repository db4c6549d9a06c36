"""Knowledge waiting to be processed and where it came from: the raw bytes of a
queued document (`knowledge_payload`, deleted once its passages are stored) and the
web crawls that added pages (`knowledge_crawl`, re-run by "Re-crawl", and
`knowledge_crawl_page`, which of its documents a crawl made).

Raw bytes live in their own table, not on the document row: the list of documents
(paged, polled while anything is processing) never drags megabytes along, and a
document's bytes go with one DELETE the moment they are no longer needed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import limits
from neurocache_ui.store.models import fk, link, timestamp


class KnowledgePayload(SQLModel, table=True):
    __tablename__ = "knowledge_payload"

    document_id: int = link("knowledge_document.id")
    data: bytes = Field(sa_type=sa.LargeBinary())


class KnowledgeCrawl(SQLModel, table=True):
    """"Add from the web": a start URL and its limits. `status` queued → crawling →
    done, or failed with `status_reason`; `pages` counts the documents it added."""

    __tablename__ = "knowledge_crawl"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE")
    owner_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    url: str = Field(max_length=limits.URL_MAX)
    depth: int
    max_pages: int
    status: str = Field(default="queued", max_length=16, index=True)
    status_reason: str = Field(default="", max_length=limits.DOCUMENT_REASON_MAX)
    pages: int = Field(default=0)
    created_at: datetime = timestamp()
    claimed_at: datetime | None = timestamp(nullable=True)
    finished_at: datetime | None = timestamp(nullable=True)


class KnowledgeCrawlPage(SQLModel, table=True):
    """A document a crawl made (a re-crawl replaces them); goes with either."""

    __tablename__ = "knowledge_crawl_page"

    document_id: int = link("knowledge_document.id")
    crawl_id: int = fk("knowledge_crawl.id", ondelete="CASCADE")
