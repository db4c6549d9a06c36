"""POST /chat/completions: OpenAI Chat Completions for `agent:<slug>` and `channel:<slug>`,
answered by the reply pipeline (services/agent_runs) and the collective. Only the
HTTP side lives here: the call starts before the response, so a provider failing
before its first token is a proper 502/503/504 rather than a 200 stream that breaks;
spending refusals are the caller's limits (429 quota, 422 model)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from neurocache_ui.api.deps import CurrentKey
from neurocache_ui.api.errors import ApiError, error_body
from neurocache_ui.api.routes.models import AGENT, CHANNEL, model_not_found
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
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.tools import NAME as TOOL_NAME
from neurocache_ui.domain.tools import ToolCall
from neurocache_ui.services import agents, collective, spend
from neurocache_ui.services.agent_runs import api_turns, pipeline
from neurocache_ui.services.agent_runs.pipeline import (
    Caller,
    ChatStream,
    CompletionResult,
    ToolLoop,
)
from neurocache_ui.services.media import listening

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


def refusal_error(refusal: spend.Refusal) -> ApiError:
    """A call the spending gate refused: the user's hourly quota (429) or a model outside the allow-list (422)."""
    if refusal.reason == "quota":
        return ApiError(
            429, refusal.message, code="model_call_quota_exceeded", headers={"Retry-After": str(refusal.retry_after or 1)}
        )
    return ApiError(422, refusal.message, code="model_not_allowed", param="model")


def _provider_error(result: CompletionResult) -> ApiError:
    if result.refusal is not None:
        return refusal_error(result.refusal)
    message = result.error or "The model provider failed."
    if result.outcome == "timeout":
        return ApiError(504, message)
    return ApiError(502, message)


def _usage(prompt_tokens: int, completion_tokens: int) -> Usage:
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens)


class _Call:
    """One prepared completion: its stream, whose usage it is, and tokens already spent on it."""

    def __init__(
        self,
        stream: ChatStream | ToolLoop,
        caller: Caller,
        *,
        agent_id: int | None = None,
        extra_usage: tuple[int, int] = (0, 0),
    ) -> None:
        self.stream = stream
        self.caller = caller
        self.agent_id = agent_id
        self.extra_prompt, self.extra_completion = extra_usage

    async def record(self, result: CompletionResult | None) -> None:
        calls = (len(result.tool_calls) if result is not None else 0) + getattr(self.stream, "tool_calls_run", 0)
        await pipeline.record_usage(self.caller, result, agent_id=self.agent_id, tool_calls=calls)


def _max_tokens(body: ChatCompletionRequest) -> int | None:
    return body.max_tokens or body.max_completion_tokens


def _caller_tools(body: ChatCompletionRequest) -> list[dict[str, Any]]:
    """The caller's tools as OpenAI definitions; 422 for one no model would accept."""
    tools = []
    for number, tool in enumerate(body.tools or []):
        name = tool.function.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise ApiError(422, f"tools[{number}].function.name must be 1-64 letters, digits, '_' or '-'.", param="tools")
        tools.append(tool.model_dump(exclude_none=True))
    return tools


def _tool_calls(calls: tuple[ToolCall, ...]) -> list[ChatCompletionToolCall]:
    return [ChatCompletionToolCall(id=c.id, function=ChatCompletionFunctionCall(name=c.name, arguments=c.arguments)) for c in calls]


async def _prepare_agent(caller: Caller, slug: str, body: ChatCompletionRequest, conversation: list[dict[str, Any]]) -> _Call:
    try:
        agent = await asyncio.to_thread(agents.get_agent, caller.user_id, slug)
    except NotFound:
        raise model_not_found(body.model) from None
    caller_tools = _caller_tools(body)
    situation = pipeline.ApiChat.of(conversation, tool_turns=bool(caller_tools))
    reply = await pipeline.prepare(
        agent, situation, caller, temperature=body.temperature, max_tokens=_max_tokens(body), caller_tools=caller_tools
    )
    return _Call(reply.stream, caller, agent_id=agent.id)


async def _prepare_channel(caller: Caller, slug: str, body: ChatCompletionRequest, conversation: list[dict[str, Any]]) -> _Call:
    try:
        channel, members = await asyncio.to_thread(collective.resolve, caller.user_id, slug)
    except NotFound:
        raise model_not_found(body.model) from None
    caller = replace(caller, channel_id=channel.id)
    question = collective.question_of(conversation)
    answers = await collective.gather(
        caller, channel, members, conversation, temperature=body.temperature, max_tokens=_max_tokens(body)
    )
    stream = collective.synthesis_stream(caller, channel, question, answers, max_tokens=_max_tokens(body))
    if stream is None:
        if (refusal := collective.refusal_of(answers)) is not None:
            raise refusal_error(refusal)
        raise ApiError(502, collective.failure_message(answers))
    spent = (sum(a.result.prompt_tokens for a in answers), sum(a.result.completion_tokens for a in answers))
    return _Call(stream, caller, extra_usage=spent)


def _chunk(cid: str, created: int, model: str, delta: Mapping[str, Any] | None, finish: str | None = None,
           usage: Usage | None = None) -> str:
    data: dict[str, Any] = {
        "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [] if delta is None else [{"index": 0, "delta": dict(delta), "finish_reason": finish}],
    }
    if usage is not None:
        data["usage"] = usage.model_dump()
    return f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses=STREAM_DOC,
    summary="Create a chat completion (OpenAI-compatible)",
)
async def create_chat_completion(body: ChatCompletionRequest, key: CurrentKey, request: Request) -> Any:
    conversation = [m.model_dump(exclude_none=True) for m in body.messages]
    await api_turns.inline_images(conversation)  # 422 for image parts other than data: or public https:
    await listening.inline_audio(conversation)  # input_audio parts become their transcripts (422 without a model)
    caller = Caller(key.user_id, "api", api_key_id=key.key_id)
    try:
        if body.model.startswith(AGENT) and len(body.model) > len(AGENT):
            call = await _prepare_agent(caller, body.model.removeprefix(AGENT), body, conversation)
        elif body.model.startswith(CHANNEL) and len(body.model) > len(CHANNEL):
            call = await _prepare_channel(caller, body.model.removeprefix(CHANNEL), body, conversation)
        else:
            raise model_not_found(body.model)
    except pipeline.NoProvider as missing:
        raise ApiError(503, str(missing), code="no_model_provider") from None
    request.state.usage_recorded = True  # recorded below, with tokens

    cid = "chatcmpl-" + secrets.token_hex(12)
    created = int(time.time())
    stream = call.stream
    # Start the call now: a failure before the first token becomes an HTTP error.
    first: str | None = None
    try:
        first = await stream.__anext__()
    except StopAsyncIteration:
        pass
    if first is None:
        result = stream.result
        assert result is not None
        await call.record(result)  # a refused call was never made, and is not recorded
        if not result.ok:
            raise _provider_error(result)

    if not body.stream:
        if first is not None:
            async with stream:
                async for _ in stream:
                    pass
            await call.record(stream.result)
        result = stream.result
        assert result is not None
        if not result.ok and not result.text:
            raise _provider_error(result)
        message = AssistantMessage(content=result.text)
        if result.tool_calls:
            message = AssistantMessage(content=result.text or None, tool_calls=_tool_calls(result.tool_calls))
        return ChatCompletion(
            id=cid, created=created, model=body.model,
            choices=[Choice(message=message, finish_reason=result.finish_reason or "stop")],
            usage=_usage(result.prompt_tokens + call.extra_prompt, result.completion_tokens + call.extra_completion),
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
                yield _chunk(cid, created, body.model, None, usage=_usage(
                    result.prompt_tokens + call.extra_prompt, result.completion_tokens + call.extra_completion
                ))
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
