"""Per-request bookkeeping for /api/v1 (pure ASGI, so streamed responses pass
through untouched): the request body size limit (413), rate-limit headers on
every response, and one usage event per request attributed to its key.

Body limit: a Content-Length above NEUROCACHE_API_MAX_BODY_BYTES is refused
before anything is read; a body without a length (chunked) is counted as it
arrives and refused once it passes the limit. Both answer in the API's error
shape.

The key and the rate-limit decision are put in the request's state by
`deps.current_key`; a route that records its own usage (chat completions, with
tokens and agent) sets `state.usage_recorded`. Requests refused before a key
was known (401) cannot be attributed and are not recorded; requests refused by
the rate limit (429) are not recorded either, so a client hammering a limit
cannot turn its refused requests into database writes."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurocache_ui.api.errors import ApiError, error_response
from neurocache_ui.services import usage_writer
from neurocache_ui.settings import get_settings

PREFIX = "/api/"


class ApiMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        limit = get_settings().api_max_body_bytes
        too_large = f"The request body is too large: the limit is {limit:,} bytes."
        length = _content_length(scope)
        if length is not None and length > limit:
            await error_response(413, too_large, headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(413, too_large)
            return message

        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                decision = state.get("rate_limit")
                if decision is not None:
                    present = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [
                        (name.lower().encode(), value.encode())
                        for name, value in decision.headers().items()
                        if name.lower().encode() not in present
                    ]
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive_limited, send_with_headers)
        finally:
            key = state.get("api_key")
            if key is not None and not state.get("usage_recorded") and status != 429:
                usage_writer.enqueue(
                    key.user_id,
                    source="api",
                    api_key_id=key.key_id,
                    latency_ms=round((time.perf_counter() - started) * 1000),
                    outcome="ok" if status < 400 else "error",
                )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
