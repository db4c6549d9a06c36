"""The hub's side of MCP: list a server's tools and call one over streamable HTTP (the
`mcp` package), with a bearer token and a time limit. An agent's owner types the URL, so
it passes the same address rules as fetch_url before any request, and every request
goes through the one outbound transport (infra/web/transport.py): pinned to checked
addresses of that host only, every message capped at NEUROCACHE_FETCH_MAX_BYTES as it
arrives (decompressed too; the `mcp` package itself reads whole bodies). What a server
names and describes is cut here, where it enters the hub (domain/tools.py). Every
failure is an McpFailure naming the server by host[:port], never by its URL (paths can
carry secrets, and these messages reach logs)."""

from __future__ import annotations

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

from neurocache_ui.domain.tools import REMOTE_TOOLS_LISTED, remote_description, remote_refusal, shown_remote_name
from neurocache_ui.infra.web import addresses
from neurocache_ui.infra.web.transport import BodyRefused, OutboundTransport, outbound_client
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

MAX_PAGES = 10
"""tools/list pages read from one server (a server with more is cut there)."""


class McpFailure(Exception):
    """A server that could not be used: unreachable, refused, too slow, or not MCP."""


class McpRefused(McpFailure):
    """A URL the hub may not contact (scheme, or a private address not allowed)."""


@dataclass(frozen=True)
class RemoteTool:
    """A server's tool as the hub keeps it: name and description cut to their limits;
    `refused` says why the tool is not offered to models ("" when it is)."""

    name: str
    description: str
    input_schema: dict[str, Any]
    refused: str = ""


@dataclass(frozen=True)
class Listing:
    """What a server lists: at most REMOTE_TOOLS_LISTED tools; `complete` is false when it offered more."""

    tools: tuple[RemoteTool, ...]
    complete: bool = True


@dataclass(frozen=True)
class CallResult:
    text: str
    is_error: bool


def origin(url: str) -> str:
    """host[:port] of a URL, without any user info: how servers are named to people."""
    parts = urlsplit(url)
    host = parts.hostname or "an invalid address"
    return f"{host}:{parts.port}" if parts.port else host


def _refusal(url: str, error: addresses.FetchRefused) -> McpRefused:
    if error.reason:
        return McpRefused(
            f"{origin(url)} may not be contacted: {error.host} is not a public internet address ({error.reason}). "
            "Only public addresses may be used, unless the operator allows this host."
        )
    return McpRefused(f"That MCP server address may not be used: {error}")


async def check_url(url: str) -> str:
    """The first checked address of the URL's host; McpRefused unless the URL is http(s)
    without credentials and every address of its host may be contacted (fetch_url's rules)."""
    try:
        return (await addresses.resolve_checked(addresses.parse_url(url)))[0]
    except addresses.FetchRefused as error:
        raise _refusal(url, error) from None
    except addresses.FetchError as error:
        raise McpFailure(f"Could not reach {origin(url)}: {error}") from None


def _leaves(error: BaseException) -> list[BaseException]:
    """The real errors inside the task groups' exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


SHOWN_ERROR_CHARS = 300
"""A server's own error text is quoted up to this long."""


def _describe(error: BaseException, url: str, token: str | None, statuses: list[int], transport: OutboundTransport,
              timeout: float) -> str:
    where = origin(url)
    if transport.refusal:
        return f"{where} {transport.refusal}; it was not read."
    leaves = _leaves(error)
    for leaf in leaves:
        if isinstance(leaf, addresses.FetchRefused):
            return str(_refusal(url, leaf))
        if isinstance(leaf, addresses.FetchError | BodyRefused):
            return f"Could not reach {where}: {leaf}"
    if 401 in statuses or 403 in statuses:
        if token:
            return f"{where} refused the token (HTTP {401 if 401 in statuses else 403})."
        return f"{where} needs a token (HTTP {401 if 401 in statuses else 403})."
    for leaf in leaves:
        if isinstance(leaf, TimeoutError | httpx2.TimeoutException):
            return f"{where} did not answer within {timeout:g} s."
    for leaf in leaves:
        if isinstance(leaf, httpx2.ConnectError):
            return f"Could not reach {where}: {str(leaf)[:SHOWN_ERROR_CHARS] or 'connection failed'}."
    if 404 in statuses:
        return f"{where} has no MCP endpoint at that path (HTTP 404)."
    for leaf in leaves:
        if isinstance(leaf, MCPError):
            return f"{where} answered with an error: {leaf.error.message[:SHOWN_ERROR_CHARS]}"
        if isinstance(leaf, httpx2.HTTPError):
            return f"Could not reach {where}: {str(leaf)[:SHOWN_ERROR_CHARS] or type(leaf).__name__}."
    log.warning("MCP server %s failed (%s)", where, ", ".join(type(leaf).__name__ for leaf in leaves))
    return f"Could not talk to {where} as an MCP server ({type(leaves[0]).__name__})."


@asynccontextmanager
async def _connected(url: str, token: str | None, timeout: float) -> AsyncIterator[Client]:
    """An initialized session with the server, closed afterwards; McpFailure for any failure."""
    await check_url(url)  # refused before any request, with the owner's own words for it
    statuses: list[int] = []

    async def remember(response: httpx2.Response) -> None:
        statuses.append(response.status_code)

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = OutboundTransport(get_settings().fetch_max_bytes, only_host=urlsplit(url).hostname or "")
    http = outbound_client(
        transport, timeout=httpx2.Timeout(timeout), headers=headers, event_hooks={"response": [remember]}
    )
    try:
        with anyio.fail_after(timeout):
            async with http, Client(streamable_http_client(url, http_client=http), read_timeout_seconds=timeout) as client:
                yield client
    except McpFailure:
        raise
    except Exception as error:
        raise McpFailure(_describe(error, url, token, statuses, transport, timeout)) from None


def _remote_tool(tool: mcp_types.Tool) -> RemoteTool:
    """The tool as the hub keeps it (domain/tools.py): name and description cut, and a
    reason when it may not be offered (a name outside the rules, a schema too large)."""
    schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
    if schema.get("type") != "object":
        schema = {"type": "object", "properties": {}}
    size = len(json.dumps(schema, separators=(",", ":"), ensure_ascii=False, default=str).encode())
    refused = remote_refusal(tool.name, size)
    return RemoteTool(
        name=shown_remote_name(tool.name), description=remote_description(tool.description or ""),
        input_schema={} if refused else schema, refused=refused,
    )


async def list_tools(url: str, token: str | None, *, timeout: float) -> Listing:
    """The server's tools, in its order: at most REMOTE_TOOLS_LISTED, each cut to the limits."""
    found: list[RemoteTool] = []
    async with _connected(url, token, timeout) as client:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            for tool in page.tools:
                if len(found) == REMOTE_TOOLS_LISTED:
                    return Listing(tuple(found), complete=False)
                found.append(_remote_tool(tool))
            cursor = page.next_cursor
            if cursor is None:
                break
    return Listing(tuple(found))


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
