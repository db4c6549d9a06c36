"""The one HTTP client for anything the server fetches on a user's behalf (a model's
fetch_url, later MCP): a URL a model picked must not reach our own network. Names are
resolved once, every address is checked (private, loopback, link-local, metadata, ...
refused unless `host:port` is in NEUROCACHE_FETCH_ALLOWED_HOSTS), the connection goes to
that checked address (no second lookup: DNS rebinding), and redirects are re-checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

from neurocache_ui.settings import get_settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,application/pdf;q=0.8,*/*;q=0.5"
USER_AGENT = "NeurocacheHub/1.0 (fetch on a user's behalf)"
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """The page was not fetched; the text says why, in words a model can act on."""


class FetchRefused(FetchError):
    """Not fetched on purpose: a scheme other than http(s), or an address inside a private network."""


class FetchFailed(FetchError):
    """Tried and failed: the name did not resolve, no connection, a timeout, an HTTP error status."""


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


def address_refusal(address: str | IPAddress) -> str | None:
    """Why this address may not be fetched ("loopback", "private", ...), or None for a
    public one. IPv6 forms that embed an IPv4 address (mapped, 6to4, Teredo, NAT64)
    are judged by the IPv4 address inside."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in net for net in NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refusal(embedded)
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None if ip.is_global else "non-public"


def parse_url(raw: str) -> httpx.URL:
    """`raw` as an absolute http(s) URL with a host and no credentials; FetchRefused otherwise."""
    shown = _shown(raw)
    try:
        url = httpx.URL(raw.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        raise FetchRefused(f"{shown} is not a valid URL.") from None
    if url.scheme not in ("http", "https"):
        scheme = f"{url.scheme}: " if url.scheme else "URLs without a scheme "
        raise FetchRefused(f"Only http:// and https:// URLs can be read, not {scheme}({shown}). Give the full address.")
    if not url.host:
        raise FetchRefused(f"{shown} has no host name.")
    if url.userinfo:
        raise FetchRefused(f"{_shown(_without_userinfo(url))} carries a user name or password; such URLs are not read.")
    return url


async def resolve_checked(url: httpx.URL) -> tuple[str, ...]:
    """The addresses `url`'s host resolves to, every one checked: FetchRefused if any of them
    is not public (unless the exact host:port is allowed), FetchFailed if the name does not
    resolve. Connect only to these addresses: resolving again could give another answer."""
    host = url.raw_host.decode("ascii").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchFailed(f"The host name {host} could not be resolved.") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchFailed(f"The host name {host} could not be resolved.")
    if not _allowed(host, port):
        for address in addresses:
            if reason := address_refusal(address):
                raise FetchRefused(
                    f"Refused to read {_shown(str(url))}: {host} is not a public internet address ({reason}). "
                    "Only public addresses may be read."
                )
    return addresses


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
    try:
        async with asyncio.timeout(total):
            async with httpx.AsyncClient(
                trust_env=False,  # no proxy from the environment: it would connect in our place
                follow_redirects=False,
                timeout=httpx.Timeout(total, connect=min(total, 10.0)),
            ) as client:
                for _hop in range(MAX_REDIRECTS + 1):
                    addresses = await resolve_checked(current)
                    answer = await _get(client, current, addresses, limit, accept)
                    if isinstance(answer, FetchedPage):
                        return answer
                    current = answer
    except TimeoutError:
        raise FetchFailed(f"{_shown(str(current))} did not answer within {total:g} seconds.") from None
    raise FetchFailed(f"{_shown(url)} redirected more than {MAX_REDIRECTS} times; not followed further.")


async def _get(
    client: httpx.AsyncClient, url: httpx.URL, addresses: tuple[str, ...], limit: int, accept: str
) -> FetchedPage | httpx.URL:
    """One GET of `url` through the first of its checked addresses that accepts a connection:
    the page, or the URL a redirect points to (parsed, not yet checked)."""
    host = url.raw_host.decode("ascii")
    headers = {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        "Accept": accept,
        "Accept-Encoding": "identity",  # the cap counts what we hold, so no compressed bombs
    }
    extensions = {} if _is_ip(host) else {"sni_hostname": host}  # TLS checks the certificate for the name
    failure: Exception | None = None
    for address in addresses:
        client.cookies.clear()  # before building: a page's Set-Cookie never travels on to the next request
        request = client.build_request(
            "GET", url.copy_with(host=address, fragment=None), headers=headers, extensions=extensions
        )
        try:
            response = await client.send(request, stream=True)
        except httpx.ConnectError as error:
            failure = error
            continue
        except httpx.TimeoutException:
            raise FetchFailed(f"{_shown(str(url))} did not answer in time.") from None
        except httpx.HTTPError as error:
            raise FetchFailed(f"Reading {_shown(str(url))} failed: {_reason(error)}.") from None
        try:
            return await _answer(url, response, limit)
        finally:
            await response.aclose()
    raise FetchFailed(f"Could not connect to {host}: {_reason(failure)}.")


async def _answer(url: httpx.URL, response: httpx.Response, limit: int) -> FetchedPage | httpx.URL:
    if response.status_code in REDIRECT_STATUSES and response.headers.get("location"):
        try:
            target = url.join(response.headers["location"])
        except (httpx.InvalidURL, ValueError):
            raise FetchFailed(f"{_shown(str(url))} redirected to an invalid URL.") from None
        return parse_url(str(target))
    if response.status_code >= 400:
        raise FetchFailed(f"{_shown(str(url))} answered HTTP {response.status_code} {response.reason_phrase}.".rstrip())
    chunks: list[bytes] = []
    size = 0
    truncated = False
    try:
        async for chunk in response.aiter_bytes():
            if size + len(chunk) > limit:
                chunks.append(chunk[: limit - size])
                truncated = True
                break
            chunks.append(chunk)
            size += len(chunk)
    except httpx.TimeoutException:
        raise FetchFailed(f"{_shown(str(url))} stopped sending before the page was complete.") from None
    except httpx.HTTPError as error:
        raise FetchFailed(f"Reading {_shown(str(url))} failed: {_reason(error)}.") from None
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return FetchedPage(
        url=str(url.copy_with(fragment=None)),
        status=response.status_code,
        content_type=media_type,
        charset=response.charset_encoding,
        body=b"".join(chunks),
        truncated=truncated,
    )


def _allowed(host: str, port: int) -> bool:
    allowed = get_settings().fetch_allowed_hosts
    return f"{host}:{port}" in allowed or f"[{host}]:{port}" in allowed


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _without_userinfo(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None))


def _reason(error: Exception | None) -> str:
    text = str(error) if error is not None else ""
    return text[:200] if text else type(error).__name__ if error is not None else "no address answered"


def _shown(url: str) -> str:
    return url if len(url) <= 200 else url[:197] + "..."


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
