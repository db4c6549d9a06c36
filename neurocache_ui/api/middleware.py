"""Per-request bookkeeping for /api/v1, pure ASGI so streams pass untouched: the
body size limit (413; knowledge and media uploads have their own limits), rate-limit headers on every response, and one usage record
per request for its key (not for 401s or 429s: refused requests must not turn into
writes; routes that record their own usage set `state.usage_recorded`)."""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurocache_ui.api.errors import ApiError, error_response, too_large_message
from neurocache_ui.services import knowledge, usage
from neurocache_ui.settings import get_settings

PREFIX = "/api/"
KNOWLEDGE_UPLOAD = re.compile(r"^/api/v1/agents/[^/]+/knowledge/?$")
MEDIA_UPLOAD = re.compile(r"^/api/v1/media/?$")
FILE_UPLOAD = re.compile(r"^/api/v1/files/?$")


class ApiMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        limit = _body_limit(scope)
        length = _content_length(scope)
        if length is not None and length > limit:
            await error_response(413, too_large_message(), headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(413, too_large_message())
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
                usage.enqueue(
                    usage.UsageRecord(
                        key.user_id,
                        "api",
                        api_key_id=key.key_id,
                        latency_ms=round((time.perf_counter() - started) * 1000),
                        outcome="ok" if status < 400 else "error",
                    )
                )


def _body_limit(scope: Scope) -> int:
    """Uploads of knowledge, media and files have their own limits; every other request the API's."""
    if scope.get("method") == "POST" and KNOWLEDGE_UPLOAD.match(scope["path"]):
        return knowledge.request_limit()
    if scope.get("method") == "POST" and MEDIA_UPLOAD.match(scope["path"]):
        return get_settings().media_max_mb * 1024 * 1024
    if scope.get("method") == "POST" and FILE_UPLOAD.match(scope["path"]):
        return get_settings().file_max_mb * 1024 * 1024
    return get_settings().api_max_body_bytes


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
