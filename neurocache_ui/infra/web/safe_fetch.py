"""GET a URL on a user's behalf (a model's fetch_url, an image an API caller names):
through the one outbound transport (infra/web/transport.py), so every request's host is
resolved once and checked (infra/web/addresses.py), the connection goes to that checked
address, the body is capped as it arrives (after decompression too), and redirects are
re-checked one by one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx2

from neurocache_ui.infra.web.addresses import (
    FetchError,
    FetchFailed,
    FetchRefused,
    address_refusal,
    parse_url,
    resolve_checked,
    shown_url,
)
from neurocache_ui.infra.web.transport import BodyRefused, OutboundTransport, TooLarge, outbound_client
from neurocache_ui.settings import get_settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,application/pdf;q=0.8,*/*;q=0.5"
USER_AGENT = "NeurocacheHub/1.0 (fetch on a user's behalf)"


@dataclass(frozen=True)
class FetchedPage:
    """A fetched response. `url` is the final one (after redirects); `content_type` is the
    bare media type in lower case ("" when the server sent none); `truncated` is true when
    the body was cut at the size cap."""

    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    truncated: bool


async def safe_fetch(
    url: str, *, max_bytes: int | None = None, timeout: float | None = None, accept: str = DEFAULT_ACCEPT
) -> FetchedPage:
    """GET `url` safely (see the module's docstring): at most MAX_REDIRECTS redirects, each
    re-checked; the body cut at `max_bytes` (default NEUROCACHE_FETCH_MAX_BYTES); the whole
    fetch within `timeout` seconds (default 90% of NEUROCACHE_TOOL_TIMEOUT_SECONDS, so this
    error, not the tool's timeout, is what the model reads). No cookies, no credentials."""
    settings = get_settings()
    limit = max_bytes if max_bytes is not None else settings.fetch_max_bytes
    total = timeout if timeout is not None else settings.tool_timeout_seconds * 0.9
    current = parse_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    try:
        async with asyncio.timeout(total):
            async with outbound_client(OutboundTransport(limit), timeout=httpx2.Timeout(total, connect=min(total, 10.0))) as client:
                for _hop in range(MAX_REDIRECTS + 1):
                    client.cookies.clear()  # a page's Set-Cookie never travels on to the next request
                    answer = await _get(client, current, headers)
                    if isinstance(answer, FetchedPage):
                        return answer
                    current = answer
    except TimeoutError:
        raise FetchFailed(f"{shown_url(str(current))} did not answer within {total:g} seconds.") from None
    raise FetchFailed(f"{shown_url(url)} redirected more than {MAX_REDIRECTS} times; not followed further.")


async def _get(client: httpx2.AsyncClient, url: httpx2.URL, headers: dict[str, str]) -> FetchedPage | httpx2.URL:
    """One GET of `url` (the transport connects to a checked address of its host): the
    page, or the URL a redirect points to (parsed, not yet checked)."""
    shown = shown_url(str(url))
    try:
        response = await client.send(client.build_request("GET", url.copy_with(fragment=None), headers=headers), stream=True)
    except httpx2.ConnectError as error:
        raise FetchFailed(f"Could not connect to {url.host}: {_reason(error)}.") from None
    except httpx2.TimeoutException:
        raise FetchFailed(f"{shown} did not answer in time.") from None
    except httpx2.HTTPError as error:
        raise FetchFailed(f"Reading {shown} failed: {_reason(error)}.") from None
    except BodyRefused as error:
        raise FetchFailed(f"{shown} {error}.") from None
    try:
        return await _answer(url, response)
    finally:
        await response.aclose()


async def _answer(url: httpx2.URL, response: httpx2.Response) -> FetchedPage | httpx2.URL:
    shown = shown_url(str(url))
    if response.status_code in REDIRECT_STATUSES and response.headers.get("location"):
        try:
            target = url.join(response.headers["location"])
        except (httpx2.InvalidURL, ValueError):
            raise FetchFailed(f"{shown} redirected to an invalid URL.") from None
        return parse_url(str(target))
    if response.status_code >= 400:
        raise FetchFailed(f"{shown} answered HTTP {response.status_code} {response.reason_phrase}.".rstrip(),
                          status=response.status_code)
    chunks: list[bytes] = []
    truncated = False
    try:
        async for chunk in response.aiter_raw():  # already decoded, within the cap, by the transport
            chunks.append(chunk)
    except TooLarge:
        truncated = True
    except BodyRefused as error:
        raise FetchFailed(f"{shown} {error}.") from None
    except httpx2.TimeoutException:
        raise FetchFailed(f"{shown} stopped sending before the page was complete.") from None
    except httpx2.HTTPError as error:
        raise FetchFailed(f"Reading {shown} failed: {_reason(error)}.") from None
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return FetchedPage(
        url=str(url.copy_with(fragment=None)),
        status=response.status_code,
        content_type=media_type,
        charset=response.charset_encoding,
        body=b"".join(chunks),
        truncated=truncated,
    )


def _reason(error: Exception) -> str:
    return str(error)[:200] or type(error).__name__


__all__ = [
    "FetchError",
    "FetchFailed",
    "FetchRefused",
    "FetchedPage",
    "address_refusal",
    "parse_url",
    "resolve_checked",
    "safe_fetch",
]
