"""A fetched page as text a model can read: the main text of HTML (trafilatura drops
tags, scripts and navigation), plain text and markdown as they are, PDFs as knowledge
uploads are read. HTML and PDFs are parsed in the confined parse processes
(infra/parse_pool.py), within the tool's time limit, never in a thread of the server.
Anything else is refused with a reason, since binary bytes are no use to a model and
parsing them is a risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from neurocache_ui.infra import parse_pool
from neurocache_ui.infra.pdf_text import PdfError, read_pdf
from neurocache_ui.infra.web.safe_fetch import FetchedPage
from neurocache_ui.settings import get_settings

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown", "text/csv", "application/json"})
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
UNLABELLED = frozenset({"", "application/octet-stream", "binary/octet-stream"})
PDF_REASONS = {
    "not_pdf": "is not a valid PDF",
    "encrypted": "is a password-protected PDF",
    "damaged": "is a PDF that could not be read; it may be damaged",
    "too_costly": "is a PDF too costly to read",
}
HTML_TOO_COSTLY = "is a page too costly to read (it took too long or too much memory to parse)"
BUSY = "could not be read right now: the hub is reading too many documents; try again shortly"


class Unreadable(Exception):
    """The page was fetched but has no text we read; the message says why, for the model."""


@dataclass(frozen=True)
class PageText:
    """`truncated`: the page (size cap) or its text (PDF caps) was cut, so this is only its start."""

    title: str
    text: str
    kind: Literal["html", "text", "pdf"]
    truncated: bool


async def page_text(page: FetchedPage) -> PageText:
    """The readable text of `page`; Unreadable for other content types and empty pages,
    and for pages that take more than the tool's time or NEUROCACHE_PARSE_MEMORY_MB to parse."""
    kind = _kind(page)
    if kind == "html":
        title, text = await _html_text(page.body, page.url)
        if not text.strip():
            raise Unreadable(f"{page.url} has no readable text (it may need JavaScript to show its content).")
        return PageText(title=title or _name_of(page.url), text=text, kind="html", truncated=page.truncated)
    if kind == "text":
        text = _decoded(page.body, page.charset)
        return PageText(title=_text_title(text) or _name_of(page.url), text=text, kind="text", truncated=page.truncated)
    if page.truncated:
        raise Unreadable(f"{page.url} is a PDF larger than the size limit, so it was not read.")
    try:
        pdf = await read_pdf(page.body)
    except PdfError as error:
        raise Unreadable(f"{page.url} {PDF_REASONS.get(error.reason, 'could not be read')}.") from None
    if not pdf.text.strip():
        raise Unreadable(f"{page.url} is a PDF without text (perhaps scanned images).")
    return PageText(title=_name_of(page.url), text=pdf.text, kind="pdf", truncated=pdf.truncated)


def _kind(page: FetchedPage) -> Literal["html", "text", "pdf"]:
    media = page.content_type
    if media in PDF_TYPES or (media in UNLABELLED and page.body.startswith(b"%PDF-")):
        return "pdf"
    if media in HTML_TYPES:
        return "html"
    if media in TEXT_TYPES:
        return "text"
    if media in UNLABELLED:
        start = page.body[:512].lstrip().lower()
        if start.startswith((b"<!doctype html", b"<html")):
            return "html"
    shown = media or "no content type"
    raise Unreadable(
        f"{page.url} is {shown}, which cannot be read as text (web pages, plain text, markdown and PDFs can)."
    )


async def _html_text(html: bytes, url: str) -> tuple[str, str]:
    """(title, main text), parsed in a parse process within the tool's limits."""
    settings = get_settings()
    limits = parse_pool.Limits(
        settings.tool_timeout_seconds, settings.tool_timeout_seconds, settings.parse_memory_mb * 1024 * 1024
    )
    try:
        header, parts = await parse_pool.run("html", {"url": url}, [html], limits)
    except parse_pool.ParseFailed as failed:
        why = {"too_costly": HTML_TOO_COSTLY, "busy": BUSY}.get(failed.reason, "could not be read")
        raise Unreadable(f"{url} {why}.") from None
    return str(header["title"]), parts[0].decode()


def html_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """The parse process's "html" task: trafilatura's fuller extraction first, its
    baseline for pages too small or odd for it. ({"title"}, [the text as UTF-8])."""
    import trafilatura  # imported here: loading it costs a second, and only pages need it

    html, url = parts[0], str(header.get("url", ""))
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, include_images=False
    )
    title = (getattr(document, "title", None) or "").strip()
    text = (getattr(document, "text", None) or "").strip()
    if not text:
        _element, text, _length = trafilatura.baseline(html)
    return {"title": title}, [text.strip().encode()]


LINKS_MAX = 5000
"""Links taken from one page (a crawl follows few of them; a page may list millions)."""


async def page_links(page: FetchedPage) -> list[str]:
    """The link targets (href of <a>, absolute against the page and its <base>) of an
    HTML page, parsed in a parse process; [] when it cannot be parsed."""
    settings = get_settings()
    limits = parse_pool.Limits(
        settings.tool_timeout_seconds, settings.tool_timeout_seconds, settings.parse_memory_mb * 1024 * 1024
    )
    try:
        header, _parts = await parse_pool.run("links", {"url": page.url}, [page.body], limits)
    except parse_pool.ParseFailed:
        return []
    return [str(link) for link in header.get("links", [])][:LINKS_MAX]


def links_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """The parse process's "links" task: ({"links": [absolute URLs]}, [])."""
    import lxml.html

    if not parts[0].strip():
        return {"links": []}, []
    document = lxml.html.fromstring(parts[0], base_url=str(header.get("url", "")))
    document.make_links_absolute(resolve_base_href=True, handle_failures="discard")
    links = []
    for anchor in document.iter("a"):
        href = anchor.get("href")
        if href and len(links) < LINKS_MAX:
            links.append(href)
    return {"links": links}, []


def _decoded(body: bytes, charset: str | None) -> str:
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset name Python does not know
        return body.decode("utf-8", errors="replace")


def _text_title(text: str) -> str:
    """A markdown document's first heading."""
    for line in text.splitlines()[:20]:
        if line.startswith("#"):
            return line.lstrip("#").strip()[:200]
    return ""


def _name_of(url: str) -> str:
    """The last part of the URL's path, or its host: a title for pages without one."""
    parts = urlsplit(url)
    name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return name or parts.hostname or url


__all__ = ["PageText", "Unreadable", "links_task", "page_links", "page_text"]
