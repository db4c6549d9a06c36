"""An agent's MCP servers on its page: add, remove, discover their tools, switch single
tools off and on, and choose who may set them off. Every event resolves the user again
and the service checks ownership; a server's token goes to the server once and never
comes back to the page. The page keeps what it shows and no more: discovered tools are
already cut to the hub's limits (names 64 characters, descriptions 1 KB, 64 per server).

Rows change by the pure functions below. A row has a `rev`: a server removed and
added again, or given a token, is a new row, so nothing discovered for the old one
(an error above all) is shown on it; a discovery still running when that happened
applies only to the rows it was started for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import mcp_servers
from neurocache_ui.web.state.agents import SESSION_ENDED, AgentsState

log = logging.getLogger(__name__)

FAILED = "Could not change the MCP servers right now; try again."

Row = dict[str, Any]


def merged_rows(old: Sequence[Row], views: Sequence[mcp_servers.ServerView], next_rev: int) -> tuple[list[Row], int]:
    """Rows for `views` and the next free rev: a server whose row is unchanged (same URL,
    same token state) keeps its rev and what discovery found; a new or changed one starts
    afresh, with no error."""
    kept = {(row["url"], row["has_token"]): row for row in old}
    rows = []
    for view in views:
        row = kept.get((view.url, view.has_token))
        if row is None:
            row = {"url": view.url, "host": view.host, "has_token": view.has_token, "error": "", "discovered": False,
                   "complete": True, "rev": next_rev}  # fmt: skip
            next_rev += 1
        rows.append(row)
    return rows, next_rev


def shown_tools(tools: Sequence[Row], rows: Sequence[Row], views: Sequence[mcp_servers.ServerView]) -> list[Row]:
    """The discovered tools of rows still shown (same rev), switched as `views` say."""
    revs = {row["url"]: row["rev"] for row in rows}
    by_url = {view.url: view for view in views}
    return [
        {**tool, "enabled": not tool["refused"] and by_url[tool["url"]].offers(tool["name"])}
        for tool in tools
        if revs.get(tool["url"]) == tool["rev"]
    ]


def discovered(
    rows: Sequence[Row], tools: Sequence[Row], started: dict[str, int], found: Sequence[mcp_servers.ServerTools]
) -> tuple[list[Row], list[Row]]:
    """Rows and tools after a discovery started for the rows `started` (url -> rev):
    applied only to rows that are still those; others keep what they had."""
    current = {row["url"]: row["rev"] for row in rows}
    fresh = {s.url: s for s in found if s.url in started and current.get(s.url) == started[s.url]}
    new_rows = [
        {**row, "error": fresh[row["url"]].error, "discovered": True, "complete": fresh[row["url"]].complete}
        if row["url"] in fresh else row
        for row in rows
    ]
    new_tools = [tool for tool in tools if tool["url"] not in fresh] + [
        {"url": server.url, "rev": started[server.url], "name": tool.name, "description": tool.description,
         "refused": tool.refused, "enabled": tool.name in server.enabled}
        for server in fresh.values()
        for tool in server.tools
    ]  # fmt: skip
    return new_rows, new_tools


class McpState(AgentsState):
    mcp_rows: list[dict[str, Any]] = []
    """One per server: url, host, has_token, error (of the last discovery), discovered, complete, rev."""
    mcp_tools: list[dict[str, Any]] = []
    """Every discovered tool: url and rev (its server's row), name, description, refused (why not usable), enabled."""
    mcp_trigger: str = "owner"
    """Who may set off the agent's MCP tools: "owner" or "members"."""
    mcp_error: str = ""
    mcp_busy: bool = False
    mcp_discovering: bool = False
    mcp_form_key: int = 0
    mcp_rev: int = 1

    def _show(self, views: list[mcp_servers.ServerView]) -> None:
        self.mcp_rows, self.mcp_rev = merged_rows(self.mcp_rows, views, self.mcp_rev)
        self.mcp_tools = shown_tools(self.mcp_tools, self.mcp_rows, views)

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
        self.mcp_rows, self.mcp_tools, self.mcp_error, self.mcp_trigger = [], [], "", "owner"
        user = await self._user()
        if user is None or not self.agent_id:
            return
        if await self._run(mcp_servers.list_servers, user.id, self.agent_id):
            self.mcp_trigger = await asyncio.to_thread(mcp_servers.trigger, user.id, self.agent_id)

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

    async def _asker(self) -> int | None:
        """The signed-in user's id for a change to the open agent (the service checks she
        owns it); None without a session (the reason is shown) or an open agent."""
        user = await self._user()
        if user is None:
            self.mcp_error = SESSION_ENDED
            return None
        return user.id if self.agent_id else None

    @rx.event
    async def remove_mcp_server(self, url: str):
        if (user_id := await self._asker()) is not None:
            await self._run(mcp_servers.remove_server, user_id, self.agent_id, str(url))

    @rx.event
    async def toggle_mcp_tool(self, url: str, name: str, enabled: bool):
        if (user_id := await self._asker()) is not None:
            await self._run(mcp_servers.set_tool_enabled, user_id, self.agent_id, str(url), str(name), bool(enabled))

    @rx.event
    async def set_mcp_trigger(self, value: str):
        """Who may set off the agent's MCP tools (its owner's tokens): "owner" or "members"."""
        if (user_id := await self._asker()) is None:
            return
        try:
            self.mcp_trigger = await asyncio.to_thread(mcp_servers.set_trigger, user_id, self.agent_id, str(value))
        except NeurocacheError as error:
            self.mcp_error = str(error)
            return
        self.mcp_error = ""

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
            started = {row["url"]: row["rev"] for row in self.mcp_rows}
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
            self.mcp_rows, self.mcp_tools = discovered(self.mcp_rows, self.mcp_tools, started, found)
            self.mcp_error = ""
            again = any(not row["discovered"] for row in self.mcp_rows)
        if again:  # a server was added (or given a token) while this discovery ran
            yield McpState.discover_mcp_tools
