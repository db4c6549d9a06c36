"""An agent's MCP servers, as its owner manages them on the agent page: add (the URL
must pass the address rules first), remove, switch single tools off and on, and
discover what each server offers. The owner's first discovery of a server records the
tools it offered then (`allowed_tools`): tools it adds or renames later stay off until
the owner switches them on. Tokens go in and are used, but never come back out: views
say only whether a server has one. Someone else's agent is NotFound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from neurocache_ui.domain.agent_settings import McpServer, SettingsInvalid
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.tools import offered
from neurocache_ui.infra import mcp_client
from neurocache_ui.services import agent_versions
from neurocache_ui.services import agents as agent_core
from neurocache_ui.services.tools import mcp as mcp_tools
from neurocache_ui.services.tools.mcp import ServerTools
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import agents as repo


@dataclass(frozen=True)
class ServerView:
    """A configured server without its token."""

    url: str
    host: str
    has_token: bool
    disabled_tools: tuple[str, ...]
    allowed_tools: tuple[str, ...] | None = None

    def offers(self, tool: str) -> bool:
        """Whether the tool (named as the server lists it) is switched on for the agent."""
        return offered(tool, self.allowed_tools, self.disabled_tools)


def _view(server: McpServer) -> ServerView:
    return ServerView(
        url=server.url, host=mcp_client.origin(server.url), has_token=bool(server.token),
        disabled_tools=tuple(server.disabled_tools),
        allowed_tools=tuple(server.allowed_tools) if server.allowed_tools is not None else None,
    )


def _stored(owner_id: int, agent_id: int) -> list[McpServer]:
    return [McpServer.model_validate(item) for item in agent_core.get_agent(owner_id, agent_id).mcp_servers or []]


def list_servers(owner_id: int, agent_id: int) -> list[ServerView]:
    return [_view(server) for server in _stored(owner_id, agent_id)]


def _change(owner_id: int, agent_id: int, change: Callable[[list[McpServer]], list[McpServer]]) -> list[ServerView]:
    """Apply `change` to the stored list under a row lock (Postgres), validate, save."""
    with session_scope() as session:
        agent = repo.owned(session, owner_id, int(agent_id))
        if agent is None:
            raise NotFound(agent_core.NOT_FOUND)
        session.refresh(agent, with_for_update=True)
        servers = change([McpServer.model_validate(item) for item in agent.mcp_servers or []])
        checked = agent_core.validate_settings({"mcp_servers": [s.model_dump() for s in servers]}, partial=True)
        agent.mcp_servers = [server.model_dump() for server in checked.mcp_servers]
        agent.updated_at = utcnow()
        session.add(agent)
        agent_versions.record(session, agent, owner_id, agent_core.SETTING_NAMES)
        return [_view(server) for server in checked.mcp_servers]


def _find(servers: list[McpServer], url: str) -> McpServer:
    for server in servers:
        if server.url == url:
            return server
    raise NotFound("That MCP server is not on this agent (any more).")


async def add_server(owner_id: int, agent_id: int, url: str, token: str | None = None) -> list[ServerView]:
    """Add a server; Invalid (field "url") for a URL that breaks the rules or may not be contacted."""
    url = (url or "").strip()
    try:
        server = McpServer(url=url, token=token)
    except ValueError as error:
        raise Invalid(_first_error(error), "url") from None
    if refusal := await _refusal(server.url):
        raise Invalid(refusal, "url")

    def append(servers: list[McpServer]) -> list[McpServer]:
        if any(existing.url == server.url for existing in servers):
            raise Invalid("This MCP server is already on the agent.", "url")
        return [*servers, server]

    views = await asyncio.to_thread(_change, owner_id, agent_id, append)
    mcp_tools.forget(server.url)
    return views


async def _refusal(url: str) -> str:
    """Why the hub may not contact this server ("" if it may: a name that does not
    resolve today is no reason, it fails when used)."""
    try:
        await mcp_client.check_url(url)
    except mcp_client.McpRefused as error:
        return str(error)
    except mcp_client.McpFailure:
        return ""
    return ""


async def check_urls(urls: Iterable[str]) -> None:
    """SettingsInvalid on `mcp_servers` for the first URL the hub may not contact: what the
    API saves passes the same address rules as what the agent page adds."""
    for url in dict.fromkeys(urls):
        if refusal := await _refusal(url):
            raise SettingsInvalid({"mcp_servers": refusal})


def _first_error(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        for item in errors():
            return str(item.get("msg", error)).removeprefix("Value error, ")
    return str(error)


def remove_server(owner_id: int, agent_id: int, url: str) -> list[ServerView]:
    def without(servers: list[McpServer]) -> list[McpServer]:
        _find(servers, url)
        return [server for server in servers if server.url != url]

    views = _change(owner_id, agent_id, without)
    mcp_tools.forget(url)
    return views


def set_tool_enabled(owner_id: int, agent_id: int, url: str, tool: str, enabled: bool) -> list[ServerView]:
    """Switch one of the server's tools (its name as the server lists it) on or off."""

    def switched(servers: list[McpServer]) -> list[McpServer]:
        server = _find(servers, url)
        disabled = [name for name in server.disabled_tools if name != tool]
        allowed = server.allowed_tools
        if not enabled:
            disabled.append(tool)
        elif allowed is not None and tool not in allowed:
            allowed = [*allowed, tool]
        replaced = server.model_copy(update={"disabled_tools": disabled, "allowed_tools": allowed})
        return [replaced if s.url == url else s for s in servers]

    return _change(owner_id, agent_id, switched)


async def discover_tools(owner_id: int, agent_id: int) -> list[ServerTools]:
    """Each of the agent's servers asked for its tools now; a server that fails carries its
    error. A server discovered for the first time gets what it offered recorded as the
    tools the owner allowed (they are shown switched on)."""
    servers = await asyncio.to_thread(_stored, owner_id, agent_id)
    found = await mcp_tools.discover(servers)
    first = {
        listed.url: [tool.name for tool in listed.tools if not tool.refused]
        for server, listed in zip(servers, found, strict=True)
        if server.allowed_tools is None and not listed.error
    }
    if first:

        def record(current: list[McpServer]) -> list[McpServer]:
            return [
                s.model_copy(update={"allowed_tools": first[s.url]}) if s.url in first and s.allowed_tools is None else s
                for s in current
            ]

        await asyncio.to_thread(_change, owner_id, agent_id, record)
    return found


def trigger(owner_id: int, agent_id: int) -> str:
    """Who may set off the agent's MCP tools: "owner" or "members" (domain/agent_settings.MCP_TRIGGERS)."""
    return agent_core.get_agent(owner_id, agent_id).mcp_trigger


def set_trigger(owner_id: int, agent_id: int, value: str) -> str:
    """Change who may set off the agent's MCP tools; SettingsInvalid for another value."""
    return agent_core.update_agent(owner_id, agent_id, {"mcp_trigger": value}).mcp_trigger


__all__ = [
    "ServerTools",
    "ServerView",
    "add_server",
    "check_urls",
    "discover_tools",
    "list_servers",
    "remove_server",
    "set_tool_enabled",
    "set_trigger",
    "trigger",
]
