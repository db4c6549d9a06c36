"""The tool loop's own cost per step (services/agent_runs/tool_loop.py), without the
provider's or the tools' time. Two measures: (1) in-process, the loop driven by a
zero-delay scripted model stream and instant tools, so all that is timed is the loop
(messages, parallel gather, timeouts, cut, step notices, result); (2) over HTTP with the
fake provider, N loop steps against N plain streamed calls with the same replies (the
difference per step; noisier). Target: (1) <= 5 ms per step.

    .venv/bin/python bench/bench_tool_loop.py [--steps 6] [--calls 3] [--rounds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.domain.tools import Source, ToolCall, ToolOutput, ToolSpec
from neurocache_ui.infra import llm
from neurocache_ui.infra.llm import CompletionResult
from neurocache_ui.services.agent_runs.tool_loop import ToolLoop
from neurocache_ui.settings import get_settings
from testkit.fake_provider import FakeOpenAIServer
from testkit.stats import percentile

TARGET_MS = 5.0


class InstantTool:
    def __init__(self, name: str) -> None:
        self.spec = ToolSpec(name, "An instant tool.", {"type": "object", "properties": {"q": {"type": "string"}}})

    def step_text(self, arguments: Mapping[str, Any]) -> str:
        return f"Looking up {arguments.get('q')}"

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        return ToolOutput("result " * 50, (Source("A page", f"https://example.org/{arguments.get('q')}"),))


class ScriptedStream:
    """A model call answered at once: tool calls, or (last) a few text tokens."""

    def __init__(self, calls: tuple[ToolCall, ...], text: Sequence[str]) -> None:
        self._calls, self._tokens = calls, list(text)
        self.result: CompletionResult | None = None
        self.text = ""

    async def __aenter__(self) -> ScriptedStream:
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.result is None:
            self._end("stopped")

    def __aiter__(self) -> ScriptedStream:
        return self

    async def __anext__(self) -> str:
        if not self._tokens:
            self._end("ok")
            raise StopAsyncIteration
        token = self._tokens.pop(0)
        self.text += token
        return token

    def _end(self, outcome: str) -> None:
        self.result = CompletionResult(
            text=self.text, model="bench", outcome=outcome, prompt_tokens=10, completion_tokens=5, latency_ms=0,  # type: ignore[arg-type]
            attempts=1, finish_reason="tool_calls" if self._calls else "stop", tool_calls=self._calls,
        )  # fmt: skip


def in_process(steps: int, calls: int, rounds: int) -> list[float]:
    """ms per step of `rounds` replies of `steps` tool steps (and the final text call)."""
    tools = [InstantTool(f"tool{n}") for n in range(calls)]

    async def one() -> float:
        made = 0

        def start(messages: Sequence[Any], definitions: Sequence[Any], choice: str) -> Any:
            nonlocal made
            made += 1
            if made > steps:
                return ScriptedStream((), ["The", " answer", "."])
            batch = tuple(ToolCall(f"c{made}_{n}", f"tool{n}", f'{{"q": "{made}-{n}"}}') for n in range(calls))
            return ScriptedStream(batch, [])

        async def on_step(text: str) -> None:
            pass

        loop = ToolLoop([{"role": "user", "content": "go"}], tools, start=start, model="bench", on_step=on_step)  # type: ignore[arg-type]
        began = time.perf_counter()
        result = await loop.collect()
        elapsed = time.perf_counter() - began
        assert result.ok and loop.tool_calls_run == steps * calls, result
        return elapsed * 1000 / (steps + 1)

    async def run() -> list[float]:
        for _ in range(20):  # warm up
            await one()
        return [await one() for _ in range(rounds)]

    return asyncio.run(run())


def over_http(steps: int, calls: int, rounds: int) -> tuple[float, float]:
    """(median ms per loop step, median ms per plain call) against the fake provider."""
    tools = [InstantTool(f"tool{n}") for n in range(calls)]
    with FakeOpenAIServer() as provider:
        os.environ.update({"OPENAI_BASE_URL": provider.base_url, "OPENAI_API_KEY": "bench"})
        get_settings.cache_clear()
        script = {"tool_calls": [{"name": f"tool{n}", "arguments": {"q": "x"}} for n in range(calls)]}

        async def loop_once() -> tuple[float, list[dict[str, Any]]]:
            provider.reset()
            provider.configure(replies=[script] * steps + ["The answer."])

            def start(messages: Sequence[Any], definitions: Sequence[Any], choice: str) -> llm.ChatStream:
                return llm.stream_chat(messages, model="fake-model", tools=definitions, tool_choice=choice)

            loop = ToolLoop([{"role": "user", "content": "go"}], tools, start=start, model="fake-model")
            began = time.perf_counter()
            assert (await loop.collect()).ok
            elapsed = (time.perf_counter() - began) * 1000 / (steps + 1)
            return elapsed, [r["body"] for r in provider.requests()]

        async def plain_once(bodies: list[dict[str, Any]]) -> float:
            """The very requests the loop made, sent one after the other with nothing in between."""
            provider.configure(replies=[script] * steps + ["The answer."])
            began = time.perf_counter()
            for body in bodies:
                stream = llm.stream_chat(
                    body["messages"], model="fake-model", tools=body["tools"], tool_choice=body["tool_choice"]
                )
                await stream.collect()
            return (time.perf_counter() - began) * 1000 / len(bodies)

        async def run() -> tuple[float, float]:
            _, bodies = await loop_once()
            await plain_once(bodies)
            looped, plain = [], []
            for _ in range(rounds):
                elapsed, bodies = await loop_once()
                looped.append(elapsed)
                plain.append(await plain_once(bodies))
            return percentile(looped, 50), percentile(plain, 50)

        return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="tool steps per reply (then one text call)")
    parser.add_argument("--calls", type=int, default=3, help="parallel tool calls per step")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--http-rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ["NEUROCACHE_AGENT_MAX_STEPS"] = str(args.steps + 1)
    get_settings.cache_clear()

    per_step = in_process(args.steps, args.calls, args.rounds)
    p50, p95 = percentile(per_step, 50), percentile(per_step, 95)
    print(f"tool loop, in process: {args.steps} steps x {args.calls} parallel calls, {args.rounds} replies")
    print(f"  loop overhead per step: p50 {p50:.3f} ms, p95 {p95:.3f} ms (target <= {TARGET_MS} ms)")
    looped, plain = over_http(args.steps, args.calls, args.http_rounds)
    print(f"over HTTP (fake provider): {looped:.2f} ms per loop step vs {plain:.2f} ms per plain call "
          f"-> {looped - plain:+.2f} ms per step (median of {args.http_rounds})")  # fmt: skip
    ok = p95 <= TARGET_MS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
