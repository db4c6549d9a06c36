"""POST /chat/completions: OpenAI Chat Completions for `agent:<slug>` and `channel:<slug>`,
answered by the reply pipeline (services/agent_runs) and the collective through
api/chat_calls.py (shared with the Responses API). Only the Chat Completions shapes
live here: the completion object and its `chat.completion.chunk` stream."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from neurocache_ui.api.chat_calls import Call, first_delta, open_call, provider_error, read_rest
from neurocache_ui.api.deps import ChatKey
from neurocache_ui.api.errors import error_body
from neurocache_ui.api.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionFunctionCall,
    ChatCompletionRequest,
    ChatCompletionToolCall,
    Choice,
    ErrorResponse,
    Usage,
)
from neurocache_ui.domain.tools import ToolCall
from neurocache_ui.services.agent_runs.pipeline import CompletionResult

router = APIRouter(tags=["chat"])

STREAM_DOC = {
    200: {
        "description": "A chat.completion object, or with `stream: true` server-sent `chat.completion.chunk` "
        "events ending with `data: [DONE]`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    502: {"model": ErrorResponse, "description": "The model provider failed."},
    503: {"model": ErrorResponse, "description": "No model provider is configured, or a store is down."},
    504: {"model": ErrorResponse, "description": "The model provider did not answer in time."},
}


def _usage(call: Call, result: CompletionResult) -> Usage:
    prompt, completion = call.tokens(result)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def _tool_calls(calls: tuple[ToolCall, ...]) -> list[ChatCompletionToolCall]:
    return [ChatCompletionToolCall(id=c.id, function=ChatCompletionFunctionCall(name=c.name, arguments=c.arguments)) for c in calls]


def _chunk(cid: str, created: int, model: str, delta: Mapping[str, Any] | None, finish: str | None = None,
           usage: Usage | None = None) -> str:
    data: dict[str, Any] = {
        "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [] if delta is None else [{"index": 0, "delta": dict(delta), "finish_reason": finish}],
    }
    if usage is not None:
        data["usage"] = usage.model_dump()
    return f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def _reachable(allowed: bool, model: str) -> None:
    """A model outside the key's agents or channels is answered like one that does not exist."""
    if not allowed:
        raise model_not_found(model)


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses=STREAM_DOC,
    summary="Create a chat completion (OpenAI-compatible)",
)
async def create_chat_completion(body: ChatCompletionRequest, key: ChatKey, request: Request) -> Any:
    conversation = [m.model_dump(exclude_none=True) for m in body.messages]
    call = await open_call(
        key, body.model, conversation, tools=[t.model_dump(exclude_none=True) for t in body.tools or []],
        temperature=body.temperature, max_tokens=body.max_tokens or body.max_completion_tokens,
    )
    request.state.usage_recorded = True  # recorded below, with tokens

    cid = "chatcmpl-" + secrets.token_hex(12)
    created = int(time.time())
    stream = call.stream
    first = await first_delta(call)  # a failure before the first token becomes an HTTP error

    if not body.stream:
        result = await read_rest(call) if first is not None else stream.result
        assert result is not None
        if not result.ok and not result.text:
            raise provider_error(result)
        message = AssistantMessage(content=result.text)
        if result.tool_calls:
            message = AssistantMessage(content=result.text or None, tool_calls=_tool_calls(result.tool_calls))
        return ChatCompletion(
            id=cid, created=created, model=body.model,
            choices=[Choice(message=message, finish_reason=result.finish_reason or "stop")],
            usage=_usage(call, result),
        )

    include_usage = bool(body.stream_options and body.stream_options.include_usage)

    async def events() -> AsyncIterator[str]:
        recorded = first is None
        try:
            yield _chunk(cid, created, body.model, {"role": "assistant", "content": ""})
            if first is not None:
                yield _chunk(cid, created, body.model, {"content": first})
                async with stream:
                    async for delta in stream:
                        yield _chunk(cid, created, body.model, {"content": delta})
            result = stream.result
            assert result is not None
            if not recorded:
                await call.record(result)
                recorded = True
            if result.outcome in ("error", "timeout"):
                yield f"data: {json.dumps(error_body(502 if result.outcome == 'error' else 504, result.error or 'The model provider failed.'))}\n\n"
                return
            for number, asked in enumerate(_tool_calls(result.tool_calls)):
                yield _chunk(cid, created, body.model, {"tool_calls": [{"index": number, **asked.model_dump()}]})
            yield _chunk(cid, created, body.model, {}, result.finish_reason or "stop")
            if include_usage:
                yield _chunk(cid, created, body.model, None, usage=_usage(call, result))
            yield "data: [DONE]\n\n"
        finally:
            if not recorded:  # the client went away mid-stream
                await stream.aclose()
                await call.record(stream.result)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


__all__ = ["router"]
