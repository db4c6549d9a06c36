"""An agent's knowledge documents on its page: upload, list, delete."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import knowledge
from neurocache_ui.settings import get_settings
from neurocache_ui.web.state.agents import AgentsState

UPLOAD_ID = "knowledge-upload"


async def receive_files(chunks: rx.UploadChunkIterator, limit: int) -> tuple[dict[str, bytes], dict[str, int]]:
    """The uploaded files as they stream in, keeping at most `limit` bytes of
    each: (name -> bytes of the files within the limit, name -> bytes received
    of those past it). Reflex hands the parts over as they are parsed, so a
    file is never held (in memory or on disk) beyond the limit.
    api/upload_guard.py already caps the whole request; this keeps the
    handler safe on its own."""
    kept: dict[str, bytearray] = {}
    too_large: dict[str, int] = {}
    if not hasattr(chunks, "__aiter__"):  # a forged event (any tab may send any arguments): no files
        return {}, {}
    async for chunk in chunks:  # drained to the end: Reflex requires it
        name = chunk.filename or "document"
        if name in too_large:
            too_large[name] += len(chunk.data)
            continue
        data = kept.setdefault(name, bytearray())
        data += chunk.data
        if len(data) > limit:
            too_large[name] = len(kept.pop(name))
    return {name: bytes(data) for name, data in kept.items()}, too_large


def to_row(document: knowledge.DocumentView) -> dict[str, Any]:
    return {
        "id": document.id,
        "filename": document.filename,
        "size": f"{document.size_bytes / 1024:.1f} KB",
        "chunks": document.chunk_count,
        "created_at": document.created_at.isoformat(),
    }


class KnowledgeState(AgentsState):
    documents: list[dict[str, Any]] = []
    knowledge_error: str = ""
    uploading: bool = False
    upload_progress: int = 0

    @rx.event
    async def load_documents(self):
        user = await self._user()
        if user is None or not self.agent_id:
            return
        try:
            docs = await asyncio.to_thread(knowledge.list_documents, user.id, self.agent_id)
        except NeurocacheError as error:
            self.knowledge_error = str(error)
            return
        self.documents = [to_row(d) for d in docs]

    @rx.event
    def upload_started(self):
        self.uploading = True
        self.upload_progress = 0
        self.knowledge_error = ""

    @rx.event
    def track_progress(self, progress: dict[str, Any]):
        self.upload_progress = round(float(progress.get("progress", 0)) * 100)

    @rx.event(background=True)
    async def upload(self, chunks: rx.UploadChunkIterator):
        """Each file is indexed on its own: one bad file does not lose the others.

        A background task, so the page's state is not locked while the files
        arrive and are read (a PDF may take up to NEUROCACHE_PDF_TIMEOUT_SECONDS):
        the tab stays usable and the state lock cannot expire mid-upload."""
        limit = get_settings().max_upload_bytes
        files, too_large = await receive_files(chunks, limit)
        async with self:
            self.uploading = False
            user = await self._user()
            agent_id = self.agent_id
        if user is None or not agent_id:
            async with self:
                self.knowledge_error = "Your session has ended. Log in again."
            return
        problems = []
        for name, size in too_large.items():
            try:
                knowledge.check_size(name, size)
            except NeurocacheError as error:
                problems.append(str(error))
        for name, data in files.items():
            try:
                await asyncio.to_thread(knowledge.add_document, user.id, agent_id, name, data)
            except NeurocacheError as error:
                problems.append(str(error) if name in str(error) else f"{name}: {error}")
        async with self:
            self.knowledge_error = " ".join(problems)
        yield rx.clear_selected_files(UPLOAD_ID)
        yield KnowledgeState.load_documents

    @rx.event
    async def delete_document(self, document_id: int):
        user = await self._user()
        if user is None:
            return
        try:
            await asyncio.to_thread(knowledge.delete_document, user.id, int(document_id))
        except NeurocacheError as error:
            self.knowledge_error = str(error)
            return
        self.documents = [d for d in self.documents if d["id"] != int(document_id)]
