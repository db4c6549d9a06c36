"""The built-in `fetch_url` tool: the model names a URL and reads the page's main
text (HTML, plain text, markdown or PDF), fetched through the one SSRF-safe client
(infra/web/safe_fetch.py). The page is the reply's source; a refused address, an
HTTP error or an unreadable type comes back as ToolError text for the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from neurocache_ui.domain.tools import (
    Source,
    ToolError,
    ToolOutput,
    ToolSpec,
    one_string,
    text_argument,
)
from neurocache_ui.infra.web.extract import Unreadable, page_text
from neurocache_ui.infra.web.safe_fetch import FetchError, safe_fetch

MAX_URL_CHARS = 2000


class FetchUrl:
    """Implements domain.tools.Tool."""

    spec = ToolSpec(
        name="fetch_url",
        description=(
            "Read a web page (or a plain-text, markdown or PDF document) and return its main text. "
            "Only public http(s) addresses can be read."
        ),
        parameters=one_string("url", "The full http:// or https:// address."),
    )

    def step_text(self, arguments: Mapping[str, Any]) -> str:
        url = str(arguments.get("url") or "").strip()
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        return f"Reading {host or url[:80] or 'a page'}…"

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        url = text_argument(arguments, "url", tool="fetch_url", limit=MAX_URL_CHARS)
        try:
            page = await safe_fetch(url)
            content = await page_text(page)
        except (FetchError, Unreadable) as error:
            raise ToolError(str(error)) from None
        parts = [content.title, page.url, "", content.text]
        if content.truncated:
            parts += ["", "[Only the start of this document was read: it is longer than the reading limit.]"]
        return ToolOutput(text="\n".join(parts), sources=(Source(title=content.title, url=page.url),))


TOOL = FetchUrl()

__all__ = ["TOOL", "FetchUrl"]
