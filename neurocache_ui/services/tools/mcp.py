"""An agent's MCP servers as tools: each enabled tool of each server becomes a Tool
named `mcp<n>_<tool>` (n: the server's place in the agent's list), so names never
clash with built-ins or each other. Discovery is cached for a minute per server and
token, so a reply does not list every server's tools first; a server that cannot be
reached contributes no tools to a reply and says why on the agent page. What a server
sends is already cut to the hub's limits (infra/mcp_client.py); a tool is offered only
as domain/tools.offered allows (not switched off, and known to the owner)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neurocache_ui.domain.tools import Tool, ToolError, ToolOutput, ToolSpec, offered
from neurocache_ui.infra import mcp_client
from neurocache_ui.infra.mcp_client import Listing, McpFailure, RemoteTool
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
FAILURE_CACHE_SECONDS = 15.0
"""An unreachable server is not tried again by every reply for this long."""
MAX_TOOLS = 64
"""Tools one agent gets from all its servers together (more would crowd the prompt)."""
UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


@dataclass(frozen=True)
class ServerEntry:
    """One configured server, whatever shape the agent row keeps it in."""

    url: str
    token: str | None = field(repr=False)
    disabled_tools: frozenset[str] = frozenset()
    allowed_tools: frozenset[str] | None = None

    def offers(self, tool: RemoteTool) -> bool:
        """Whether the agent's model is offered this tool of the server."""
        return not tool.refused and offered(tool.name, self.allowed_tools, self.disabled_tools)


@dataclass(frozen=True)
class ServerTools:
    """What discovery found on one server: every tool (offered or not) and the names of
    those offered, or the error; `complete` is false when the server listed more tools
    than the hub reads."""

    url: str
    host: str
    tools: tuple[RemoteTool, ...]
    enabled: frozenset[str] = frozenset()
    error: str = ""
    complete: bool = True


def entries(servers: Iterable[Any]) -> list[ServerEntry]:
    """The agent's server list (dicts from the JSON column, or settings models) as entries."""
    found: list[ServerEntry] = []
    for item in servers or ():
        get = item.get if isinstance(item, Mapping) else lambda key, default=None, item=item: getattr(item, key, default)
        url = str(get("url", "") or "")
        allowed = get("allowed_tools")
        if url:
            found.append(ServerEntry(
                url=url, token=get("token") or None, disabled_tools=frozenset(get("disabled_tools") or ()),
                allowed_tools=frozenset(allowed) if allowed is not None else None,
            ))  # fmt: skip
    return found


# ---------------------------------------------------------------- discovery, cached


_cache: dict[tuple[str, str], tuple[float, Listing | str]] = {}
"""(url, sha256 of the token) -> (expires at, the listing or the failure message); listings
are cut to the hub's limits, so the cache holds at most 64 small tools per server."""


def _key(entry: ServerEntry) -> tuple[str, str]:
    return entry.url, hashlib.sha256((entry.token or "").encode()).hexdigest()


async def _tools_of(entry: ServerEntry, *, fresh: bool = False) -> Listing:
    """The server's tools, from the cache unless `fresh`; McpFailure when it cannot be used."""
    key = _key(entry)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and cached[0] > now and not fresh:
        if isinstance(cached[1], str):
            raise McpFailure(cached[1])
        return cached[1]
    timeout = get_settings().tool_timeout_seconds
    try:
        tools = await mcp_client.list_tools(entry.url, entry.token, timeout=timeout)
    except McpFailure as error:
        _cache[key] = (time.monotonic() + FAILURE_CACHE_SECONDS, str(error))
        raise
    _cache[key] = (time.monotonic() + CACHE_SECONDS, tools)
    if len(_cache) > 1000:  # forget expired entries now and then
        for stale in [k for k, (expires, _) in _cache.items() if expires <= now]:
            _cache.pop(stale, None)
    return tools


def forget(url: str | None = None) -> None:
    """Drop cached discoveries (of one URL, or all): after the owner changed a server."""
    for key in [k for k in _cache if url is None or k[0] == url]:
        _cache.pop(key, None)


async def discover(servers: Iterable[Any]) -> list[ServerTools]:
    """Every server's tools, listed now (not from the cache), concurrently; for the agent page."""
    listed = entries(servers)

    async def one(entry: ServerEntry) -> ServerTools:
        host = mcp_client.origin(entry.url)
        try:
            listing = await _tools_of(entry, fresh=True)
        except McpFailure as error:
            return ServerTools(entry.url, host, (), error=str(error))
        enabled = frozenset(tool.name for tool in listing.tools if entry.offers(tool))
        return ServerTools(entry.url, host, listing.tools, enabled, complete=listing.complete)

    return list(await asyncio.gather(*(one(entry) for entry in listed)))


# ---------------------------------------------------------------- tools


def tool_name(server_number: int, remote_name: str, taken: set[str]) -> str:
    """`mcp<n>_<tool>`, made safe, at most 64 characters and not in `taken`."""
    prefix = f"mcp{server_number}_"
    base = (prefix + UNSAFE.sub("_", remote_name))[:64]
    name, attempt = base, 1
    while name in taken:
        attempt += 1
        suffix = f"_{attempt}"
        name = base[: 64 - len(suffix)] + suffix
    return name


@dataclass(frozen=True)
class McpTool:
    """One remote tool, as the reply loop sees it."""

    spec: ToolSpec
    remote_name: str
    url: str
    token: str | None = field(repr=False)

    @property
    def host(self) -> str:
        return mcp_client.origin(self.url)

    def step_text(self, arguments: Mapping[str, Any]) -> str:
        return f"Using {self.remote_name} on {self.host}…"

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        timeout = get_settings().tool_timeout_seconds * 0.9  # so this message, not the loop's timeout, is read
        try:
            result = await mcp_client.call_tool(self.url, self.token, self.remote_name, arguments, timeout=timeout)
        except McpFailure as error:
            raise ToolError(f"{self.remote_name} on {self.host} could not run: {error}") from None
        if result.is_error:
            raise ToolError(f"{self.remote_name} on {self.host} failed: {result.text or 'no details given'}")
        return ToolOutput(text=result.text)


def _spec(name: str, host: str, remote: RemoteTool) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=f"{remote.description or remote.name} (tool {remote.name} of the MCP server {host})",
        parameters=remote.input_schema,
    )


async def mcp_tools(agent: Any) -> list[Tool]:
    """The agent's enabled MCP tools. A server that cannot be reached is logged and
    contributes none, so the reply still goes ahead with the others."""
    listed = entries(getattr(agent, "mcp_servers", None) or ())

    async def tools_of(entry: ServerEntry) -> tuple[RemoteTool, ...]:
        try:
            return (await _tools_of(entry)).tools
        except McpFailure as error:
            log.warning("agent %s: MCP server skipped: %s", getattr(agent, "id", None), error)
            return ()

    found = await asyncio.gather(*(tools_of(entry) for entry in listed))
    tools: list[Tool] = []
    taken: set[str] = set()
    for number, (entry, remote_tools) in enumerate(zip(listed, found, strict=True), start=1):
        host = mcp_client.origin(entry.url)
        for remote in remote_tools:
            if not entry.offers(remote):
                continue
            if len(tools) >= MAX_TOOLS:
                log.warning("agent %s: more than %d MCP tools; the rest are left out", getattr(agent, "id", None), MAX_TOOLS)
                return tools
            name = tool_name(number, remote.name, taken)
            taken.add(name)
            tools.append(McpTool(spec=_spec(name, host, remote), remote_name=remote.name, url=entry.url, token=entry.token))
    return tools


__all__ = ["CACHE_SECONDS", "McpTool", "ServerEntry", "ServerTools", "discover", "entries", "forget", "mcp_tools", "tool_name"]
