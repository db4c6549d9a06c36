"""The built-in `web_search` tool: the model gives a query and reads the top results
(numbered title, URL, snippet); the results are the reply's sources. Failures (rate
limits, an unreachable search service) come back as ToolError text for the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neurocache_ui.domain.tools import (
    Source,
    ToolError,
    ToolOutput,
    ToolSpec,
    one_string,
    text_argument,
)
from neurocache_ui.infra.web.search import SearchFailed, search_web

MAX_QUERY_CHARS = 400
SHOWN_QUERY_CHARS = 80


class WebSearch:
    """Implements domain.tools.Tool."""

    spec = ToolSpec(
        name="web_search",
        description=(
            "Search the web. Returns the top 5 results, each with title, URL and a short snippet. "
            "Use fetch_url on a result's URL to read the page itself."
        ),
        parameters=one_string("query", "What to search for, as you would type it."),
    )

    def step_text(self, arguments: Mapping[str, Any]) -> str:
        query = " ".join(str(arguments.get("query") or "").split())
        if len(query) > SHOWN_QUERY_CHARS:
            query = query[: SHOWN_QUERY_CHARS - 1] + "…"
        return f"Searching the web for “{query}”"

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        query = " ".join(text_argument(arguments, "query", tool="web_search", limit=MAX_QUERY_CHARS).split())
        try:
            results = await search_web(query)
        except SearchFailed as error:
            raise ToolError(str(error)) from None
        if not results:
            return ToolOutput(text=f"No web results for “{query}”.")
        lines = [f"Web results for “{query}”:"]
        for number, result in enumerate(results, start=1):
            lines += ["", f"{number}. {result.title}", f"   {result.url}"]
            if result.snippet:
                lines.append(f"   {result.snippet}")
        return ToolOutput(text="\n".join(lines), sources=tuple(Source(title=r.title, url=r.url) for r in results))


TOOL = WebSearch()

__all__ = ["TOOL", "WebSearch"]
