"""One model call, streamed: retried only before the first token (no text is ever
sent twice), bounded by a first-token/silence timeout and an overall one, and
never raising for provider trouble: the `CompletionResult` says how it ended."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import openai

from neurocache_ui.domain.tools import ToolCall
from neurocache_ui.infra.llm.client import (
    client_for,
    provider_configured,
    provider_host,
    scrub,
)
from neurocache_ui.infra.llm.errors import (
    NO_PROVIDER_NOTICE,
    RETRY_AFTER_MAX,
    Outcome,
    ProviderTimeout,
    Refusal,
    adapt_params,
    describe_error,
    is_transient,
    retry_delay,
)
from neurocache_ui.infra.llm.result import (
    CompletionResult,
    Message,
    estimate_prompt_tokens,
    estimate_tokens,
)
from neurocache_ui.infra.llm.text_stream import TextStream
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

Gate = Callable[[str], Awaitable[Refusal | None]]
"""Asked with the model name before the first attempt; a Refusal ends the call unmade."""


class ChatStream(TextStream):
    """Text deltas of one model reply; `result` is set when it ends.

        async with stream:                # leaving early marks the result "stopped"
            async for delta in stream: ...
        stream.result                     # text, tokens, latency, outcome, error
    """

    def __init__(
        self,
        messages: Sequence[Message],
        *,
        model: str,
        temperature: float | None,
        max_tokens: int | None,
        timeout: float | None,
        first_token_timeout: float | None,
        settings: Settings,
        gate: Gate | None,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: str | Mapping[str, Any] | None = None,
    ) -> None:
        self.messages = [dict(m) for m in messages]
        self.model = model
        self._gate = gate
        self._refusal: Refusal | None = None
        self.settings = settings
        self.timeout = timeout or settings.llm_timeout_seconds
        self.first_token_timeout = min(first_token_timeout or settings.llm_first_token_timeout_seconds, self.timeout)
        self.params: dict[str, Any] = {"stream_options": {"include_usage": True}}
        if temperature is not None:
            self.params["temperature"] = temperature
        if max_tokens is not None:
            self.params["max_tokens"] = max_tokens
        if tools:  # never `tools: []`: some servers reject it
            self.params["tools"] = [dict(tool) for tool in tools]
            if tool_choice is not None:
                self.params["tool_choice"] = tool_choice
        self._calls = _CallAssembler()
        self.result: CompletionResult | None = None
        self._parts: list[str] = []
        self._started = time.monotonic()
        self._first_token_at: float | None = None
        self._usage: Any = None
        self._finish_reason: str | None = None
        self._attempts = 0
        self._gen = self._run()

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls received so far (complete once the stream has ended)."""
        return self._calls.finished()

    # -- the work

    def _finish(self, outcome: Outcome, error: str | None = None) -> CompletionResult:
        text = self.text
        usage = self._usage
        prompt_tokens = getattr(usage, "prompt_tokens", None) if usage is not None else None
        completion_tokens = getattr(usage, "completion_tokens", None) if usage is not None else None
        estimated = prompt_tokens is None or completion_tokens is None
        if prompt_tokens is None:
            prompt_tokens = estimate_prompt_tokens(self.messages) if self._attempts else 0
        calls = self._calls.finished()
        if completion_tokens is None:
            completion_tokens = estimate_tokens(text) + sum(estimate_tokens(c.name + c.arguments) for c in calls)
        now = time.monotonic()
        self.result = CompletionResult(
            text=text,
            model=self.model,
            outcome=outcome,
            prompt_tokens=int(prompt_tokens),
            completion_tokens=int(completion_tokens),
            latency_ms=round((now - self._started) * 1000),
            error=error,
            first_token_ms=None if self._first_token_at is None else round((self._first_token_at - self._started) * 1000),
            finish_reason=self._finish_reason,
            usage_estimated=estimated and self._attempts > 0,
            attempts=self._attempts,
            refusal=self._refusal,
            tool_calls=tuple(calls) if outcome == "ok" else (),
        )
        return self.result

    def _remaining(self, limit_at: float) -> float:
        return max(0.0, limit_at - time.monotonic())

    async def _open(self, deadline: float) -> tuple[openai.AsyncStream[Any], Any]:
        """Start a request and read up to its first text, retrying transient
        failures. Returns the stream and an iterator positioned after the first
        chunk that carried text (or at the end)."""
        client = client_for(self.settings)
        retries = 0
        adapted = 0
        while True:
            self._attempts += 1
            first_token_by = min(time.monotonic() + self.first_token_timeout, deadline)
            stream = None
            try:
                async with asyncio.timeout(self._remaining(first_token_by)):
                    stream = await client.chat.completions.create(
                        model=self.model, messages=self.messages, stream=True, **self.params  # type: ignore[arg-type]
                    )
                    iterator = stream.__aiter__()
                    while True:
                        chunk = await iterator.__anext__()
                        if self._take(chunk) is not None or self._calls:
                            return stream, iterator
            except StopAsyncIteration:
                return stream, None  # type: ignore[return-value]
            except TimeoutError:
                await _close(stream)
                if first_token_by >= deadline:
                    raise ProviderTimeout(f"The reply took longer than {self.timeout:g} seconds, so it was stopped.") from None
                raise ProviderTimeout(
                    f"The model provider did not start answering within {self.first_token_timeout:g} seconds."
                ) from None
            except asyncio.CancelledError:
                await _close(stream)
                raise
            except Exception as error:
                await _close(stream)
                if self._parts:  # cannot happen before the first token, but never resend text
                    raise
                if adapted < 3 and adapt_params(error, self.params):
                    adapted += 1
                    continue
                if not is_transient(error) or retries >= self.settings.llm_max_retries:
                    raise
                delay = retry_delay(error, retries)
                if delay > RETRY_AFTER_MAX or time.monotonic() + delay >= deadline:
                    raise
                log.info("model call failed (%s), retry %d in %.1fs", type(error).__name__, retries + 1, delay)
                retries += 1
                await asyncio.sleep(delay)

    def _take(self, chunk: Any) -> str | None:
        """Record one chunk; returns the text it carried (tool-call deltas are gathered apart)."""
        if getattr(chunk, "usage", None) is not None:
            self._usage = chunk.usage
        carried: list[str] = []
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) != 0:
                continue
            if choice.finish_reason:
                self._finish_reason = choice.finish_reason
            if choice.delta is None:
                continue
            for call in getattr(choice.delta, "tool_calls", None) or []:
                self._calls.add(call)
            content = getattr(choice.delta, "content", None)
            if content:
                if self._first_token_at is None:
                    self._first_token_at = time.monotonic()
                self._parts.append(content)
                carried.append(content)
        return "".join(carried) if carried else None

    async def _next_chunk(self, iterator: Any, deadline: float) -> Any:
        """The next chunk, or ProviderTimeout when the provider goes silent or the reply runs too long."""
        silence_by = min(time.monotonic() + self.first_token_timeout, deadline)
        try:
            async with asyncio.timeout(self._remaining(silence_by)):
                return await iterator.__anext__()
        except TimeoutError:
            if silence_by >= deadline:
                raise ProviderTimeout(f"The reply took longer than {self.timeout:g} seconds, so it was cut off.") from None
            raise ProviderTimeout(
                f"The model provider stopped sending the reply for {self.first_token_timeout:g} seconds, so it was cut off."
            ) from None

    def _fail(self, error: Exception) -> None:
        outcome, message = describe_error(error, model=self.model, settings=self.settings)
        if self._parts and outcome == "error" and isinstance(error, openai.APIConnectionError):
            message = "The connection to the model provider broke off in the middle of the reply."
        if outcome == "error" and message.startswith("The model call failed unexpectedly"):
            log.exception("model call to %s failed", provider_host(self.settings))
        else:
            log.warning("model call to %s: %s (%s)", provider_host(self.settings), message, scrub(str(error), self.settings))
        self._finish(outcome, message)

    async def _run(self) -> AsyncIterator[str]:
        self._started = time.monotonic()  # the request starts now, not when the stream was made
        if not provider_configured(self.settings):
            self._finish("error", NO_PROVIDER_NOTICE)
            return
        if self._gate is not None and (refusal := await self._gate(self.model)) is not None:
            self._refusal = refusal
            self._finish("error", refusal.message)
            return
        deadline = self._started + self.timeout
        stream = None
        try:
            try:
                stream, iterator = await self._open(deadline)
                if self._parts:
                    yield self.text
                while iterator is not None:
                    try:
                        chunk = await self._next_chunk(iterator, deadline)
                    except StopAsyncIteration:
                        break
                    if (delta := self._take(chunk)) is not None:
                        yield delta
            except (GeneratorExit, asyncio.CancelledError):
                self._finish("stopped")
                raise
            except Exception as error:
                self._fail(error)
                return
            if not self.text.strip() and not self._calls:
                self._finish("error", "The model returned an empty reply.")
            else:
                self._finish("ok")
        finally:
            await _close(stream)


class _CallAssembler:
    """Tool calls from their streamed deltas, by index; a new id on an index that
    already has a call starts another call (some servers send every call at index 0)."""

    def __init__(self) -> None:
        self._calls: list[list[str]] = []  # [id, name, arguments]
        self._at: dict[int, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, delta: Any) -> None:
        index = getattr(delta, "index", None) or 0
        call_id = getattr(delta, "id", None)
        function = getattr(delta, "function", None)
        current = self._at.get(index)
        if current is None or (call_id and current[0] and call_id != current[0]):
            current = ["", "", ""]
            self._calls.append(current)
            self._at[index] = current
        if call_id:
            current[0] = call_id
        if function is not None:
            current[1] += getattr(function, "name", None) or ""
            current[2] += getattr(function, "arguments", None) or ""

    def finished(self) -> list[ToolCall]:
        return [
            ToolCall(id=call_id or f"call_{number}", name=name, arguments=arguments)
            for number, (call_id, name, arguments) in enumerate(self._calls)
        ]


async def _close(stream: openai.AsyncStream[Any] | None) -> None:
    if stream is None:
        return
    try:
        await stream.close()
    except Exception:  # closing a broken connection may fail again; nothing to do
        pass


def stream_chat(
    messages: Sequence[Message],
    *,
    model: str,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = None,
    first_token_timeout: float | None = None,
    gate: Gate | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
    tool_choice: str | Mapping[str, Any] | None = None,
) -> ChatStream:
    """Start streaming a reply (lazily: the request is sent on first iteration).

    `timeout`/`first_token_timeout` override the settings for this call, in seconds.
    `gate` is where spending limits plug in: the services pass theirs on every call.
    `tools` are OpenAI tool definitions (left out of the request when empty); the
    calls the model asks for are on `result.tool_calls`."""
    return ChatStream(
        messages,
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        first_token_timeout=first_token_timeout,
        settings=get_settings(),
        gate=gate,
        tools=tools,
        tool_choice=tool_choice,
    )
