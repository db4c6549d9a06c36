"""An agent's MCP servers on its page: add, remove, discover their tools and switch
single tools off and on. Every event resolves the user again and the service checks
ownership; a server's token goes to the server once and never comes back to the page."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import mcp_servers
from neurocache_ui.web.state.agents import SESSION_ENDED, AgentsState

log = logging.getLogger(__name__)

FAILED = "Could not change the MCP servers right now; try again."


def server_row(view: mcp_servers.ServerView) -> dict[str, Any]:
    return {"url": view.url, "host": view.host, "has_token": view.has_token, "error": "", "discovered": False}


class McpState(AgentsState):
    mcp_rows: list[dict[str, Any]] = []
    """One per server: url, host, has_token, error (of the last discovery), discovered."""
    mcp_tools: list[dict[str, Any]] = []
    """Every discovered tool: url (its server), name, description, enabled."""
    mcp_error: str = ""
    mcp_busy: bool = False
    mcp_discovering: bool = False
    mcp_form_key: int = 0

    def _show(self, views: list[mcp_servers.ServerView]) -> None:
        """Rows for `views`, keeping what discovery found for servers still listed."""
        old = {row["url"]: row for row in self.mcp_rows}
        disabled = {view.url: set(view.disabled_tools) for view in views}
        self.mcp_rows = [
            {**server_row(view), **{k: old[view.url][k] for k in ("error", "discovered") if view.url in old}}
            for view in views
        ]
        self.mcp_tools = [
            {**tool, "enabled": tool["name"] not in disabled[tool["url"]]}
            for tool in self.mcp_tools
            if tool["url"] in disabled
        ]

    async def _run(self, action: Any, *args: Any) -> bool:
        """Call a services function in a thread; its failure is shown above the list."""
        try:
            self._show(await asyncio.to_thread(action, *args))
        except NeurocacheError as error:
            self.mcp_error = str(error)
            return False
        except Exception:
            log.exception("changing MCP servers failed")
            self.mcp_error = FAILED
            return False
        self.mcp_error = ""
        return True

    @rx.event
    async def load_mcp(self):
        """on_load of /agents/[slug] (after open_agent): the agent's servers, not yet discovered."""
        self.mcp_rows, self.mcp_tools, self.mcp_error = [], [], ""
        user = await self._user()
        if user is None or not self.agent_id:
            return
        await self._run(mcp_servers.list_servers, user.id, self.agent_id)

    @rx.event
    async def add_mcp_server(self, form: dict[str, Any]):
        user = await self._user()
        if user is None:
            self.mcp_error = SESSION_ENDED
            return
        if not self.agent_id:
            return
        self.mcp_busy = True
        yield
        try:
            views = await mcp_servers.add_server(user.id, self.agent_id, str(form.get("url") or ""), str(form.get("token") or "") or None)
        except NeurocacheError as error:
            self.mcp_error = str(error)
            self.mcp_busy = False
            return
        except Exception:
            log.exception("adding an MCP server failed")
            self.mcp_error, self.mcp_busy = FAILED, False
            return
        self._show(views)
        self.mcp_error, self.mcp_busy = "", False
        self.mcp_form_key += 1  # an empty form again (the token field too)
        yield McpState.discover_mcp_tools

    @rx.event
    async def remove_mcp_server(self, url: str):
        user = await self._user()
        if user is None:
            self.mcp_error = SESSION_ENDED
            return
        if self.agent_id:
            await self._run(mcp_servers.remove_server, user.id, self.agent_id, str(url))

    @rx.event
    async def toggle_mcp_tool(self, url: str, name: str, enabled: bool):
        user = await self._user()
        if user is None:
            self.mcp_error = SESSION_ENDED
            return
        if self.agent_id:
            await self._run(mcp_servers.set_tool_enabled, user.id, self.agent_id, str(url), str(name), bool(enabled))

    @rx.event(background=True)
    async def discover_mcp_tools(self):
        """Ask every server for its tools. A background task: servers may take up to
        NEUROCACHE_TOOL_TIMEOUT_SECONDS, and the page stays usable meanwhile."""
        async with self:
            user = await self._user()
            agent_id = self.agent_id
            if user is None:
                self.mcp_error = SESSION_ENDED
                return
            if not agent_id or self.mcp_discovering:
                return
            self.mcp_discovering = True
        try:
            found = await mcp_servers.discover_tools(user.id, agent_id)
        except NeurocacheError as error:
            async with self:
                self.mcp_error, self.mcp_discovering = str(error), False
            return
        except Exception:
            log.exception("discovering MCP tools failed")
            async with self:
                self.mcp_error, self.mcp_discovering = FAILED, False
            return
        async with self:
            self.mcp_discovering = False
            if self.agent_id != agent_id:  # the tab moved on to another agent
                return
            by_url = {server.url: server for server in found}
            self.mcp_rows = [
                {**row, "error": by_url[row["url"]].error, "discovered": True} if row["url"] in by_url else row
                for row in self.mcp_rows
            ]
            self.mcp_tools = [
                {"url": server.url, "name": tool.name, "description": tool.description,
                 "enabled": tool.name not in server.disabled_tools}
                for server in found
                for tool in server.tools
            ]
            self.mcp_error = ""
