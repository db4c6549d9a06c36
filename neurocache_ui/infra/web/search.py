"""Web search for agents: the operator's SearXNG (its JSON API) when
NEUROCACHE_SEARXNG_URL is set, else the keyless `ddgs` package. Either way the
answer is a few (title, url, snippet) results or SearchFailed with a reason a
model can read (rate limited, unreachable, timed out): never a crash."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx2

from neurocache_ui.infra import threads
from neurocache_ui.infra.web.transport import BodyRefused, OutboundTransport, outbound_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

TOP = 5
SNIPPET_CHARS = 400


class SearchFailed(Exception):
    """The search gave no answer; the text says why."""


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    snippet: str


async def search_web(query: str, *, limit: int = TOP, timeout: float | None = None) -> list[SearchResult]:
    """At most `limit` results for `query` (an empty list when nothing matched). The whole
    search takes at most `timeout` seconds (default 90% of NEUROCACHE_TOOL_TIMEOUT_SECONDS)."""
    settings = get_settings()
    seconds = timeout if timeout is not None else settings.tool_timeout_seconds * 0.9
    try:
        async with asyncio.timeout(seconds):
            if settings.searxng_url:
                raw = await _searxng(settings.searxng_url, query, seconds)
            else:
                raw = await _ddgs(query, limit, seconds)
    except TimeoutError:
        raise SearchFailed(f"The web search did not answer within {seconds:g} seconds; try again later.") from None
    return _results(raw, limit)


async def _searxng(base_url: str, query: str, seconds: float) -> list[dict[str, Any]]:
    """SearXNG's `/search?format=json` (the instance must enable the json format). The
    operator configured it, so its address is not checked, but its answer is capped
    like any other (NEUROCACHE_FETCH_MAX_BYTES)."""
    timeout = httpx2.Timeout(seconds, connect=min(seconds, 5.0))
    transport = OutboundTransport(get_settings().fetch_max_bytes, guarded=False)
    try:
        async with outbound_client(transport, timeout=timeout) as client:
            response = await client.get(
                f"{base_url}/search", params={"q": query, "format": "json"}, headers={"Accept": "application/json"}
            )
    except BodyRefused as error:
        log.warning("SearXNG at %s %s", base_url, error)
        raise SearchFailed("The search service sent an answer too large to read; web search failed.") from None
    except httpx2.TimeoutException:
        raise SearchFailed("The search service did not answer in time; try again later.") from None
    except httpx2.HTTPError as error:
        log.warning("SearXNG at %s is unreachable: %s", base_url, error)
        raise SearchFailed("The search service could not be reached; web search is unavailable right now.") from None
    if response.status_code == 429:
        raise SearchFailed("The search service is rate limited (HTTP 429); wait a little before searching again.")
    if response.status_code == 403:
        log.warning("SearXNG at %s refused format=json (403): enable `json` under search.formats", base_url)
        raise SearchFailed("The search service refused the request (HTTP 403); web search is unavailable right now.")
    if response.status_code != 200:
        raise SearchFailed(f"The search service answered HTTP {response.status_code}; web search failed.")
    try:
        body = response.json()
    except ValueError:
        raise SearchFailed("The search service sent an answer that is not JSON; web search failed.") from None
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise SearchFailed("The search service sent an answer without results; web search failed.")
    return [
        {"title": r.get("title"), "url": r.get("url"), "snippet": r.get("content")}
        for r in results
        if isinstance(r, dict)
    ]


async def _ddgs(query: str, limit: int, seconds: float) -> list[dict[str, Any]]:
    """The `ddgs` package (blocking, so in an outbound thread, never a database one; it
    honours DDGS_PROXY)."""
    from ddgs import DDGS
    from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

    def run() -> list[dict[str, Any]]:
        return DDGS(timeout=max(1, int(seconds))).text(query, max_results=limit)

    try:
        found = await asyncio.get_running_loop().run_in_executor(threads.outbound(), run)
    except RatelimitException:
        raise SearchFailed("The search engines are rate limiting us; wait a little before searching again.") from None
    except TimeoutException:
        raise SearchFailed("The search engines did not answer in time; try again later.") from None
    except DDGSException as error:
        if "no results found" in str(error).lower():
            return []
        log.warning("ddgs search failed: %s", error)
        raise SearchFailed("The search engines could not be reached; web search is unavailable right now.") from None
    return [{"title": r.get("title"), "url": r.get("href"), "snippet": r.get("body")} for r in found]


def _results(raw: list[dict[str, Any]], limit: int) -> list[SearchResult]:
    """Well-formed http(s) results, each URL once, at most `limit`."""
    results: list[SearchResult] = []
    seen: set[str] = set()
    for item in raw:
        url = str(item.get("url") or "").strip()
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        title = " ".join(str(item.get("title") or "").split()) or url
        snippet = " ".join(str(item.get("snippet") or "").split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1] + "…"
        results.append(SearchResult(title=title[:300], url=url, snippet=snippet))
        if len(results) == limit:
            break
    return results


__all__ = ["SearchFailed", "SearchResult", "search_web"]
