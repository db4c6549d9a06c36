"""Embedding a document's passages. The retrieval branch provides this module's real
`embed_document`; until then it does nothing, and knowledge is found by full text only."""

from __future__ import annotations

from collections.abc import Callable


def embed_document(document_id: int, on_progress: Callable[[int, int], None] | None = None) -> None:
    """Embed the passages of document `document_id` that have no vector yet, telling
    `on_progress(done, total)` as it goes (synchronous: call it in a worker thread).
    Provided by the retrieval branch (services/knowledge/indexing.py there)."""
