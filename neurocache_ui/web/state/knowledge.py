"""An agent's knowledge documents on its page: upload (files and .zip archives, stored
and queued; the server's worker reads them), the paged list with each document's
status and progress (polled while any is still being processed), retry, delete, and
"Add from the web" with its sources and "Re-crawl"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import knowledge
from neurocache_ui.services.knowledge import crawl
from neurocache_ui.services.knowledge.documents import FILTERS, size_text
from neurocache_ui.web.state.agents import AgentsState

UPLOAD_ID = "knowledge-upload"
PAGE_SIZE = 25
POLL_SECONDS = 1.0
"""How often an open Knowledge tab refreshes its list while documents are being processed."""
SKIPPED_SHOWN = 5
CRAWL_ACTIVE = ("queued", "crawling")


async def receive_files(
    chunks: rx.UploadChunkIterator, limit: Callable[[str], int]
) -> tuple[dict[str, bytes], dict[str, int]]:
    """The uploaded files as they stream in, keeping at most `limit(name)` bytes of each
    (knowledge: a .zip's or a document's limit; images: one size for all): (name -> bytes of the files within it, name -> bytes
    received of those past it). Reflex hands the parts over as they are parsed, so a
    file is never held (in memory or on disk) beyond its limit.
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
        if len(data) > limit(name):
            too_large[name] = len(kept.pop(name))
    return {name: bytes(data) for name, data in kept.items()}, too_large


def to_row(document: knowledge.DocumentView) -> dict[str, Any]:
    total = document.progress_total
    return {
        "id": document.id,
        "filename": document.filename,
        "size": size_text(document.size_bytes),
        "chunks": document.chunk_count,
        "created_at": document.created_at.isoformat(),
        "status": document.status,
        "reason": document.status_reason,
        "percent": round(100 * document.progress_done / total) if total else 0,
        "progress": f"{document.progress_done:,} of {total:,} passages" if total else "",
    }


def crawl_row(view: crawl.CrawlView) -> dict[str, Any]:
    return {"id": view.id, "url": view.url, "status": view.status, "reason": view.status_reason, "pages": view.pages,
            "limits": f"depth {view.depth}, up to {view.max_pages} pages", "active": view.status in CRAWL_ACTIVE}


def skipped_text(skipped: list[knowledge.Skipped]) -> str:
    """What an upload left out, in a few sentences."""
    shown = " ".join(item.reason for item in skipped[:SKIPPED_SHOWN])
    more = len(skipped) - SKIPPED_SHOWN
    return shown + (f" … and {more:,} more files skipped." if more > 0 else "")


class KnowledgeState(AgentsState):
    documents: list[dict[str, Any]] = []
    doc_total: int = 0
    doc_pending: int = 0
    doc_ready: int = 0
    doc_failed: int = 0
    doc_filter: str = ""
    doc_search: str = ""
    doc_page: int = 0
    crawls: list[dict[str, Any]] = []
    knowledge_error: str = ""
    knowledge_notice: str = ""
    uploading: bool = False
    upload_progress: int = 0
    watching: bool = False
    crawl_open: bool = False
    crawl_error: str = ""

    @rx.var
    def doc_pages(self) -> int:
        return max(1, -(-self.doc_total // PAGE_SIZE))

    @rx.var
    def doc_count_text(self) -> str:
        shown = "document" if self.doc_total == 1 else "documents"
        parts = [f"{self.doc_total:,} {shown}"]
        if self.doc_pending:
            parts.append(f"{self.doc_pending:,} processing")
        if self.doc_failed:
            parts.append(f"{self.doc_failed:,} failed")
        return " · ".join(parts)

    async def _refresh(self) -> bool:
        """Load the page, counts and web sources; whether anything is still being processed."""
        user = await self._user()
        if user is None or not self.agent_id:
            return False
        try:
            page = await asyncio.to_thread(knowledge.page_documents, user.id, self.agent_id, status=self.doc_filter,
                                           search=self.doc_search, limit=PAGE_SIZE, offset=self.doc_page * PAGE_SIZE)
            crawls = await asyncio.to_thread(crawl.list_crawls, user.id, self.agent_id)
        except NeurocacheError as error:
            self.knowledge_error = str(error)
            return False
        self.documents = [to_row(d) for d in page.documents]
        self.doc_total = page.total
        self.doc_pending = page.pending
        self.doc_ready = page.counts.get("ready", 0)
        self.doc_failed = page.counts.get("failed", 0)
        self.crawls = [crawl_row(view) for view in crawls]
        return bool(page.pending) or any(row["active"] for row in self.crawls)

    @rx.event
    async def load_documents(self):
        if await self._refresh():
            return KnowledgeState.watch_documents

    @rx.event(background=True)
    async def watch_documents(self):
        """Refresh the list every POLL_SECONDS while documents are processed or a crawl
        runs; one watcher per tab (it stops when nothing is left to watch)."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            busy = True
            while busy:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    busy = await self._refresh()
        finally:
            async with self:
                self.watching = False

    @rx.event
    async def set_doc_filter(self, value: str):
        self.doc_filter = value if value in FILTERS else ""
        self.doc_page = 0
        await self._refresh()

    @rx.event
    async def set_doc_search(self, value: str):
        self.doc_search = str(value)[:200]
        self.doc_page = 0
        await self._refresh()

    @rx.event
    async def turn_page(self, step: int):
        self.doc_page = max(0, min(self.doc_page + (1 if int(step) > 0 else -1), self.doc_pages - 1))
        await self._refresh()

    @rx.event
    def upload_started(self):
        self.uploading = True
        self.upload_progress = 0
        self.knowledge_error = ""
        self.knowledge_notice = ""

    @rx.event
    def track_progress(self, progress: dict[str, Any]):
        self.upload_progress = round(float(progress.get("progress", 0)) * 100)

    @rx.event(background=True)
    async def upload(self, chunks: rx.UploadChunkIterator):
        """Store the files (a .zip's one by one) and queue them: the worker reads them
        while the list shows their progress. A background task, so the page's state is
        not locked while a large archive arrives and is stored."""
        files, too_large = await receive_files(chunks, knowledge.upload_limit)
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
        try:
            added = await asyncio.to_thread(knowledge.enqueue_files, user.id, agent_id, list(files.items()))
        except NeurocacheError as error:
            problems.append(str(error))
            added = knowledge.Added()
        async with self:
            queued = len(added.documents)
            self.knowledge_notice = f"{queued:,} {'file' if queued == 1 else 'files'} queued." if queued else ""
            self.knowledge_error = " ".join([*problems, skipped_text(added.skipped)]).strip()
            self.doc_page = 0
        yield rx.clear_selected_files(UPLOAD_ID)
        yield KnowledgeState.load_documents

    @rx.event
    async def retry_document(self, document_id: int):
        user = await self._user()
        if user is None:
            return
        try:
            await asyncio.to_thread(knowledge.retry_document, user.id, int(document_id))
        except NeurocacheError as error:
            self.knowledge_error = str(error)
            return
        return KnowledgeState.load_documents

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
        await self._refresh()

    @rx.event
    def set_crawl_open(self, open_: bool):
        self.crawl_open = bool(open_)
        self.crawl_error = ""

    @rx.event
    async def add_from_web(self, form: dict[str, Any]):
        user = await self._user()
        if user is None or not self.agent_id:
            return
        try:
            depth, pages = int(form.get("depth") or 1), int(form.get("max_pages") or 20)
        except (TypeError, ValueError):
            self.crawl_error = "The depth and the page limit are whole numbers."
            return
        try:
            await crawl.start_crawl(user.id, self.agent_id, str(form.get("url") or ""), depth, pages)
        except NeurocacheError as error:
            self.crawl_error = str(error)
            return
        self.crawl_open = False
        self.crawl_error = ""
        return KnowledgeState.load_documents

    @rx.event
    async def recrawl(self, crawl_id: int):
        user = await self._user()
        if user is None or not self.agent_id:
            return
        try:
            await asyncio.to_thread(crawl.recrawl, user.id, int(crawl_id), agent_id=self.agent_id)
        except NeurocacheError as error:
            self.knowledge_error = str(error)
            return
        return KnowledgeState.load_documents


__all__ = ["UPLOAD_ID", "KnowledgeState", "receive_files", "to_row"]
