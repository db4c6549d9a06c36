"""Request and response bodies of the knowledge endpoints (api/routes/knowledge.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from neurocache_ui.domain import limits
from neurocache_ui.services.knowledge import DocumentView
from neurocache_ui.services.knowledge.crawl import CrawlView


class KnowledgeDocumentOut(BaseModel):
    id: int
    filename: str = Field(description="The file's name (its path inside a .zip), or a crawled page's URL.")
    content_type: str
    size_bytes: int
    status: Literal["queued", "reading", "embedding", "ready", "failed"]
    status_reason: str = Field(description="Why it failed (empty otherwise).")
    passages: int = Field(description="Passages stored (known once read).")
    progress: dict[str, int] = Field(description='{"done", "total"}: passages embedded so far, of all.')
    created_at: datetime

    @classmethod
    def of(cls, view: DocumentView) -> KnowledgeDocumentOut:
        return cls(id=view.id, filename=view.filename, content_type=view.content_type, size_bytes=view.size_bytes,
                   status=view.status, status_reason=view.status_reason, passages=view.chunk_count,  # type: ignore[arg-type]
                   progress={"done": view.progress_done, "total": view.progress_total}, created_at=view.created_at)


class SkippedFile(BaseModel):
    filename: str
    reason: str = Field(description="Why it was not added, for people.")


class KnowledgeUploaded(BaseModel):
    object: Literal["list"] = "list"
    data: list[KnowledgeDocumentOut] = Field(description="The documents queued (status `queued`).")
    skipped: list[SkippedFile] = Field(description="Files not added (an unsupported type, a zip bomb, a `../` name …).")


class KnowledgeList(BaseModel):
    object: Literal["list"] = "list"
    data: list[KnowledgeDocumentOut]
    total: int = Field(description="Documents matching the filter, all pages.")
    has_more: bool
    counts: dict[str, int] = Field(description="The agent's documents per status (all of them, unfiltered).")


class KnowledgeUrlIn(BaseModel):
    url: str = Field(max_length=limits.URL_MAX, description="The page to start from (http or https, a public address).")
    depth: int = Field(default=1, ge=0, description="Link levels followed from it (0: that page only).")
    max_pages: int = Field(default=20, ge=1, description="The most pages added.")


class KnowledgeCrawlOut(BaseModel):
    id: int
    url: str
    depth: int
    max_pages: int
    status: Literal["queued", "crawling", "done", "failed"]
    status_reason: str
    pages: int = Field(description="Documents the crawl added (each processed like an upload).")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, view: CrawlView) -> KnowledgeCrawlOut:
        return cls(id=view.id, url=view.url, depth=view.depth, max_pages=view.max_pages, status=view.status,  # type: ignore[arg-type]
                   status_reason=view.status_reason, pages=view.pages, created_at=view.created_at,
                   finished_at=view.finished_at)


class KnowledgeCrawlList(BaseModel):
    object: Literal["list"] = "list"
    data: list[KnowledgeCrawlOut]


class KnowledgeSearchIn(BaseModel):
    query: str = Field(min_length=1, max_length=4000, description="A question, as a user would ask the agent.")
    limit: int = Field(default=4, ge=1, le=20, description="Passages wanted (a reply reads 4).")


class KnowledgePassage(BaseModel):
    document_id: int
    filename: str
    content: str
    score: float = Field(description="Higher is better; comparable within one search only.")


class KnowledgeSearchResult(BaseModel):
    object: Literal["list"] = "list"
    data: list[KnowledgePassage] = Field(description="Best first: exactly what a reply to `query` is given.")
