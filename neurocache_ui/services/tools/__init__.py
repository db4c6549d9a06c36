"""The tools an agent may use, by the names stored in its settings: the built-in
ones (web_search, fetch_url) and those of its MCP servers. The reply pipeline asks
`tools_for(agent)`; an agent without tools gets [] and answers as a plain model call."""

from __future__ import annotations

import logging
from typing import Any

from neurocache_ui.domain.tools import Tool
from neurocache_ui.services.tools import fetch_url, web_search

log = logging.getLogger(__name__)

BUILT_IN: dict[str, Tool] = {"web_search": web_search.TOOL, "fetch_url": fetch_url.TOOL}
"""Built-in tools by the name agent settings use."""


async def tools_for(agent: Any, *, with_mcp: bool) -> list[Tool]:
    """The agent's enabled tools: its built-ins in settings order, then, `with_mcp`, its
    MCP servers' (a server that cannot be reached contributes none; services/tools/mcp).
    Without `with_mcp` no MCP server is contacted at all (domain/reply_rules.may_use_mcp)."""
    tools: list[Tool] = []
    for name in dict.fromkeys(getattr(agent, "tools", None) or []):
        tool = BUILT_IN.get(name)
        if tool is None:
            log.warning("agent %s names an unknown tool %r; ignored", getattr(agent, "id", None), name)
        else:
            tools.append(tool)
    if with_mcp and getattr(agent, "mcp_servers", None):
        # The `mcp` package is loaded only for agents that use it.
        from neurocache_ui.services.tools import mcp

        tools.extend(await mcp.mcp_tools(agent))
    return tools


__all__ = ["BUILT_IN", "Tool", "tools_for"]
