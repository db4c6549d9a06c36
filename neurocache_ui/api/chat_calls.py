"""One model call made for an API caller, shared by Chat Completions and the Responses
API so both run the same path: the conversation's images and audio checked, the
agent's reply pipeline or the channel's collective prepared, the call started before
the response (a provider failing before its first token is a proper 502/503/504, not
a 200 stream that breaks), spending refusals answered as the caller's limits (429
quota, 422 model), and usage recorded once per reply."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.routes.models import AGENT, CHANNEL, model_not_found
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.tools import NAME as TOOL_NAME
from neurocache_ui.domain.tools import Source, ToolCall
from neurocache_ui.services import agents, collective, key_limits, spend
from neurocache_ui.services.agent_runs import api_turns, pipeline
from neurocache_ui.services.agent_runs.pipeline import Caller, ChatStream, CompletionResult, ToolLoop
from neurocache_ui.services.api_keys import KeyContext
from neurocache_ui.services.media import listening


def refusal_error(refusal: spend.Refusal) -> ApiError:
    """A call the spending gate refused: the user's hourly quota (429) or a model outside the allow-list (422)."""
    if refusal.reason == "quota":
        return ApiError(
            429, refusal.message, code="model_call_quota_exceeded", headers={"Retry-After": str(refusal.retry_after or 1)}
        )
    return ApiError(422, refusal.message, code="model_not_allowed", param="model")


def provider_error(result: CompletionResult) -> ApiError:
    if result.refusal is not None:
        return refusal_error(result.refusal)
    message = result.error or "The model provider failed."
    if result.outcome == "timeout":
        return ApiError(504, message)
    return ApiError(502, message)


class Call:
    """One prepared completion: its stream, whose usage it is, and what was done before it
    (a channel's agents' answers: their tokens, their tools' calls and the pages they read)."""

    def __init__(
        self,
        stream: ChatStream | ToolLoop,
        caller: Caller,
        *,
        agent_id: int | None = None,
        answers: Sequence[collective.AgentAnswer] = (),
    ) -> None:
        self.stream = stream
        self.caller = caller
        self.agent_id = agent_id
        self.extra_prompt = sum(a.result.prompt_tokens for a in answers)
        self.extra_completion = sum(a.result.completion_tokens for a in answers)
        self._ran = [call for answer in answers for call in answer.ran]
        self._sources = [source for answer in answers for source in answer.sources]

    async def record(self, result: CompletionResult | None) -> None:
        calls = (len(result.tool_calls) if result is not None else 0) + getattr(self.stream, "tool_calls_run", 0)
        await pipeline.record_usage(self.caller, result, agent_id=self.agent_id, tool_calls=calls)

    def tokens(self, result: CompletionResult) -> tuple[int, int]:
        """(prompt, completion) tokens of the whole reply, the channel's agents' answers included."""
        return result.prompt_tokens + self.extra_prompt, result.completion_tokens + self.extra_completion

    def tools_run(self) -> list[ToolCall]:
        """The calls the agents' own tools made for this reply so far, in order."""
        return self._ran + (list(self.stream.ran) if isinstance(self.stream, ToolLoop) else [])

    def web_sources(self) -> list[Source]:
        """The web pages the agents' tools read for this reply, each once."""
        pages = self._sources + (list(self.stream.sources) if isinstance(self.stream, ToolLoop) else [])
        first: dict[str, Source] = {}
        for source in pages:
            if source.url:
                first.setdefault(source.url, source)
        return list(first.values())


def checked_tools(tools: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The caller's tools as OpenAI definitions; 422 for one no model would accept."""
    for number, tool in enumerate(tools):
        name = (tool.get("function") or {}).get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise ApiError(422, f"tools[{number}].function.name must be 1-64 letters, digits, '_' or '-'.", param="tools")
    return [dict(tool) for tool in tools]


async def _prepare_agent(
    caller: Caller, slug: str, model: str, conversation: list[dict[str, Any]], tools: list[dict[str, Any]],
    temperature: float | None, max_tokens: int | None,
) -> Call:
    try:
        agent = await asyncio.to_thread(agents.get_agent, caller.user_id, slug)
    except NotFound:
        raise model_not_found(model) from None
    situation = pipeline.ApiChat.of(conversation, tool_turns=bool(tools))
    reply = await pipeline.prepare(
        agent, situation, caller, temperature=temperature, max_tokens=max_tokens, caller_tools=tools
    )
    return Call(reply.stream, caller, agent_id=agent.id)


async def _prepare_channel(
    caller: Caller, slug: str, model: str, conversation: list[dict[str, Any]], temperature: float | None,
    max_tokens: int | None,
) -> Call:
    try:
        channel, members = await asyncio.to_thread(collective.resolve, caller.user_id, slug)
    except NotFound:
        raise model_not_found(model) from None
    caller = replace(caller, channel_id=channel.id)
    question = collective.question_of(conversation)
    answers = await collective.gather(caller, channel, members, conversation, temperature=temperature, max_tokens=max_tokens)
    stream = collective.synthesis_stream(caller, channel, question, answers, max_tokens=max_tokens)
    if stream is None:
        if (refusal := collective.refusal_of(answers)) is not None:
            raise refusal_error(refusal)
        raise ApiError(502, collective.failure_message(answers))
    return Call(stream, caller, answers=answers)


def _reachable(allowed: bool, model: str) -> None:
    """A model outside the key's agents or channels is answered like one that does not exist."""
    if not allowed:
        raise model_not_found(model)


async def open_call(
    key: KeyContext,
    model: str,
    conversation: list[dict[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] = (),
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> Call:
    """The prepared call for `agent:<slug>` or `channel:<slug>` (404 for any other model,
    or one the key's user may not use; 503 without a provider). `conversation`'s image
    parts become checked data URLs in place, its audio parts their transcripts."""
    await api_turns.inline_images(conversation)  # 422 for image parts other than data: or public https:
    await listening.inline_audio(conversation)  # input_audio parts become their transcripts (422 without a model)
    caller = Caller(key.user_id, "api", api_key_id=key.key_id, budgeted=key.limits.budget is not None)
    try:
        if model.startswith(AGENT) and len(model) > len(AGENT):
            _reachable(key.limits.allows_agent(model.removeprefix(AGENT)), model)
            await asyncio.to_thread(key_limits.check_budget, key)
            return await _prepare_agent(
                caller, model.removeprefix(AGENT), model, conversation, checked_tools(tools), temperature, max_tokens
            )
        if model.startswith(CHANNEL) and len(model) > len(CHANNEL):
            _reachable(key.limits.allows_channel(model.removeprefix(CHANNEL)), model)
            await asyncio.to_thread(key_limits.check_budget, key)
            return await _prepare_channel(caller, model.removeprefix(CHANNEL), model, conversation, temperature, max_tokens)
        raise model_not_found(model)
    except pipeline.NoProvider as missing:
        raise ApiError(503, str(missing), code="no_model_provider") from None


async def first_delta(call: Call) -> str | None:
    """Start the call: its first text, or None when it ended without text (then it is
    recorded here, and a failure is raised as the HTTP error it is)."""
    try:
        return await call.stream.__anext__()
    except StopAsyncIteration:
        pass
    result = call.stream.result
    assert result is not None
    await call.record(result)  # a refused call was never made, and is not recorded
    if not result.ok:
        raise provider_error(result)
    return None


async def read_rest(call: Call) -> CompletionResult:
    """Read the rest of a started call (after `first_delta` gave text) and record it."""
    async with call.stream:
        async for _ in call.stream:
            pass
    result = call.stream.result
    assert result is not None
    await call.record(result)
    return result


__all__ = ["Call", "checked_tools", "first_delta", "open_call", "provider_error", "read_rest", "refusal_error"]
