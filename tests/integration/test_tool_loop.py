"""The tool loop (services/agent_runs/tool_loop.py) against the fake provider over real
HTTP: tool-call deltas (also all at index 0), parallel tools, per-tool timeout, output
cut, unknown tools and tool errors the model reads, the step limit ending with text,
stop in the middle of a tool. Then the whole channel path: an agent with web_search
(a fake SearXNG) posts steps on the bus, stores its sources, and usage counts the calls.
The tools below are test inputs written against domain.tools.Tool, not stand-ins for ours."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.tools import Source, Step, Tool, ToolError, ToolOutput, ToolSpec
from neurocache_ui.infra import llm
from neurocache_ui.services import messaging
from neurocache_ui.services.agent_runs import private
from neurocache_ui.services.agent_runs.tool_loop import ToolLoop
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import UsageEvent
from testkit.fake_provider import FakeOpenAIServer
from testkit.web_fakes import FakeSearxng
from tests.integration.messaging_support import Stores, setup_stores
from tests.integration.test_runner import BusRecorder, Team

pytestmark = pytest.mark.timeout(90)

QUESTION = [{"role": "system", "content": "You use tools."}, {"role": "user", "content": "what is up"}]


@dataclass
class LocalTool:
    """A tool run in the test's process: answers `text` after `delay` seconds, or raises."""

    name: str
    text: str = "done"
    delay: float = 0.0
    error: str | None = None
    sources: tuple[Source, ...] = ()
    started: list[Mapping[str, Any]] = field(default_factory=list)
    cancelled: int = 0

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, f"The {self.name} tool.", {"type": "object", "properties": {"q": {"type": "string"}}})

    def step_text(self, arguments: Mapping[str, Any]) -> str:
        return f"Running {self.name} for {arguments.get('q', '')}"

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        self.started.append(arguments)
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.error is not None:
            raise ToolError(self.error)
        return ToolOutput(self.text, self.sources)


@pytest.fixture
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis", **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


@pytest.fixture
def provider(fake_provider: FakeOpenAIServer, use_settings) -> FakeOpenAIServer:
    use_settings(**fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")
    return fake_provider


def loop_of(tools: Sequence[Tool], steps: list[str] | None = None, **kwargs: Any) -> ToolLoop:
    async def on_step(text: str) -> None:
        if steps is not None:
            steps.append(text)

    def start(messages: Sequence[llm.Message], definitions: Sequence[Mapping[str, Any]], choice: str) -> llm.ChatStream:
        return llm.stream_chat(messages, model="fake-model", tools=definitions, tool_choice=choice)

    return ToolLoop(QUESTION, tools, start=start, model="fake-model", on_step=on_step, **kwargs)


def call(name: str, q: str = "x", call_id: str | None = None) -> dict[str, Any]:
    return {"name": name, "arguments": {"q": q}, **({"id": call_id} if call_id else {})}


def tool_messages(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


@pytest.mark.parametrize("reuse_index", [False, True])
async def test_parallel_calls_then_text(provider: FakeOpenAIServer, reuse_index: bool) -> None:
    """Two slow calls run together; their outputs, under their ids, reach the next call."""
    a, b = LocalTool("alpha", "alpha says 1", delay=0.4), LocalTool("beta", "beta says 2", delay=0.4)
    provider.configure(
        reuse_tool_index=reuse_index,
        replies=[{"content": "Let me look.", "tool_calls": [call("alpha", "one", "c1"), call("beta", "two", "c2")]}, "All done."],
    )
    steps: list[str] = []
    loop = loop_of([a, b], steps)
    started = time.monotonic()
    deltas = [delta async for delta in loop]
    elapsed = time.monotonic() - started
    assert elapsed < 0.75, elapsed  # parallel: ~0.4 s, not 0.8
    assert "".join(deltas) == loop.text == "Let me look.\n\nAll done."
    result = loop.result
    assert result is not None and result.ok and result.tool_calls == ()
    assert loop.tool_calls_run == 2 and loop.steps == 2
    assert a.started == [{"q": "one"}] and b.started == [{"q": "two"}]
    first, second = (r["body"] for r in provider.requests())
    assert first["tool_choice"] == "auto" and [t["function"]["name"] for t in first["tools"]] == ["alpha", "beta"]
    assistant = second["messages"][-3]
    assert assistant["role"] == "assistant" and assistant["content"] == "Let me look."
    assert [c["id"] for c in assistant["tool_calls"]] == ["c1", "c2"]
    assert tool_messages(second) == [
        {"role": "tool", "tool_call_id": "c1", "content": "alpha says 1"},
        {"role": "tool", "tool_call_id": "c2", "content": "beta says 2"},
    ]
    # Usage sums both calls (the fake counts a tool call as one completion token).
    assert result.completion_tokens == 3 + 2 + 2
    assert steps == ["Running alpha for one · Running beta for two", ""]


async def test_timeout_truncation_unknown_tool_and_tool_error(provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(NEUROCACHE_TOOL_TIMEOUT_SECONDS="0.3", NEUROCACHE_TOOL_OUTPUT_CHARS="120")
    slow = LocalTool("slow", delay=5)
    long = LocalTool("long", "word " * 500)
    failing = LocalTool("failing", error="The page refused to load.")
    provider.configure(replies=[
        {"tool_calls": [call("slow", call_id="s"), call("long", call_id="l"), call("nope", call_id="n"),
                        call("failing", call_id="f")]},
        "Answered anyway.",
    ])  # fmt: skip
    steps: list[str] = []
    loop = loop_of([slow, long, failing], steps)
    started = time.monotonic()
    result = await loop.collect()
    assert time.monotonic() - started < 3
    assert result.ok and result.text == "Answered anyway."
    outputs = {m["tool_call_id"]: m["content"] for m in tool_messages(provider.last_body())}
    assert outputs["s"] == "Error: slow did not finish within 0.3 seconds."
    assert slow.cancelled == 1
    assert len(outputs["l"]) <= 120 and outputs["l"].startswith("word word") and "[cut: " in outputs["l"]
    assert outputs["n"].startswith("Error: there is no tool named 'nope'")
    assert outputs["f"] == "Error: The page refused to load."
    # People see each failure as a step, kept in the reply's log (and shown live until the model writes).
    started_step = Step("Running slow for x · Running long for x · Calling nope · Running failing for x")
    failures = loop.step_log[1:]
    assert loop.step_log[0] == started_step and all(step.failed for step in failures)
    assert {step.text for step in failures} == {
        "slow failed: slow did not finish within 0.3 seconds.",
        "nope failed: there is no tool named 'nope'. Available tools: slow, long, failing.",
        "failing failed: The page refused to load.",
    }
    assert steps == [started_step.text, " · ".join(step.text for step in failures), ""]


async def test_sixty_calls_in_one_answer_run_four_at_a_time_and_sixteen_a_reply(
    provider: FakeOpenAIServer, use_settings
) -> None:
    """A model asking for 60 calls at once gets NEUROCACHE_TOOL_CALLS_PER_STEP (4) run and
    the other 56 answered "not run" (before: all 60 ran at once); over its steps a reply
    runs at most NEUROCACHE_TOOL_CALLS_PER_REPLY (16)."""
    tool = LocalTool("fetch", delay=0.05)
    sixty = {"tool_calls": [call("fetch", str(n), f"c{n}") for n in range(60)]}
    provider.configure(replies=[sixty] * 5, reply="Enough.")
    steps: list[str] = []
    loop = loop_of([tool], steps)
    result = await loop.collect()
    assert result.ok and result.text == "Enough."
    assert [arguments["q"] for arguments in tool.started] == [str(n) for n in range(4)] * 4
    assert loop.tool_calls_run == 16
    bodies = [r["body"] for r in provider.requests()]
    first = {m["tool_call_id"]: m["content"] for m in tool_messages(bodies[1])}
    assert len(first) == 60 and first["c0"] == "done"
    assert first["c4"] == (
        "Error: fetch was not run: one step may run at most 4 tool calls. Ask for it again in your next step if you "
        "still need it."
    )
    last = tool_messages(bodies[5])[-60:]
    assert all(m["content"].startswith("Error: fetch was not run: this reply has used all 16") for m in last)
    assert steps[0] == "Running fetch for 0 · Running fetch for 1 · Running fetch for 2 · Running fetch for 3"


async def test_step_limit_ends_with_a_text_reply(provider: FakeOpenAIServer, use_settings) -> None:
    """A model that calls tools forever gets `agent_max_steps` calls, then one with tool_choice "none"."""
    use_settings(NEUROCACHE_AGENT_MAX_STEPS="3")
    tool = LocalTool("again")
    provider.configure(tool_reply={"tool_calls": [call("again")]}, reply="Here is what I found.")
    result = await loop_of([tool]).collect()
    assert result.ok and result.text == "Here is what I found." and result.finish_reason == "stop"
    bodies = [r["body"] for r in provider.requests()]
    assert [b["tool_choice"] for b in bodies] == ["auto", "auto", "auto", "none"]
    assert all(b["tools"] for b in bodies)  # never `tools: []`
    assert len(tool.started) == 3
    assert len(tool_messages(bodies[-1])) == 3


async def test_sources_are_collected_once_in_order(provider: FakeOpenAIServer) -> None:
    one, two = Source("One", "https://one.example/"), Source("Two", "https://two.example/")
    a, b = LocalTool("a", sources=(one, two)), LocalTool("b", sources=(two, one, Source("Three", "https://three.example/")))
    provider.configure(replies=[{"tool_calls": [call("a")]}, {"tool_calls": [call("b")]}, "ok then"])
    loop = loop_of([a, b])
    await loop.collect()
    assert [s.url for s in loop.sources] == ["https://one.example/", "https://two.example/", "https://three.example/"]


async def test_stop_in_the_middle_of_a_tool(provider: FakeOpenAIServer) -> None:
    hanging = LocalTool("hang", delay=60)
    provider.configure(replies=[{"tool_calls": [call("hang")]}])
    steps: list[str] = []
    loop = loop_of([hanging], steps)

    async def consume() -> None:
        async with loop:
            async for _ in loop:
                pass

    task = asyncio.create_task(consume())
    for _ in range(200):
        if hanging.started:
            break
        await asyncio.sleep(0.02)
    assert hanging.started
    started = time.monotonic()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert time.monotonic() - started < 1
    assert hanging.cancelled == 1
    assert loop.result is not None and loop.result.outcome == "stopped"
    assert loop.result.prompt_tokens > 0  # the call that was made still counts
    assert steps == ["Running hang for x", ""]
    assert len(provider.requests()) == 1


async def test_without_tools_the_request_has_no_tools_key(provider: FakeOpenAIServer) -> None:
    result = await llm.stream_chat(QUESTION, model="fake-model", tools=[], tool_choice="auto").collect()
    assert result.ok
    body = provider.last_body()
    assert "tools" not in body and "tool_choice" not in body


async def test_a_model_that_only_calls_tools_is_not_an_empty_reply(provider: FakeOpenAIServer) -> None:
    provider.configure(replies=[{"tool_calls": [call("mine", "a", "id-1"), call("mine", "b", "id-2")]}], reuse_tool_index=True)
    tools = [{"type": "function", "function": {"name": "mine", "parameters": {"type": "object"}}}]
    result = await llm.stream_chat(QUESTION, model="fake-model", tools=tools, tool_choice="auto").collect()
    assert result.ok and result.text == "" and result.finish_reason == "tool_calls"
    assert [(c.id, c.name, c.parsed_arguments()) for c in result.tool_calls] == [
        ("id-1", "mine", {"q": "a"}), ("id-2", "mine", {"q": "b"})
    ]  # fmt: skip


# ---------------------------------------------------------------- the channel, end to end


@pytest.fixture
def searxng(use_settings) -> Any:
    with FakeSearxng() as server:
        use_settings(NEUROCACHE_SEARXNG_URL=server.url)
        yield server


async def test_channel_reply_with_web_search_shows_steps_stores_sources_and_counts_calls(
    stores: Stores, fake_provider: FakeOpenAIServer, searxng: FakeSearxng
) -> None:
    room = Team({"name": "Scout", "tools": ["web_search"]})
    fake_provider.configure(replies=[
        {"tool_calls": [{"name": "web_search", "arguments": {"query": "launch weather"}}]},
        "Clear skies, says the first result.",
    ])  # fmt: skip
    async with BusRecorder(room.channel.id) as recorder:
        await room.say("@scout what is the launch weather?")
    [reply] = room.replies()
    assert reply.status == "complete" and reply.content == "Clear skies, says the first result."
    assert [s.url for s in reply.sources] == [f"https://example.org/{n}" for n in range(1, 6)]
    assert searxng.queries == ["launch weather"]
    steps = [e["text"] for _, e in recorder.events if e["type"] == "agent.step" and e["message_id"] == reply.id]
    assert steps == ["Searching the web for “launch weather”", ""]
    # Bob, the other member, reads the same sources.
    seen_by_bob = messaging.get_message(reply.id, viewer_id=room.bob.id)
    assert seen_by_bob.sources == reply.sources
    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.select(UsageEvent.tool_calls, UsageEvent.completion_tokens).where(UsageEvent.channel_id == room.channel.id)
        ).all()
    assert [row.tool_calls for row in rows] == [1]  # one record for the reply, both model calls summed
    assert rows[0].completion_tokens == 1 + 6


async def test_try_it_shows_steps_and_returns_sources(
    stores: Stores, fake_provider: FakeOpenAIServer, searxng: FakeSearxng
) -> None:
    room = Team({"name": "Scout", "tools": ["web_search"]})
    scout = room.agents["scout"]
    fake_provider.configure(replies=[
        {"tool_calls": [{"name": "web_search", "arguments": {"query": "launch weather"}}]},
        "Clear skies.",
    ])  # fmt: skip
    shown: list[str] = []
    steps: list[str] = []
    sources: list[Source] = []
    done: list[Step] = []

    async def show(text: str) -> None:
        shown.append(text)

    async def on_step(text: str) -> None:
        steps.append(text)

    turns = [{"role": "user", "content": "weather?", "status": "complete"}]
    content, status = await private.answer(
        room.ada.id, scout.id, turns, show=show, stop=asyncio.Event(), on_step=on_step, sources=sources, steps=done
    )
    assert (content, status) == ("Clear skies.", "complete")
    assert steps == ["Searching the web for “launch weather”", ""]
    assert done == [Step("Searching the web for “launch weather”")]  # kept for the finished answer
    assert [s.url for s in sources] == [f"https://example.org/{n}" for n in range(1, 6)]


async def test_try_it_keeps_a_failed_search_among_its_steps(
    stores: Stores, fake_provider: FakeOpenAIServer, searxng: FakeSearxng
) -> None:
    """The model reads the failure and answers anyway; the person still sees what failed."""
    room = Team({"name": "Scout", "tools": ["web_search"]})
    searxng.rate_limited = True
    fake_provider.configure(replies=[
        {"tool_calls": [{"name": "web_search", "arguments": {"query": "launch weather"}}]},
        "I could not search, sorry.",
    ])  # fmt: skip
    live: list[str] = []
    done: list[Step] = []

    async def show(text: str) -> None:
        pass

    async def on_step(text: str) -> None:
        live.append(text)

    turns = [{"role": "user", "content": "weather?", "status": "complete"}]
    content, status = await private.answer(
        room.ada.id, room.agents["scout"].id, turns, show=show, stop=asyncio.Event(), on_step=on_step, steps=done
    )
    failure = "Web search failed: The search service is rate limited (HTTP 429); wait a little before searching again."
    assert (content, status) == ("I could not search, sorry.", "complete")
    assert done == [Step("Searching the web for “launch weather”"), Step(failure, failed=True)]
    assert live == ["Searching the web for “launch weather”", failure, ""]
    assert "Error: The search service is rate limited" in str(fake_provider.last_body()["messages"][-1]["content"])
