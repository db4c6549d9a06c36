"""/agents/{slug}/knowledge: an agent's knowledge over the API, the same services as
the hub's Knowledge tab. Uploads (multipart: single files and .zip archives) are
stored and queued, processed in the background: poll the list or a document for its
status. The body limit of these uploads is the knowledge one
(`knowledge.request_limit()`), not the API's JSON cap (api/middleware.py). Search
returns exactly the passages a reply to the same question is given. Another user's
agent or document is 404 on every path."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.knowledge_schemas import (
    KnowledgeCrawlList,
    KnowledgeCrawlOut,
    KnowledgeDocumentOut,
    KnowledgeList,
    KnowledgePassage,
    KnowledgeSearchIn,
    KnowledgeSearchResult,
    KnowledgeUploaded,
    KnowledgeUrlIn,
    SkippedFile,
)
from neurocache_ui.domain import reply_rules
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import agents, knowledge
from neurocache_ui.services.knowledge import crawl, documents

router = APIRouter(prefix="/agents/{slug}/knowledge", tags=["knowledge"])


def _agent_id(owner_id: int, slug: str) -> int:
    return agents.get_agent(owner_id, slug).id


def _document(owner_id: int, slug: str, document_id: int) -> knowledge.DocumentView:
    """The document, if it is this agent's (NotFound otherwise, like another's)."""
    agent_id = _agent_id(owner_id, slug)
    view = knowledge.get_document(owner_id, document_id)
    if view.agent_id != agent_id:
        raise NotFound(documents.DOCUMENT_NOT_FOUND)
    return view


@router.post("", response_model=KnowledgeUploaded, status_code=202, summary="Upload knowledge files or a .zip")
async def upload(slug: str, key: WriteKey, files: Annotated[list[UploadFile], File(description="Files or .zip archives.")]) -> KnowledgeUploaded:
    agent_id = await asyncio.to_thread(_agent_id, key.user_id, slug)
    received: list[tuple[str, bytes]] = []
    refused: list[SkippedFile] = []
    for file in files:
        name = file.filename or "document"
        size = file.size or 0
        limit = knowledge.upload_limit(name)
        if size > limit:
            try:
                knowledge.check_size(name, size)
            except Invalid as error:
                refused.append(SkippedFile(filename=name, reason=str(error)))
            continue
        received.append((name, await file.read(limit + 1)))
    added = await asyncio.to_thread(knowledge.enqueue_files, key.user_id, agent_id, received)
    skipped = refused + [SkippedFile(filename=item.name, reason=item.reason) for item in added.skipped]
    return KnowledgeUploaded(data=[KnowledgeDocumentOut.of(view) for view in added.documents], skipped=skipped)


@router.get("", response_model=KnowledgeList, summary="List an agent's knowledge documents")
def list_documents(
    slug: str,
    key: ReadKey,
    status: Annotated[str, Query(description="queued, reading, embedding, ready, failed, or pending (not yet ready or failed).")] = "",
    search: Annotated[str, Query(max_length=200, description="A part of the file name.")] = "",
    limit: Annotated[int, Query(ge=1, le=documents.PAGE_MAX)] = documents.PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> KnowledgeList:
    page = knowledge.page_documents(key.user_id, _agent_id(key.user_id, slug), status=status, search=search,
                                    limit=limit, offset=offset)
    return KnowledgeList(data=[KnowledgeDocumentOut.of(view) for view in page.documents], total=page.total,
                         has_more=offset + len(page.documents) < page.total, counts=page.counts)


@router.post("/urls", response_model=KnowledgeCrawlOut, status_code=202, summary="Add pages from the web")
async def add_url(slug: str, body: KnowledgeUrlIn, key: WriteKey) -> KnowledgeCrawlOut:
    agent_id = await asyncio.to_thread(_agent_id, key.user_id, slug)
    return KnowledgeCrawlOut.of(await crawl.start_crawl(key.user_id, agent_id, body.url, body.depth, body.max_pages))


@router.get("/urls", response_model=KnowledgeCrawlList, summary="An agent's web sources")
def list_urls(slug: str, key: ReadKey) -> KnowledgeCrawlList:
    return KnowledgeCrawlList(data=[KnowledgeCrawlOut.of(v) for v in crawl.list_crawls(key.user_id, _agent_id(key.user_id, slug))])


@router.post("/urls/{crawl_id}/recrawl", response_model=KnowledgeCrawlOut, status_code=202, summary="Re-crawl a web source")
def recrawl(slug: str, crawl_id: int, key: WriteKey) -> KnowledgeCrawlOut:
    return KnowledgeCrawlOut.of(crawl.recrawl(key.user_id, crawl_id, agent_id=_agent_id(key.user_id, slug)))


@router.post("/search", response_model=KnowledgeSearchResult, summary="The passages the agent would read")
def search(slug: str, body: KnowledgeSearchIn, key: ReadKey) -> KnowledgeSearchResult:
    """What a reply to `query` is given (the reply pipeline's query and search); nothing
    when the agent's knowledge is switched off, since its replies read none."""
    agent = agents.get_agent(key.user_id, slug)
    query = reply_rules.knowledge_query(body.query)
    hits = knowledge.search(agent.id, query, body.limit, owner_id=key.user_id) if agent.knowledge_enabled and query else []
    return KnowledgeSearchResult(data=[
        KnowledgePassage(document_id=hit.document_id, filename=hit.filename, content=hit.content, score=hit.score)
        for hit in hits
    ])


@router.get("/{document_id}", response_model=KnowledgeDocumentOut, summary="One knowledge document and its status")
def get_document(slug: str, document_id: int, key: ReadKey) -> KnowledgeDocumentOut:
    return KnowledgeDocumentOut.of(_document(key.user_id, slug, document_id))


@router.post("/{document_id}/retry", response_model=KnowledgeDocumentOut, status_code=202, summary="Retry a failed document")
def retry(slug: str, document_id: int, key: WriteKey) -> KnowledgeDocumentOut:
    _document(key.user_id, slug, document_id)
    return KnowledgeDocumentOut.of(knowledge.retry_document(key.user_id, document_id))


@router.delete("/{document_id}", status_code=204, response_class=Response, summary="Delete a knowledge document")
def delete(slug: str, document_id: int, key: WriteKey) -> Response:
    _document(key.user_id, slug, document_id)
    knowledge.delete_document(key.user_id, document_id)
    return Response(status_code=204)
