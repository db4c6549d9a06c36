"""A hostile MCP server: the test server of testkit/mcp_server.py (the same `mcp`
package), with its answers to `tools/list` and `tools/call` replaced on demand by
what an attacker would send. `HostileMcpServer.become(mode, names=...)` switches it:

- "normal": the real server's answers;
- "bomb": `tools/list` is ~0.6 MB of gzip that inflates to ~600 MB of JSON;
- "huge": 200 tools, the first with a 1.5 MB description, one with a 300-character
  name, one with a name of forbidden characters, one with a 20 KB input schema;
- "named": `tools/list` lists exactly `names` (to rename a tool between discoveries);
- "shouting": `tools/call` fails with a 1 MB error message.

By hand: `python -m granian --interface asgi testkit.hostile_mcp:app --port 8013`."""

from __future__ import annotations

import functools
import json
import zlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from testkit.mcp_server import build_app
from testkit.servers import AsgiServer

state: dict[str, Any] = {"mode": "normal", "names": []}


@functools.cache
def bomb(request_id: int) -> bytes:
    """A tools/list answer whose one tool's description is 600 MB of "A", gzipped."""
    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = json.dumps({"jsonrpc": "2.0", "id": request_id, "result": {"tools": [
        {"name": "bomb", "inputSchema": {"type": "object"}, "description": "@"}]}}).encode()
    before, after = head.split(b"@")
    block = b"A" * (1 << 20)
    parts = [out.compress(before)] + [out.compress(block) for _ in range(600)] + [out.compress(after), out.flush()]
    return b"".join(parts)


def _tool(name: str, description: str = "A tool.", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "description": description, "inputSchema": schema or {"type": "object", "properties": {}}}


def huge_tools() -> list[dict[str, Any]]:
    wide = {"type": "object", "properties": {f"field_{n}": {"type": "string", "description": "x" * 100} for n in range(200)}}
    special = [
        _tool("novel", "N" * 1_500_000),
        _tool("n" * 300),
        _tool("rm -rf /; echo"),
        _tool("wide", schema=wide),
    ]
    return special + [_tool(f"tool_{n}", f"Tool number {n}.") for n in range(196)]


def _replaced(message: dict[str, Any]) -> Response | None:
    """The hostile answer to a JSON-RPC request, or None to let the real server answer."""
    method, request_id, mode = message.get("method"), message.get("id"), state["mode"]
    if method == "tools/list" and mode == "bomb":
        return Response(bomb(int(request_id)), media_type="application/json", headers={"Content-Encoding": "gzip"})
    if method == "tools/call" and mode == "shouting":
        return JSONResponse({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32000, "message": "E" * 1_000_000}})
    return None


def _tools_instead() -> list[dict[str, Any]] | None:
    """The tools a `tools/list` answer of the real server is rewritten to list, if any."""
    if state["mode"] == "huge":
        return huge_tools()
    if state["mode"] == "named":
        return [_tool(name, f"The tool {name}.") for name in state["names"]]
    return None


def _rewritten(body: bytes, tools: list[dict[str, Any]]) -> bytes:
    """The real answer (JSON, or one SSE event) with `tools` in its result."""
    if body.lstrip().startswith(b"{"):
        answer = json.loads(body)
        answer["result"]["tools"] = tools
        return json.dumps(answer).encode()
    lines = body.decode().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("data:"):
            answer = json.loads(line[5:])
            answer["result"]["tools"] = tools
            lines[number] = "data: " + json.dumps(answer)
    return ("\n".join(lines) + "\n\n").encode()


def build_hostile_app() -> Any:
    inner = build_app()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        if scope["path"] == "/_mode":
            request = Request(scope, receive)
            state.update(await request.json())
            await JSONResponse(state)(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            event = await receive()
            body += event.get("body", b"")
            more = event.get("more_body", False)
        try:
            message = json.loads(body) if body else {}
        except ValueError:
            message = {}
        replaced = _replaced(message) if isinstance(message, dict) else None
        if replaced is not None:
            await replaced(scope, receive, send)
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        tools = _tools_instead() if message.get("method") == "tools/list" else None
        if tools is None:
            await inner(scope, replay, send)
            return
        start: dict[str, Any] = {}
        answer = b""

        async def keep(event: dict[str, Any]) -> None:
            nonlocal start, answer
            if event["type"] == "http.response.start":
                start = event
            else:
                answer += event.get("body", b"")

        await inner(scope, replay, keep)
        answer = _rewritten(answer, tools)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    return app


def __getattr__(name: str) -> Any:
    """`testkit.hostile_mcp:app` for Granian, built when first asked for."""
    if name == "app":
        built = build_hostile_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)


class HostileMcpServer(AsgiServer):
    """The server above on a free loopback port; `url` + "/mcp" is its endpoint."""

    ready_path = "/health"

    def __init__(self) -> None:
        super().__init__("testkit.hostile_mcp:app")

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def become(self, mode: str, names: list[str] | None = None) -> None:
        self.http.post("/_mode", json={"mode": mode, "names": names or []}).raise_for_status()
