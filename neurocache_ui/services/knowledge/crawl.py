""""Add from the web": a start URL, a link depth and a page limit (capped by
NEUROCACHE_CRAWL_MAX_DEPTH / _MAX_PAGES). The worker (services/knowledge/worker.py)
claims the crawl and reads pages through the one SSRF-safe client
(infra/web/safe_fetch.py: private addresses refused, redirects re-checked, bodies
capped), honouring the site's robots.txt, following links of the same scheme, host
and port only (domain/ingestion.crawl_link), breadth first. Each page becomes a
queued document named by its URL and is read like an upload. "Re-crawl" runs it
again: the pages it finds replace the ones the crawl made before (only once the
crawl succeeded; a failed re-crawl keeps them)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.robotparser import RobotFileParser

from neurocache_ui.domain import limits
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.ingestion import DONE, FAILED, QUEUED, crawl_link
from neurocache_ui.infra.web.addresses import FetchError, FetchFailed, parse_url, resolve_checked
from neurocache_ui.infra.web.extract import page_links
from neurocache_ui.infra.web.safe_fetch import FetchedPage, safe_fetch
from neurocache_ui.services.knowledge import worker
from neurocache_ui.services.knowledge.documents import UNAVAILABLE, owned_agent
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.ingest_models import KnowledgeCrawl
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import knowledge_crawls as repo
from neurocache_ui.store.repositories import knowledge_ingest as queue

log = logging.getLogger(__name__)

ROBOTS_AGENT = "NeurocacheHub"
PAGE_TYPES = {
    "text/html": "text/html",
    "application/xhtml+xml": "text/html",
    "text/plain": "text/plain",
    "text/markdown": "text/markdown",
    "text/x-markdown": "text/markdown",
    "application/pdf": "application/pdf",
}
"""What a crawl keeps, by the page's media type, as the content type it is read as."""
CRAWLS_SHOWN = 20
CRAWL_NOT_FOUND = "That web source does not exist."
BUSY = "A crawl of this source is already under way; wait until it has finished."


@dataclass(frozen=True)
class CrawlView:
    id: int
    url: str
    depth: int
    max_pages: int
    status: str
    status_reason: str
    pages: int
    created_at: datetime
    finished_at: datetime | None


def _view(row: KnowledgeCrawl) -> CrawlView:
    assert row.id is not None
    return CrawlView(row.id, row.url, row.depth, row.max_pages, row.status, row.status_reason, row.pages,
                     row.created_at, row.finished_at)


async def check_url(url: str) -> str:
    """The URL, normalized, if it may be crawled: http(s) and a public address (or one in
    NEUROCACHE_FETCH_ALLOWED_HOSTS); Invalid with the reason otherwise."""
    url = (url or "").strip()
    if not url:
        raise Invalid("Give the address of the page to start from, e.g. https://example.com/docs.", "url")
    if len(url) > limits.URL_MAX:
        raise Invalid(f"That address is longer than {limits.URL_MAX:,} characters.", "url")
    try:
        parsed = parse_url(url)
        await resolve_checked(parsed)
    except FetchError as error:
        raise Invalid(str(error), "url") from None
    return str(parsed.copy_with(fragment=None))


def _limits(depth: int, max_pages: int) -> tuple[int, int]:
    settings = get_settings()
    if not 0 <= depth <= settings.crawl_max_depth:
        raise Invalid(f"The depth is from 0 (that page only) to {settings.crawl_max_depth}.", "depth")
    if not 1 <= max_pages <= settings.crawl_max_pages:
        raise Invalid(f"The page limit is from 1 to {settings.crawl_max_pages}.", "max_pages")
    return depth, max_pages


async def start_crawl(owner_id: int, agent_id: int, url: str, depth: int = 1, max_pages: int = 20) -> CrawlView:
    """Queue a crawl of `url` for the owner's agent (checked first, Invalid with the reason)."""
    depth, max_pages = _limits(int(depth), int(max_pages))
    checked = await check_url(url)

    def store() -> CrawlView:
        with database_guard(UNAVAILABLE), session_scope() as session:
            owned_agent(session, owner_id, agent_id)
            row = KnowledgeCrawl(agent_id=agent_id, owner_id=owner_id, url=checked, depth=depth, max_pages=max_pages)
            session.add(row)
            session.flush()
            return _view(row)

    view = await asyncio.to_thread(store)
    worker.wake()
    return view


def list_crawls(owner_id: int, agent_id: int) -> list[CrawlView]:
    """The agent's newest CRAWLS_SHOWN web sources, newest first."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        return [_view(row) for row in repo.of_agent(session, agent_id, CRAWLS_SHOWN)]


def recrawl(owner_id: int, crawl_id: int, *, agent_id: int | None = None) -> CrawlView:
    """Queue the crawl (of `agent_id`, when given) again; its new pages replace the old
    ones when it succeeds."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        row = repo.owned(session, owner_id, crawl_id)
        if row is None or (agent_id is not None and row.agent_id != agent_id):
            raise NotFound(CRAWL_NOT_FOUND)
        if row.status not in (DONE, FAILED):
            raise Invalid(BUSY)
        row.status, row.status_reason, row.claimed_at = QUEUED, "", None
        session.add(row)
        session.flush()
        view = _view(row)
    worker.wake()
    return view


def recover() -> int:
    """At start without Redis (one process): crawls it left half done are queued again."""
    if get_settings().redis_url:
        return 0
    with session_scope() as session:
        return repo.requeue(session)


def _claim() -> tuple[KnowledgeCrawl, list[int]] | None:
    with session_scope() as session:
        repo.requeue(session, claimed_before=utcnow() - timedelta(seconds=worker.LEASE_SECONDS))
    with session_scope() as session:
        row = repo.claim(session)
        if row is None or row.id is None:
            return None
        session.expunge(row)
        return row, repo.page_ids(session, row.id)


def _finish(crawl_id: int, status: str, reason: str = "", pages: int = 0) -> None:
    with session_scope() as session:
        repo.update(session, crawl_id, status=status, status_reason=reason[:500], pages=pages, claimed_at=None,
                    finished_at=utcnow())


async def _robots(start: str) -> RobotFileParser:
    """The site's rules: none when it has no robots.txt (4xx), everything disallowed when
    it refuses us one (401/403) or fails to serve one (5xx, RFC 9309)."""
    rules = RobotFileParser()
    robots_url = str(parse_url(start).copy_with(path="/robots.txt", query=None, fragment=None))
    try:
        page = await safe_fetch(robots_url, max_bytes=512 * 1024, accept="text/plain")
    except FetchFailed as error:
        if error.status in (401, 403) or error.status >= 500 or not error.status:
            rules.disallow_all = True
        else:
            rules.allow_all = True
        return rules
    rules.parse(page.body.decode("utf-8", errors="replace").splitlines())
    return rules


def _store_page(crawl: KnowledgeCrawl, page: FetchedPage, content_type: str) -> None:
    assert crawl.id is not None
    name = page.url[: limits.FILENAME_MAX]
    with session_scope() as session:
        [document] = queue.insert_queued(session, crawl.agent_id, crawl.owner_id, [(name, content_type, page.body)])
        assert document.id is not None
        repo.add_page(session, crawl.id, document.id)
        repo.update(session, crawl.id, claimed_at=utcnow())
    worker.wake()


async def _run(crawl: KnowledgeCrawl) -> tuple[int, str]:
    """Read the site breadth first; (pages stored, why it stopped early if it failed at the start)."""
    start, stored = crawl.url, 0
    rules = await _robots(start)
    if not rules.can_fetch(ROBOTS_AGENT, start):
        return 0, f"The site's robots.txt does not allow reading {start}."
    frontier, seen = deque([(start, 0)]), {start}
    max_bytes = get_settings().max_upload_bytes
    while frontier and stored < crawl.max_pages:
        url, level = frontier.popleft()
        if not rules.can_fetch(ROBOTS_AGENT, url):
            continue
        try:
            page = await safe_fetch(url, max_bytes=max_bytes)
        except FetchError as error:
            if url == start:
                return 0, str(error)
            log.info("crawl %s: %s", crawl.id, error)
            continue
        content_type = PAGE_TYPES.get(page.content_type)
        if content_type is None or page.truncated or not page.body.strip() or not crawl_link(start, page.url, start):
            if url == start:
                return 0, f"{start} is not a page that can be read (a web page, text or PDF within {max_bytes:,} bytes)."
            continue
        await asyncio.to_thread(_store_page, crawl, page, content_type)
        stored += 1
        if content_type == "text/html" and level < crawl.depth:
            for href in await page_links(page):
                link = crawl_link(page.url, href, start)
                if link and link not in seen:
                    seen.add(link)
                    frontier.append((link, level + 1))
    return stored, ""


async def run_once() -> int:
    """Run one queued crawl, if any; 1 if one ran."""
    claimed = await asyncio.to_thread(_claim)
    if claimed is None:
        return 0
    crawl, old_pages = claimed
    assert crawl.id is not None
    try:
        stored, reason = await _run(crawl)
    except Exception:
        log.exception("crawl %s of %s failed", crawl.id, crawl.url)
        stored, reason = 0, "The crawl stopped because of an internal error. Try Re-crawl."
    if reason:
        await asyncio.to_thread(_finish, crawl.id, FAILED, reason, len(old_pages))
        return 1

    def replace() -> None:
        with session_scope() as session:
            repo.delete_documents(session, old_pages)
        _finish(crawl.id or 0, DONE, pages=stored)

    await asyncio.to_thread(replace)
    log.info("crawl %s of %s: %d pages", crawl.id, crawl.url, stored)
    return 1
