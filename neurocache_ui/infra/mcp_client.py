"""The hub's side of MCP: list a server's tools and call one over streamable HTTP (the
`mcp` package), with a bearer token and a time limit. An agent's owner types the URL, so
it passes the same address rules as fetch_url before any request, and every failure is
an McpFailure whose message says what went wrong with which server."""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
import mcp_types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from neurocache_ui.infra.web import safe_fetch

log = logging.getLogger(__name__)

MAX_PAGES = 10
"""tools/list pages read from one server (a server with more is cut there)."""


class McpFailure(Exception):
    """A server that could not be used: unreachable, refused, too slow, or not MCP."""


class McpRefused(McpFailure):
    """A URL the hub may not contact (scheme, or a private address not allowed)."""


@dataclass(frozen=True)
class RemoteTool:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class CallResult:
    text: str
    is_error: bool


def origin(url: str) -> str:
    """host[:port] of a URL, without any user info: how servers are named to people."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


async def check_url(url: str) -> str:
    """The checked address to connect to; McpRefused unless the URL is http(s) without
    credentials and every address of its host may be contacted (fetch_url's rules)."""
    try:
        return (await safe_fetch.resolve_checked(safe_fetch.parse_url(url)))[0]
    except safe_fetch.FetchRefused as error:
        raise McpRefused(f"{origin(url)} may not be contacted. {error}") from None
    except safe_fetch.FetchError as error:
        raise McpFailure(f"Could not reach {origin(url)}: {error}") from None


class _PinnedTransport(httpx2.AsyncHTTPTransport):
    """Connects to the address `check_url` approved instead of resolving the name again
    (a second lookup could answer with a private address); TLS still checks the name."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._host = host.lower()
        self._address = address

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        host = request.url.host.lower()
        if host not in (self._host, self._address):
            raise httpx2.ConnectError(f"not following the MCP server to another host ({host})", request=request)
        request.url = request.url.copy_with(host=self._address)
        if not _is_ip(self._host):
            request.extensions = {**request.extensions, "sni_hostname": self._host}
        return await super().handle_async_request(request)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _leaves(error: BaseException) -> list[BaseException]:
    """The real errors inside the task groups' exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _describe(error: BaseException, url: str, token: str | None, statuses: list[int], timeout: float) -> str:
    where = origin(url)
    if 401 in statuses or 403 in statuses:
        if token:
            return f"{where} refused the token (HTTP {401 if 401 in statuses else 403})."
        return f"{where} needs a token (HTTP {401 if 401 in statuses else 403})."
    leaves = _leaves(error)
    for leaf in leaves:
        if isinstance(leaf, TimeoutError | httpx2.TimeoutException):
            return f"{where} did not answer within {timeout:g} s."
    for leaf in leaves:
        if isinstance(leaf, httpx2.ConnectError):
            return f"Could not reach {where}: {leaf or 'connection failed'}."
    if 404 in statuses:
        return f"{where} has no MCP endpoint at {urlsplit(url).path or '/'} (HTTP 404)."
    for leaf in leaves:
        if isinstance(leaf, MCPError):
            return f"{where} answered with an error: {leaf.error.message}"
        if isinstance(leaf, httpx2.HTTPError):
            return f"Could not reach {where}: {leaf or type(leaf).__name__}."
    log.warning("MCP server %s failed", where, exc_info=error)
    return f"Could not talk to {where} as an MCP server ({type(leaves[0]).__name__})."


@asynccontextmanager
async def _connected(url: str, token: str | None, timeout: float) -> AsyncIterator[Client]:
    """An initialized session with the server, closed afterwards; McpFailure for any failure."""
    address = await check_url(url)
    statuses: list[int] = []

    async def remember(response: httpx2.Response) -> None:
        statuses.append(response.status_code)

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx2.AsyncClient(
        headers=headers, timeout=httpx2.Timeout(timeout), event_hooks={"response": [remember]}, trust_env=False,
        transport=_PinnedTransport(urlsplit(url).hostname or "", address),
    )
    try:
        with anyio.fail_after(timeout):
            async with http, Client(streamable_http_client(url, http_client=http), read_timeout_seconds=timeout) as client:
                yield client
    except McpFailure:
        raise
    except Exception as error:
        raise McpFailure(_describe(error, url, token, statuses, timeout)) from error


def _remote_tool(tool: mcp_types.Tool) -> RemoteTool:
    schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
    if schema.get("type") != "object":
        schema = {"type": "object", "properties": {}}
    return RemoteTool(name=tool.name, description=(tool.description or "").strip(), input_schema=schema)


async def list_tools(url: str, token: str | None, *, timeout: float) -> list[RemoteTool]:
    """The server's tools, in its order."""
    found: list[RemoteTool] = []
    async with _connected(url, token, timeout) as client:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            found.extend(_remote_tool(tool) for tool in page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
    return found


def _part_text(part: mcp_types.ContentBlock) -> str:
    """One content part as text; parts the model cannot read here are described."""
    if isinstance(part, mcp_types.TextContent):
        return part.text
    if isinstance(part, mcp_types.ImageContent):
        return f"[an image ({part.mime_type}) that is not shown here]"
    if isinstance(part, mcp_types.AudioContent):
        return f"[an audio clip ({part.mime_type}) that is not shown here]"
    if isinstance(part, mcp_types.ResourceLink):
        return f"[resource {part.name}: {part.uri}]"
    if isinstance(part, mcp_types.EmbeddedResource):
        resource = part.resource
        if isinstance(resource, mcp_types.TextResourceContents):
            return resource.text
        return f"[binary resource {resource.uri} ({resource.mime_type or 'unknown type'}) that is not shown here]"
    return f"[a {getattr(part, 'type', 'content')} part that is not shown here]"


def result_text(result: mcp_types.CallToolResult) -> str:
    """Text parts joined by blank lines; structured content when there is no content."""
    parts = [_part_text(part) for part in result.content]
    if not parts and result.structured_content is not None:
        parts = [json.dumps(result.structured_content, ensure_ascii=False, default=str)]
    return "\n\n".join(part for part in parts if part)


async def call_tool(url: str, token: str | None, name: str, arguments: Mapping[str, Any], *, timeout: float) -> CallResult:
    """One call; a tool's own failure is a CallResult with `is_error` (the model reads it)."""
    async with _connected(url, token, timeout) as client:
        result = await client.call_tool(name, dict(arguments))
    return CallResult(text=result_text(result), is_error=bool(result.is_error))
