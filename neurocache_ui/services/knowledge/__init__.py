"""Agents' knowledge: documents an agent learns from and the passages it finds in
them when it answers. The parts: `formats` (files to text), `archives` (.zip uploads),
`ingest` (adding: queued uploads, or at once), `worker` (the background processing),
`crawl` ("Add from the web"), `documents` (listing, retrying, deleting), `retrieval`
(the one search every caller uses)."""

from __future__ import annotations

from neurocache_ui.services.knowledge.archives import Skipped
from neurocache_ui.services.knowledge.documents import (
    DocumentPage,
    DocumentView,
    check_size,
    delete_document,
    get_document,
    list_documents,
    page_documents,
    request_limit,
    retry_document,
    upload_limit,
)
from neurocache_ui.services.knowledge.formats import SUPPORTED, SUPPORTED_IMAGES, extract_text
from neurocache_ui.services.knowledge.ingest import Added, add_document, enqueue_files
from neurocache_ui.services.knowledge.retrieval import SearchHit, query_terms, search

__all__ = [
    "SUPPORTED",
    "SUPPORTED_IMAGES",
    "Added",
    "DocumentPage",
    "DocumentView",
    "SearchHit",
    "Skipped",
    "add_document",
    "check_size",
    "delete_document",
    "enqueue_files",
    "extract_text",
    "get_document",
    "list_documents",
    "page_documents",
    "query_terms",
    "request_limit",
    "retry_document",
    "search",
    "upload_limit",
]
