"""The hub as an MCP server: `/api/v1/mcp`, streamable HTTP, bearer = an API key.

Coding tools (Claude, Cursor, any MCP client) get the hub's channels and agents as
tools. Each tool is one call of this API made in-process with the caller's own key
(httpx over ASGI, no socket): so a tool can do exactly what the key can do over HTTP —
its owner's channels and agents, the key's scopes and limits, the rate limits, the usage
records — and no rule is written a second time here. Stateless (every request stands
alone, JSON answers): any worker or host can serve any request, as with the rest of the API."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
import httpx
from fastapi.security import HTTPAuthorizationCredentials
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from neurocache_ui.api import deps
from neurocache_ui.api.errors import ApiError, error_body

PATH = "/mcp"
INSTRUCTIONS = (
    "Neurocache Hub: your channels (people and AI agents chatting together) and your agents. "
    "Channels and agents are named by their slug (list_channels gives them). Messages you post "
    "appear live in the hub as yourself, and the channel's agents answer them as they would in the hub."
)
_caller: contextvars.ContextVar[tuple[str, ASGIApp]] = contextvars.ContextVar("mcp_caller")
"""The caller's key and the API app, for the in-process API calls of the request being served."""

server = MCPServer("neurocache-hub", instructions=INSTRUCTIONS, log_level="WARNING")


async def _call(method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None) -> Any:
    """One API call as the caller; an error answer becomes the tool's error, in the API's own words."""
    key, api = _caller.get()
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub/api/v1", timeout=300) as client:
        response = await client.request(
            method, path, params={k: v for k, v in (params or {}).items() if v is not None}, json=json,
            headers={"Authorization": f"Bearer {key}"},
        )
    if response.is_success:
        return response.json()
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:300]
    raise ToolError(f"{response.status_code}: {message}")


Slug = Annotated[str, Field(min_length=1, max_length=100, description="A channel's slug, as list_channels gives it.")]


@server.tool()
async def list_channels() -> dict[str, Any]:
    """Your channels and direct messages: slug, name, kind, agents, unread count."""
    return await _call("GET", "/channels")


@server.tool()
async def read_channel(
    channel: Slug,
    limit: Annotated[int, Field(ge=1, le=200)] = 30,
    around: Annotated[int | None, Field(ge=1, description="A message id: read around it instead of the newest.")] = None,
    thread_id: Annotated[int | None, Field(ge=1, description="A thread's root message id: read its replies.")] = None,
) -> dict[str, Any]:
    """A channel's messages, oldest first: the newest `limit`, or around one message, or a thread's replies."""
    return await _call("GET", f"/channels/{channel}/messages", params={"limit": limit, "around": around, "thread_id": thread_id})


@server.tool()
async def search_messages(
    query: Annotated[str, Field(min_length=1, max_length=200)], limit: Annotated[int, Field(ge=1, le=50)] = 20
) -> dict[str, Any]:
    """Search the messages of your channels (words, "a phrase", from:name, in:channel); newest first."""
    return await _call("GET", "/search", params={"q": query, "limit": limit})


@server.tool()
async def post_message(
    channel: Slug,
    content: Annotated[str, Field(min_length=1, max_length=4000)],
    thread_id: Annotated[int | None, Field(ge=1, description="Reply in this message's thread.")] = None,
) -> dict[str, Any]:
    """Post a message as yourself; agents it @mentions (or that answer every message) reply in the hub."""
    return await _call("POST", f"/channels/{channel}/messages", json={"content": content, "thread_id": thread_id})


@server.tool()
async def ask_agent(
    agent: Annotated[str, Field(min_length=1, max_length=100, description="The agent's slug.")],
    question: Annotated[str, Field(min_length=1, max_length=32_000)],
) -> str:
    """Ask one of your agents (with its knowledge and tools) and get its answer."""
    answer = await _call("POST", "/chat/completions",
                         json={"model": f"agent:{agent}", "messages": [{"role": "user", "content": question}]})
    return answer["choices"][0]["message"]["content"] or ""


@server.tool()
async def ask_channel(channel: Slug, question: Annotated[str, Field(min_length=1, max_length=32_000)]) -> dict[str, Any]:
    """Ask every agent of a channel; get each one's answer and their synthesis (the collective)."""
    return await _call("POST", f"/channels/{channel}/query", json={"question": question})


def _refused(error: ApiError) -> JSONResponse:
    return JSONResponse(error_body(error.status_code, str(error.detail), code=error.code), status_code=error.status_code,
                        headers=error.headers)


class McpEndpoint:
    """The ASGI endpoint: the key is checked (401, and the invalid-key throttle, as on every
    route) before the MCP transport sees the request, then kept for the tools' API calls
    to `api`, the app this endpoint is routed in."""

    def __init__(self, api: ASGIApp) -> None:
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token) if scheme.lower() == "bearer" and token else None
        try:
            await anyio.to_thread.run_sync(deps.authenticate, request, credentials)
        except ApiError as error:
            await _refused(error)(scope, receive, send)
            return
        reset = _caller.set((token.strip(), self.api))
        try:
            await server.session_manager.handle_request(scope, receive, send)
        finally:
            _caller.reset(reset)


def endpoint(api: ASGIApp) -> McpEndpoint:
    """The endpoint to route at PATH. A bearer key, not a cookie, proves who calls, so the
    DNS-rebinding check (for servers trusting whoever reaches localhost) has nothing to add."""
    server.streamable_http_app(
        streamable_http_path=PATH, stateless_http=True, json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return McpEndpoint(api)


@asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """For `app.register_lifespan_task`: the transport's task group lives as long as the app."""
    async with server.session_manager.run():
        yield


__all__ = ["PATH", "endpoint", "lifespan", "server"]
