"""Adding knowledge: uploads (single files and .zip archives) are stored as they came
and queued, and the background worker (services/knowledge/worker.py) reads them; the
upload answers at once with what was queued and what was skipped, and why.
`add_document` stores and processes one file at once, for callers that need the
result before they go on (the CLI, seeds, tests): the same steps as the worker."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.ingestion import FAILED, READING
from neurocache_ui.services.knowledge import worker
from neurocache_ui.services.knowledge.archives import Archive, Member, Skipped
from neurocache_ui.services.knowledge.documents import (
    UNAVAILABLE,
    DocumentView,
    document_view,
    check_size,
    get_document,
    owned_agent,
)
from neurocache_ui.services.knowledge.formats import clean_filename, content_type_of, is_archive
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import KnowledgeDocument
from neurocache_ui.store.repositories import knowledge as repo
from neurocache_ui.store.repositories import knowledge_ingest as queue

log = logging.getLogger(__name__)

INSERT_BATCH = 200
"""Files stored per transaction: a 6,000-file archive is 30 short transactions, and
the worker can start on the first files while the rest are still being stored."""


@dataclass
class Added:
    """What an upload queued, and what it skipped (each with a sentence saying why)."""

    documents: list[DocumentView] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _files(name: str, data: bytes, added: Added) -> Iterable[Member]:
    """The documents one uploaded file holds: itself, or an archive's files."""
    if is_archive(name):
        check_size(name, len(data))
        for item in Archive(name, data).members():
            if isinstance(item, Skipped):
                added.skipped.append(item)
            else:
                yield item
        return
    content_type = content_type_of(name)
    check_size(name, len(data))
    yield Member(name, content_type, data)


def enqueue_files(owner_id: int, agent_id: int, files: Iterable[tuple[str, bytes]]) -> Added:
    """Store the uploaded files (an archive's files one by one) and queue them. Invalid
    files and archive entries are skipped with their reason; an archive refused as a
    whole (a bomb, too many files) is one skipped entry. NotFound for another's agent."""
    added = Added()
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
    batch: list[tuple[str, str, bytes]] = []

    def store() -> None:
        with database_guard(UNAVAILABLE), session_scope() as session:
            owned_agent(session, owner_id, agent_id)
            added.documents += [document_view(row) for row in queue.insert_queued(session, agent_id, owner_id, batch)]
        batch.clear()
        worker.wake()

    for filename, data in files:
        name = filename or "document"
        try:
            name = clean_filename(filename)
            for member in _files(name, data, added):
                batch.append((member.name, member.content_type, member.data))
                if len(batch) >= INSERT_BATCH:
                    store()
        except Invalid as error:
            added.skipped.append(Skipped(name, str(error)))
    if batch:
        store()
    log.info("agent %s: %d knowledge documents queued, %d skipped", agent_id, len(added.documents), len(added.skipped))
    return added


def add_document(owner_id: int, agent_id: int, filename: str, data: bytes) -> DocumentView:
    """Store one file as the agent's knowledge and process it now (the worker's steps);
    the document, ready. Invalid (with `field="file"`) when it cannot be learned from:
    then nothing is kept. NotFound for an agent that is not the owner's."""
    name = clean_filename(filename)
    content_type = content_type_of(name)
    check_size(name, len(data))
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        [row] = queue.insert_queued(session, agent_id, owner_id, [(name, content_type, data)], status=READING)
        document_id = row.id
    assert document_id is not None
    if worker.process_document(document_id) == FAILED:
        with database_guard(UNAVAILABLE), session_scope() as session:
            document = session.get(KnowledgeDocument, document_id)
            reason = document.status_reason if document is not None else ""
            if document is not None:
                repo.delete_document(session, document)
        raise Invalid(reason or f"{name} could not be read.", "file")
    view = get_document(owner_id, document_id)
    log.info("agent %s learned %s (%d chunks)", agent_id, name, view.chunk_count)
    return view
