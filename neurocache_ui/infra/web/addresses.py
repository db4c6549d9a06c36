"""Which addresses the hub may reach on a user's behalf. A URL a model picked, or an
MCP server an agent's owner typed, must not reach our own network: names are resolved
once (in the outbound threads, infra/threads.py) and every address checked. Private,
loopback, link-local, site-local, metadata, ... are refused unless `host:port` is in
NEUROCACHE_FETCH_ALLOWED_HOSTS; callers connect only to the addresses checked here
(infra/web/transport.py), so DNS cannot answer differently in between."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx2

from neurocache_ui.infra import threads
from neurocache_ui.settings import get_settings

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """Nothing was fetched; the text says why, in words a model can act on."""


class FetchRefused(FetchError):
    """Not fetched on purpose: a scheme other than http(s), or an address inside a private
    network. `host` and `reason` ("loopback", ...) let callers word it without the URL."""

    def __init__(self, message: str, *, host: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.host = host
        self.reason = reason


class FetchFailed(FetchError):
    """Tried and failed: the name did not resolve, no connection, a timeout, an HTTP error
    status (`status`, 0 for the others: a crawl reads robots.txt's 404 as "no rules")."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


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
        # fec0::/10: deprecated, yet still routed inside some networks, and Python counts it as global.
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None if ip.is_global else "non-public"


def parse_url(raw: str) -> httpx2.URL:
    """`raw` as an absolute http(s) URL with a host and no credentials; FetchRefused otherwise."""
    shown = shown_url(raw)
    try:
        url = httpx2.URL(raw.strip())
    except (httpx2.InvalidURL, ValueError, TypeError):
        raise FetchRefused(f"{shown} is not a valid URL.") from None
    if url.scheme not in ("http", "https"):
        scheme = f"{url.scheme}: " if url.scheme else "URLs without a scheme "
        raise FetchRefused(f"Only http:// and https:// URLs can be read, not {scheme}({shown}). Give the full address.")
    if not url.host:
        raise FetchRefused(f"{shown} has no host name.")
    if url.userinfo:
        plain = str(url.copy_with(username=None, password=None))
        raise FetchRefused(f"{shown_url(plain)} carries a user name or password; such URLs are not read.")
    return url


async def resolve_checked(url: httpx2.URL) -> tuple[str, ...]:
    """The addresses `url`'s host resolves to, every one checked: FetchRefused if any of them
    is not public (unless the exact host:port is allowed), FetchFailed if the name does not
    resolve. Connect only to these addresses: resolving again could give another answer."""
    host = url.raw_host.decode("ascii").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.run_in_executor(
            threads.outbound(), lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        )
    except (socket.gaierror, UnicodeError):
        raise FetchFailed(f"The host name {host} could not be resolved.") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchFailed(f"The host name {host} could not be resolved.")
    if not allowed(host, port):
        for address in addresses:
            if reason := address_refusal(address):
                raise FetchRefused(
                    f"Refused to read {shown_url(str(url))}: {host} is not a public internet address ({reason}). "
                    "Only public addresses may be read.",
                    host=host,
                    reason=reason,
                )
    return addresses


def allowed(host: str, port: int) -> bool:
    """Whether host:port is listed in NEUROCACHE_FETCH_ALLOWED_HOSTS (private addresses allowed)."""
    listed = get_settings().fetch_allowed_hosts
    return f"{host}:{port}" in listed or f"[{host}]:{port}" in listed


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def shown_url(url: str) -> str:
    """A URL as messages quote it: at most 200 characters."""
    return url if len(url) <= 200 else url[:197] + "..."


__all__ = [
    "FetchError",
    "FetchFailed",
    "FetchRefused",
    "address_refusal",
    "allowed",
    "is_ip",
    "parse_url",
    "resolve_checked",
    "shown_url",
]
