"""An agent's knowledge documents on its page: upload, list, delete."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.core import knowledge
from neurocache_ui.core.errors import NeurocacheError
from neurocache_ui.core.settings import get_settings
from neurocache_ui.state.agents import AgentsState

UPLOAD_ID = "knowledge-upload"
READ_CHUNK_BYTES = 64 * 1024


async def read_capped(file: rx.UploadFile, limit: int) -> bytes:
    """The file's bytes, read in chunks and never more than `limit` + 1 of them:
    one byte past the limit is enough to refuse it. api/upload_guard.py already
    caps the whole request; this keeps the handler safe on its own."""
    data = bytearray()
    while len(data) <= limit:
        chunk = await file.read(min(READ_CHUNK_BYTES, limit + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


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

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Each file is indexed on its own: one bad file does not lose the others."""
        self.uploading = False
        user = await self._user()
        if user is None or not self.agent_id:
            self.knowledge_error = "Your session has ended. Log in again."
            return
        problems = []
        limit = get_settings().max_upload_bytes
        for file in files:
            name = file.name or "document"
            try:
                data = await read_capped(file, limit)
                if len(data) > limit:
                    knowledge.check_size(name, max(file.size or 0, len(data)))
                await asyncio.to_thread(knowledge.add_document, user.id, self.agent_id, name, data)
            except NeurocacheError as error:
                problems.append(f"{name}: {error}")
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
