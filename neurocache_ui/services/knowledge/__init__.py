"""Agents' knowledge: documents an agent learns from and the passages it finds in
them when it answers. The parts: `formats` (files to text), `documents` (storing,
listing, deleting), `retrieval` (the one search every caller uses)."""

from __future__ import annotations

from neurocache_ui.services.knowledge.documents import (
    DocumentView,
    add_document,
    check_size,
    delete_document,
    get_document,
    list_documents,
)
from neurocache_ui.services.knowledge.formats import SUPPORTED, SUPPORTED_IMAGES, extract_text
from neurocache_ui.services.knowledge.retrieval import SearchHit, query_terms, search

__all__ = [
    "SUPPORTED",
    "SUPPORTED_IMAGES",
    "DocumentView",
    "SearchHit",
    "add_document",
    "check_size",
    "delete_document",
    "extract_text",
    "get_document",
    "list_documents",
    "query_terms",
    "search",
]
