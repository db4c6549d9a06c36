"""An agent's reply with tools: model calls, each streamed, with the tools it asks
for run in between (in parallel, each bounded in time and output; at most
NEUROCACHE_TOOL_CALLS_PER_STEP at once and NEUROCACHE_TOOL_CALLS_PER_REPLY in all, the
rest answered "not run" so the model can ask again), until it answers with text.
Consumed exactly like one `ChatStream` (deltas, `text`, `result`, `aclose`), so the
channel, Try it, the API and the collective need not know."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from neurocache_ui.domain.agent_settings import TOOLS
from neurocache_ui.domain.tools import Source, Step, Tool, ToolCall, ToolError, truncated
from neurocache_ui.infra.llm import ChatStream, CompletionResult, Message, TextStream
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

StartCall = Callable[[Sequence[Message], Sequence[Mapping[str, Any]], str], ChatStream]
"""Starts one model call: (messages, tool definitions, tool_choice) -> stream."""
OnStep = Callable[[str], Awaitable[Any]]
"""Told what the reply is doing ("Searching the web for …"); "" when that ended."""

STEP_SEPARATOR = "\n\n"
FAILURE_SHOWN_CHARS = 300
"""A failed step's reason is cut to this for people (the model reads all of it)."""


class ToolLoop(TextStream):
    """Text deltas of a reply that may call tools; `result` sums every call's tokens.

    `caller_tools` are the API caller's own: when the model calls one, the loop ends
    with `result.tool_calls` (finish_reason "tool_calls") for the caller to run."""

    def __init__(
        self,
        messages: Sequence[Message],
        tools: Sequence[Tool],
        *,
        start: StartCall,
        model: str,
        caller_tools: Sequence[Mapping[str, Any]] = (),
        on_step: OnStep | None = None,
        step_shown: bool = False,
        settings: Settings | None = None,
    ) -> None:
        """`step_shown`: the caller already showed a step (e.g. why some tools are off),
        cleared like any other once the model writes."""
        self.messages: list[dict[str, Any]] = [dict(m) for m in messages]
        self.model = model
        self.settings = settings or get_settings()
        self._start = start
        self._tools = {tool.spec.name: tool for tool in tools}
        self._caller_names = {str((t.get("function") or {}).get("name")) for t in caller_tools}
        self._definitions = [tool.spec.to_openai() for tool in tools] + [dict(t) for t in caller_tools]
        self.on_step = on_step
        self.sources: list[Source] = []
        self.step_log: list[Step] = []
        """What the reply did, in order, failures included: kept for the finished answer (Try it)."""
        self.tool_calls_run = 0
        self.ran: list[ToolCall] = []
        """The calls the loop ran itself (the agent's own tools), in order: what an API reply reports."""
        self.steps = 0
        self.result: CompletionResult | None = None
        self._parts: list[str] = []
        self._results: list[CompletionResult] = []
        self._current: ChatStream | None = None
        self._stepped = step_shown and on_step is not None
        self._started = time.monotonic()
        self._gen = self._run()

    # -- the loop

    async def _run(self) -> AsyncIterator[str]:
        self._started = time.monotonic()
        try:
            while True:
                last = self.steps >= self.settings.agent_max_steps
                stream = self._start(self.messages, self._definitions, "none" if last else "auto")
                self._current = stream
                self.steps += 1
                separate = bool(self._parts)
                async with stream:
                    async for delta in stream:
                        if self._stepped:  # the last step shows until the model writes again
                            await self._clear_step()
                        if separate:
                            separate = False
                            self._parts.append(STEP_SEPARATOR)
                            yield STEP_SEPARATOR
                        self._parts.append(delta)
                        yield delta
                result = stream.result
                assert result is not None
                self._results.append(result)
                self._current = None
                if not result.ok or not result.tool_calls or last:
                    self._finish(result.outcome, result.error, finish_reason=result.finish_reason)
                    return
                theirs = [call for call in result.tool_calls if call.name in self._caller_names]
                if theirs:  # the API caller runs these; the hub's own in the same turn are dropped
                    self._finish("ok", finish_reason="tool_calls", tool_calls=tuple(theirs))
                    return
                await self._run_tools(stream.text, result.tool_calls)
        except (GeneratorExit, asyncio.CancelledError):
            self._finish("stopped")
            raise
        finally:
            if self._stepped:  # stopped during a step, or ended without more text
                await self._clear_step()

    async def _run_tools(self, text: str, calls: Sequence[ToolCall]) -> None:
        self.messages.append({
            "role": "assistant",
            "content": text or None,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
            ],
        })
        room = max(0, min(self.settings.tool_calls_per_step, self.settings.tool_calls_per_reply - self.tool_calls_run))
        running, refused = calls[:room], calls[room:]
        step = self._step_text(running)
        if running:
            self.step_log.append(Step(step))
        if self.on_step is not None and running:
            self._stepped = True
            await quietly(self.on_step(step))
        logged = len(self.step_log)
        outputs = await asyncio.gather(*(self._run_one(call) for call in running))
        self.tool_calls_run += len(running)
        self.ran += running
        outputs += [self._not_run(call) for call in refused]
        for call, output in zip(calls, outputs, strict=True):
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
        failures = [failed.text for failed in self.step_log[logged:] if failed.failed]
        if failures and self.on_step is not None:  # shown until the model writes again
            await quietly(self.on_step(" · ".join(failures)))

    def _not_run(self, call: ToolCall) -> str:
        """What the model reads for a call past the limits (every call needs an answer)."""
        if self.tool_calls_run >= self.settings.tool_calls_per_reply:
            return (f"Error: {call.name} was not run: this reply has used all {self.settings.tool_calls_per_reply} "
                    "of its tool calls. Answer with what you have.")
        return (f"Error: {call.name} was not run: one step may run at most {self.settings.tool_calls_per_step} "
                "tool calls. Ask for it again in your next step if you still need it.")

    async def _clear_step(self) -> None:
        self._stepped = False
        if self.on_step is not None:
            await quietly(self.on_step(""))

    def _step_text(self, calls: Sequence[ToolCall]) -> str:
        texts = []
        for call in calls:
            tool = self._tools.get(call.name)
            try:
                texts.append(tool.step_text(call.parsed_arguments()) if tool is not None else f"Calling {call.name}")
            except Exception:  # bad arguments: the tool's run reports them to the model
                texts.append(f"Calling {call.name}")
        return " · ".join(dict.fromkeys(t for t in texts if t))

    async def _run_one(self, call: ToolCall) -> str:
        """The text the model reads for `call`: the tool's output or what went wrong."""
        limit = self.settings.tool_output_chars
        tool = self._tools.get(call.name)
        if tool is None:
            return self._failed(call, f"there is no tool named {call.name!r}. Available tools: {', '.join(self._tools) or 'none'}.")
        timeout = self.settings.tool_timeout_seconds
        try:
            output = await asyncio.wait_for(tool.run(call.parsed_arguments()), timeout)
        except ToolError as error:
            return self._failed(call, str(error))
        except TimeoutError:
            return self._failed(call, f"{call.name} did not finish within {timeout:g} seconds.")
        except Exception as error:
            log.exception("tool %s failed", call.name)
            return self._failed(call, f"{call.name} failed ({type(error).__name__}).")
        for source in output.sources:
            if all(source.url != known.url for known in self.sources):
                self.sources.append(source)
        if output.is_error:
            return self._failed(call, output.text)
        return truncated(output.text, limit)

    def _failed(self, call: ToolCall, reason: str) -> str:
        """Log the failure as a step people see ("Web search failed: …"); the model reads "Error: <reason>"."""
        label = TOOLS.get(call.name, call.name)
        shown = " ".join(reason.split())
        if len(shown) > FAILURE_SHOWN_CHARS:
            shown = shown[: FAILURE_SHOWN_CHARS - 1] + "…"
        self.step_log.append(Step(f"{label} failed: {shown}", failed=True))
        return truncated(f"Error: {reason}", self.settings.tool_output_chars)

    def _finish(
        self,
        outcome: Any,
        error: str | None = None,
        *,
        finish_reason: str | None = None,
        tool_calls: tuple[ToolCall, ...] = (),
    ) -> None:
        if self.result is not None:
            return
        if outcome == "ok" and not tool_calls and not self.text.strip():
            outcome, error = "error", "The model returned an empty reply."
        if self._current is not None and self._current.result is not None and self._current.result not in self._results:
            self._results.append(self._current.result)
        results = self._results
        first = results[0] if results else None
        base = first or CompletionResult(
            text="", model=self.model, outcome=outcome, prompt_tokens=0, completion_tokens=0, latency_ms=0
        )
        self.result = replace(
            base,
            text=self.text,
            outcome=outcome,
            error=error,
            prompt_tokens=sum(r.prompt_tokens for r in results),
            completion_tokens=sum(r.completion_tokens for r in results),
            latency_ms=round((time.monotonic() - self._started) * 1000),
            finish_reason=finish_reason,
            usage_estimated=any(r.usage_estimated for r in results),
            attempts=sum(r.attempts for r in results),
            refusal=next((r.refusal for r in results if r.refusal is not None), None),
            tool_calls=tool_calls,
        )


async def quietly(awaitable: Awaitable[Any]) -> None:
    """A step notice that fails (the bus is down) must not end the reply."""
    try:
        await awaitable
    except Exception as error:
        log.warning("publishing a reply step failed: %s", error)


__all__ = ["OnStep", "StartCall", "ToolLoop", "quietly"]
