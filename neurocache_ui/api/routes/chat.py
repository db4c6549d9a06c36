"""POST /chat/completions: OpenAI Chat Completions for `agent:<slug>` and `channel:<slug>`.

An agent answers with its own instructions, model and knowledge
(core.prompt.build_api_messages). A channel asks each of its agents in parallel
and answers with their synthesis (core.collective). `stream: true` sends
OpenAI's `chat.completion.chunk` events as server-sent events ending with
`data: [DONE]`; `stream_options.include_usage` adds the usage chunk.

The model call is started before the response: when the provider fails before
its first token, the client gets a proper HTTP error (502, 503 or 504) instead
of a 200 stream that breaks. A failure later in a stream is sent as an
`{"error": ...}` event, which OpenAI's clients raise as an APIError.

Calls refused by core.spend before reaching the provider are the caller's
limits, not provider failures: the hourly quota is 429 with Retry-After, a model
outside NEUROCACHE_ALLOWED_MODELS is 422 on `model`. Raw provider model names
are never accepted here (only agent:/channel:), so the allow-list applies
through the agents' own models."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from neurocache_ui.api.deps import CurrentKey
from neurocache_ui.api.errors import ApiError, error_body
from neurocache_ui.api.routes.models import AGENT, CHANNEL, model_not_found
from neurocache_ui.api.schemas import AssistantMessage, ChatCompletion, ChatCompletionRequest, Choice, ErrorResponse, Usage
from neurocache_ui.services import agents, collective, knowledge, spend, usage_writer
from neurocache_ui.infra import llm
from neurocache_ui.domain import prompts
from neurocache_ui.services.api_keys import KeyContext
from neurocache_ui.domain.errors import NeurocacheError, NotFound

router = APIRouter(tags=["chat"])
KNOWLEDGE_HITS = 4

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
    """A call core.spend refused: the user's hourly quota (429) or a model outside the allow-list (422)."""
    if refusal.reason == "quota":
        return ApiError(
            429, refusal.message, code="model_call_quota_exceeded", headers={"Retry-After": str(refusal.retry_after or 1)}
        )
    return ApiError(422, refusal.message, code="model_not_allowed", param="model")


def _provider_error(result: llm.CompletionResult) -> ApiError:
    if result.refusal is not None:
        return refusal_error(result.refusal)
    message = result.error or "The model provider failed."
    if message == llm.NO_PROVIDER_NOTICE:
        return ApiError(503, message, code="no_model_provider")
    if result.outcome == "timeout":
        return ApiError(504, message)
    return ApiError(502, message)


def _usage(prompt_tokens: int, completion_tokens: int) -> Usage:
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens)


class _Call:
    """One prepared completion: its stream and how to record its usage."""

    def __init__(
        self, stream: llm.ChatStream, *, record: dict[str, Any], extra_usage: tuple[int, int] = (0, 0)
    ) -> None:
        self.stream = stream
        self.record = record
        self.extra_prompt, self.extra_completion = extra_usage


async def _prepare_agent(key: KeyContext, slug: str, body: ChatCompletionRequest, conversation: list[dict[str, Any]]) -> _Call:
    try:
        agent = await asyncio.to_thread(agents.get_agent, key.user_id, slug)
    except NotFound:
        raise model_not_found(body.model) from None
    excerpts: list[Any] = []
    if agent.knowledge_enabled:
        query = prompts.knowledge_query(conversation)
        if query:
            try:
                excerpts = await asyncio.to_thread(knowledge.search, agent.id, query, KNOWLEDGE_HITS)
            except NeurocacheError:
                excerpts = []  # answer without excerpts rather than not at all
    messages = prompts.build_api_messages(agent, conversation, knowledge=excerpts)
    stream = llm.stream_chat(
        messages,
        model=agent.model,
        temperature=agent.temperature if body.temperature is None else body.temperature,
        max_tokens=body.max_tokens or body.max_completion_tokens or agent.max_tokens,
        user_id=key.user_id,
    )
    return _Call(stream, record={"agent_id": agent.id})


async def _prepare_channel(key: KeyContext, slug: str, body: ChatCompletionRequest, conversation: list[dict[str, Any]]) -> _Call:
    try:
        channel, members = await asyncio.to_thread(collective.resolve, key.user_id, slug)
    except NotFound:
        raise model_not_found(body.model) from None
    question = collective.question_of(conversation)
    answers = await collective.gather(
        key.user_id, channel, members, conversation,
        temperature=body.temperature, max_tokens=body.max_tokens or body.max_completion_tokens,
        source="api", api_key_id=key.key_id,
    )
    stream = collective.synthesis_stream(
        key.user_id, channel, question, answers, max_tokens=body.max_tokens or body.max_completion_tokens
    )
    if stream is None:
        if (refusal := collective.refusal_of(answers)) is not None:
            raise refusal_error(refusal)
        failed = next((a.result for a in answers if not a.ok), None)
        if failed is not None and failed.error == llm.NO_PROVIDER_NOTICE:
            raise ApiError(503, failed.error, code="no_model_provider")
        raise ApiError(502, collective.failure_message(answers))
    spent = (sum(a.result.prompt_tokens for a in answers), sum(a.result.completion_tokens for a in answers))
    return _Call(stream, record={"channel_id": channel.id}, extra_usage=spent)


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
    if body.model.startswith(AGENT) and len(body.model) > len(AGENT):
        call = await _prepare_agent(key, body.model.removeprefix(AGENT), body, conversation)
    elif body.model.startswith(CHANNEL) and len(body.model) > len(CHANNEL):
        call = await _prepare_channel(key, body.model.removeprefix(CHANNEL), body, conversation)
    else:
        raise model_not_found(body.model)
    request.state.usage_recorded = True  # recorded below, with tokens

    def record(result: llm.CompletionResult) -> None:
        usage_writer.enqueue_result(key.user_id, result, source="api", api_key_id=key.key_id, **call.record)

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
        if result.refusal is None:  # a refused call was never made
            record(result)
        if not result.ok:
            raise _provider_error(result)

    if not body.stream:
        if first is not None:
            async with stream:
                async for _ in stream:
                    pass
            assert stream.result is not None
            record(stream.result)
        result = stream.result
        assert result is not None
        if not result.ok and not result.text:
            raise _provider_error(result)
        return ChatCompletion(
            id=cid, created=created, model=body.model,
            choices=[Choice(message=AssistantMessage(content=result.text), finish_reason=result.finish_reason or "stop")],
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
                record(result)
                recorded = True
            if result.outcome in ("error", "timeout"):
                yield f"data: {json.dumps(error_body(502 if result.outcome == 'error' else 504, result.error or 'The model provider failed.'))}\n\n"
                return
            yield _chunk(cid, created, body.model, {}, result.finish_reason or "stop")
            if include_usage:
                yield _chunk(cid, created, body.model, None, usage=_usage(
                    result.prompt_tokens + call.extra_prompt, result.completion_tokens + call.extra_completion
                ))
            yield "data: [DONE]\n\n"
        finally:
            if not recorded:  # the client went away mid-stream
                await stream.aclose()
                if stream.result is not None:
                    record(stream.result)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


__all__ = ["router"]
