"""The "MCP servers" tab of an agent's page: who may set off the agent's MCP tools, the
servers, their tools with a switch each (a tool the hub refuses says why), and a form to
add one (the token field is write-only)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.agent_settings import MAX_MCP_SERVERS, MCP_TRIGGERS
from neurocache_ui.domain.tools import REMOTE_TOOLS_LISTED
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.mcp import McpState


def _tool(server_url: rx.Var[str], tool: rx.Var[dict[str, Any]]) -> rx.Component:
    refused = tool["refused"].to(str)
    return rx.cond(
        tool["url"].to(str) == server_url,
        rx.hstack(
            rx.switch(
                checked=tool["enabled"].to(bool),
                disabled=refused != "",
                on_change=lambda enabled: McpState.toggle_mcp_tool(tool["url"], tool["name"], enabled),
                aria_label="Enable " + tool["name"].to(str),
            ),
            rx.vstack(
                rx.code(tool["name"]),
                rx.text(tool["description"], size="1", color=rx.color("gray", 11)),
                rx.cond(refused != "", rx.text(refused, size="1", color=rx.color("red", 11))),
                spacing="0",
            ),
            align="center",
            spacing="3",
            data_mcp_tool=tool["name"],
        ),
    )


def _server(server: rx.Var[dict[str, Any]]) -> rx.Component:
    url = server["url"].to(str)
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("server", size=16),
                rx.text(server["url"], weight="medium", class_name="truncate"),
                rx.cond(server["has_token"].to(bool), rx.badge("token set", variant="soft", color_scheme="green")),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("trash-2", size=14), variant="ghost", color_scheme="red",
                    aria_label="Remove " + url, on_click=McpState.remove_mcp_server(url),
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                server["error"].to(str) != "",
                rx.callout(server["error"], icon="triangle-alert", color_scheme="red", size="1", role="alert"),
            ),
            rx.cond(
                server["discovered"].to(bool) & ~server["complete"].to(bool),
                rx.text(
                    f"This server lists more than {REMOTE_TOOLS_LISTED} tools; only the first {REMOTE_TOOLS_LISTED} "
                    "are read.", size="2", color=rx.color("amber", 11),
                ),
            ),
            rx.cond(
                server["discovered"].to(bool),
                rx.vstack(rx.foreach(McpState.mcp_tools, lambda tool: _tool(url, tool)), spacing="2"),
                rx.text("Press “Discover tools” to list what this server offers.", size="2", color=rx.color("gray", 11)),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        role="listitem",
        aria_label="MCP server " + server["host"].to(str),
        data_mcp_server=server["host"],
    )


def _add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="url", placeholder="https://tools.example.com/mcp", aria_label="MCP server URL",
                     type="url", required=True, flex="2", min_width="16em"),
            rx.input(name="token", placeholder="Bearer token (optional)", aria_label="MCP server token",
                     type="password", auto_complete="off", flex="1", min_width="10em"),
            rx.button(rx.icon("plus", size=16), "Add server", type="submit", loading=McpState.mcp_busy),
            spacing="2",
            width="100%",
            wrap="wrap",
        ),
        key=McpState.mcp_form_key.to(str),
        on_submit=McpState.add_mcp_server,
        width="100%",
    )


def _trigger() -> rx.Component:
    """Who may set off the tools: they act with the owner's tokens."""
    return rx.vstack(
        rx.text("Who may trigger this agent's MCP tools", weight="medium", id="mcp-trigger-label"),
        rx.radio_group.root(
            rx.hstack(
                *(rx.radio_group.item(label, value=value) for value, label in MCP_TRIGGERS.items()),
                spacing="4",
                wrap="wrap",
            ),
            value=McpState.mcp_trigger,
            on_change=McpState.set_mcp_trigger,
            aria_labelledby="mcp-trigger-label",
        ),
        rx.text(
            "The tools act with your tokens. With “Only me”, replies to other people's messages run without them "
            "and say so.",
            size="1",
            color=rx.color("gray", 11),
        ),
        spacing="1",
        width="100%",
    )


def mcp_panel() -> rx.Component:
    return rx.vstack(
        rx.text(
            f"Tools from MCP servers (streamable HTTP, up to {MAX_MCP_SERVERS}) the agent may call while it answers. "
            "A token is sent to its server as a bearer token and is never shown again. Tools a server adds or "
            "renames later stay off until you switch them on.",
            color=rx.color("gray", 11),
        ),
        _trigger(),
        _add_form(),
        form_alert(McpState.mcp_error),
        rx.cond(
            McpState.mcp_rows.length() > 0,
            rx.vstack(
                rx.button(
                    rx.icon("search", size=16), "Discover tools", variant="soft",
                    on_click=McpState.discover_mcp_tools, loading=McpState.mcp_discovering,
                ),
                rx.vstack(rx.foreach(McpState.mcp_rows, _server), spacing="3", width="100%", role="list",
                          aria_label="MCP servers"),
                spacing="3",
                width="100%",
                align="start",
            ),
            rx.text("No MCP servers yet.", color=rx.color("gray", 11)),
        ),
        spacing="3",
        width="100%",
        align="start",
    )
