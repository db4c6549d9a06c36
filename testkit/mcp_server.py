"""A small MCP server over streamable HTTP, built with the same `mcp` package the hub
uses, so MCP tests talk to a real server. `/mcp` is open; `/secure/mcp` needs
`Authorization: Bearer <TOKEN>` (401 otherwise). `McpTestServer` runs it under Granian.
By hand: `python -m granian --interface asgi testkit.mcp_server:app --port 8012`."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ImageContent, TextContent
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from testkit.servers import AsgiServer

TOKEN = "mcp-test-token"
SECURE_PREFIX = "/secure"
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

calls: list[dict[str, Any]] = []
"""Every tool call this process served (name and arguments), for /_calls."""
mcp_requests: list[str] = []
"""The path of every HTTP request to an MCP endpoint, for /_calls."""


def build_app() -> Any:
    """The ASGI app. Built on first use (`app` below): making an MCPServer configures the
    process's logging, which the tests' own process must not get by importing this module."""
    server = MCPServer("neurocache-test-tools", log_level="WARNING")

    @server.tool()
    def add(a: int, b: int) -> str:
        """Add two whole numbers."""
        calls.append({"name": "add", "arguments": {"a": a, "b": b}})
        return str(a + b)

    @server.tool()
    def shout(text: str) -> str:
        """Repeat the text in capital letters."""
        calls.append({"name": "shout", "arguments": {"text": text}})
        return text.upper()

    @server.tool()
    def picture(caption: str) -> list[TextContent | ImageContent]:
        """A caption and a one-pixel PNG."""
        calls.append({"name": "picture", "arguments": {"caption": caption}})
        return [TextContent(text=caption), ImageContent(data=PIXEL, mime_type="image/png")]

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails with the given reason."""
        calls.append({"name": "fail", "arguments": {"reason": reason}})
        raise ToolError(reason)

    @server.custom_route("/health", methods=["GET"])
    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    @server.custom_route("/_calls", methods=["GET", "DELETE"])
    async def recorded_calls(request: Request) -> Response:
        if request.method == "DELETE":
            calls.clear()
            mcp_requests.clear()
        return JSONResponse({"calls": calls, "mcp_requests": len(mcp_requests)})

    inner = server.streamable_http_app(streamable_http_path="/mcp")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Paths under /secure need the bearer token and are served without the prefix."""
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path.endswith("/mcp"):
            mcp_requests.append(path)
        if scope["type"] == "http" and path.startswith(SECURE_PREFIX):
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization", b"") != f"Bearer {TOKEN}".encode():
                await PlainTextResponse("missing or wrong bearer token", status_code=401)(scope, receive, send)
                return
            scope = {**scope, "path": path[len(SECURE_PREFIX):] or "/", "raw_path": None}
        await inner(scope, receive, send)

    return app


def __getattr__(name: str) -> Any:
    """`testkit.mcp_server:app` for Granian, built when first asked for."""
    if name == "app":
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)


class McpTestServer(AsgiServer):
    """The server above on a free loopback port."""

    ready_path = "/health"

    def __init__(self) -> None:
        super().__init__("testkit.mcp_server:app")

    @property
    def open_url(self) -> str:
        return f"{self.url}/mcp"

    @property
    def secure_url(self) -> str:
        return f"{self.url}{SECURE_PREFIX}/mcp"

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def calls(self) -> list[dict[str, Any]]:
        """The tool calls served since the last `clear_calls`."""
        return self.http.get("/_calls").json()["calls"]

    def request_count(self) -> int:
        """HTTP requests to the MCP endpoints since the last `clear_calls`."""
        return self.http.get("/_calls").json()["mcp_requests"]

    def clear_calls(self) -> None:
        self.http.delete("/_calls")
