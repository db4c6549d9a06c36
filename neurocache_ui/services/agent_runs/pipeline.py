"""THE agent-answer pipeline. `prepare` turns an agent, what it answers (a channel
turn, a Try it chat, an API request, a question to a channel's team) and who asks
into a ready model stream: provider check, knowledge lookup, prompt, spending gate.
`record_usage` is the one way a model call's usage is written."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from neurocache_ui.domain import prompts, reply_rules
from neurocache_ui.domain.errors import Invalid, NeurocacheError, Unavailable
from neurocache_ui.domain.tools import Source, Step, ToolCall
from neurocache_ui.infra import llm
from neurocache_ui.infra.llm import ChatStream, CompletionResult
from neurocache_ui.services import knowledge, spend, tools, usage
from neurocache_ui.services.agent_runs import api_turns
from neurocache_ui.services.agent_runs.tool_loop import OnStep, ToolLoop, quietly

log = logging.getLogger(__name__)


class NoProvider(Unavailable):
    """No model provider is configured; the text is the notice agents answer with."""

    def __init__(self) -> None:
        super().__init__(llm.NO_PROVIDER_NOTICE)


def ensure_provider() -> None:
    """NoProvider unless a model provider is configured."""
    if not llm.provider_configured():
        raise NoProvider()


@dataclass(frozen=True)
class Caller:
    """Who a reply is made for: charged for the call (quota, allow-list) and named on its usage."""

    user_id: int
    source: usage.Source = "hub"
    api_key_id: int | None = None
    channel_id: int | None = None
    budgeted: bool = False
    """The key has a monthly budget of model calls: its usage is written at once, not
    batched, so the next request's budget check counts this call (services/key_limits.py)."""


class AnsweringAgent(prompts.AgentLike, Protocol):
    """An agent and its model settings (models.Agent and agents.AgentPublic fit)."""

    @property
    def owner_id(self) -> int: ...
    @property
    def mcp_trigger(self) -> str: ...
    @property
    def mcp_servers(self) -> Sequence[Any]: ...
    @property
    def model(self) -> str: ...
    @property
    def temperature(self) -> float: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def knowledge_enabled(self) -> bool: ...
    @property
    def version(self) -> int: ...


# ---------------------------------------------------------------- what a reply answers


class Situation(Protocol):
    """What a reply answers; `question` is the message it searches knowledge for."""

    @property
    def question(self) -> str: ...

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]: ...


@dataclass(frozen=True)
class InChannel:
    """A reply in a channel to the message `question`, among people and teammates."""

    channel: prompts.ChannelLike
    history: Sequence[prompts.HistoryLike]
    teammates: Sequence[prompts.TeammateLike]
    question: str

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        return prompts.build_channel_messages(agent, self.channel, self.history, teammates=self.teammates, knowledge=knowledge)


@dataclass(frozen=True)
class PrivateChat:
    """The owner's private "Try it" chat: alternating user and assistant turns (a turn's
    "extra": its video and audio as content parts). `heard`: the words said in the last
    turn's media, searched in knowledge with its text, as a voice message's are."""

    turns: Sequence[Mapping[str, Any]]
    heard: str = ""

    @property
    def question(self) -> str:
        return f"{reply_rules.latest_user_text(self.turns) or ''} {self.heard}".strip()

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        return prompts.build_try_messages(agent, self.turns, knowledge=knowledge)


@dataclass(frozen=True)
class ApiChat:
    """An API caller's OpenAI-style conversation with `agent:<slug>`."""

    request: prompts.ApiRequest
    raw_turns: tuple[Mapping[str, Any], ...]
    """The turns as sent, image parts and tool calls kept (api_turns.passthrough)."""

    @classmethod
    def of(cls, conversation: Sequence[Mapping[str, Any]], *, tool_turns: bool = False) -> ApiChat:
        """Invalid (422) for a conversation no model could be asked with. `tool_turns`:
        keep the caller's tool calls and results (when the caller sends its tools)."""
        request = prompts.parse_api_messages(conversation)
        return cls(request, api_turns.passthrough(conversation, tool_turns=tool_turns))

    @property
    def question(self) -> str:
        return reply_rules.latest_user_text(self.request.turns) or ""

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        return api_turns.with_turns(prompts.build_api_messages(agent, self.request, knowledge=knowledge), self.raw_turns)


@dataclass(frozen=True)
class TeamQuestion(ApiChat):
    """A question put to every agent of a channel at once (the collective)."""

    channel: prompts.ChannelLike
    members: Sequence[prompts.MemberLike]

    @classmethod
    def to_team(
        cls, channel: prompts.ChannelLike, members: Sequence[prompts.MemberLike], conversation: Sequence[Mapping[str, Any]]
    ) -> TeamQuestion:
        """Checked once for the whole team, before any call: Invalid (422) as for ApiChat."""
        request = prompts.parse_api_messages(conversation)
        return cls(request, api_turns.passthrough(conversation), channel, members)

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        built = prompts.build_team_messages(agent, self.channel, self.members, self.request, knowledge=knowledge)
        return api_turns.with_turns(built, self.raw_turns)


# ---------------------------------------------------------------- one reply


@dataclass
class Reply:
    """A reply ready to stream (the request goes out on first iteration), the
    knowledge it was given, and whether it was cut at the message length limit."""

    stream: ChatStream | ToolLoop
    hits: list[knowledge.SearchHit]
    agent_id: int | None
    caller: Caller
    cut: bool = False
    agent_version: int | None = None

    @property
    def sources(self) -> list[Source]:
        """What the reply drew on: the knowledge documents it was given (each with the
        passage it got first), then the pages its tools read, in order."""
        cited = [Source(hit.filename, "", hit.document_id, hit.chunk_id) for hit in self.hits]
        return cited + (list(self.stream.sources) if isinstance(self.stream, ToolLoop) else [])

    @property
    def steps(self) -> list[Step]:
        """What the reply's tools did, in order, failures included."""
        return list(self.stream.step_log) if isinstance(self.stream, ToolLoop) else []

    @property
    def tools_called(self) -> list[str]:
        """Names of the tools the model called, in order (an evaluation's `calls_tool` check reads them)."""
        if not isinstance(self.stream, ToolLoop):
            return []
        return [str(call["function"]["name"]) for message in self.stream.messages if message.get("role") == "assistant"
                for call in message.get("tool_calls") or []]

    @property
    def tools_run(self) -> list[ToolCall]:
        """The calls the agent's own tools made for this reply, in order."""
        return list(self.stream.ran) if isinstance(self.stream, ToolLoop) else []

    @property
    def notes(self) -> list[str]:
        """What went wrong with the reply's tools ("Web search failed: …"), stored under a channel reply."""
        return [step.text for step in self.steps if step.failed]

    @property
    def tool_calls(self) -> int:
        """How many tool calls the model asked for in this reply (run here, or left to an API caller)."""
        result = self.stream.result
        asked = len(result.tool_calls) if result is not None else 0
        return asked + (self.stream.tool_calls_run if isinstance(self.stream, ToolLoop) else 0)

    async def record(self) -> None:
        await record_usage(self.caller, self.stream.result, agent_id=self.agent_id, tool_calls=self.tool_calls,
                           agent_version=self.agent_version)


async def _knowledge_for(agent: AnsweringAgent, question: str) -> list[knowledge.SearchHit]:
    query = reply_rules.knowledge_query(question)
    if not agent.knowledge_enabled or not query or agent.id is None:
        return []
    try:
        return await asyncio.to_thread(knowledge.search, agent.id, query, reply_rules.KNOWLEDGE_HITS)
    except NeurocacheError as error:  # answer without excerpts rather than not at all
        log.warning("knowledge search for agent %s failed: %s", agent.id, error)
        return []


async def prepare(
    agent: AnsweringAgent,
    situation: Situation,
    caller: Caller,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    on_step: OnStep | None = None,
    caller_tools: Sequence[Mapping[str, Any]] = (),
) -> Reply:
    """The agent's reply in `situation`, ready to stream; NoProvider without a provider.
    `temperature`/`max_tokens` override the agent's own (API callers may). With
    tools (the agent's, or `caller_tools` an API caller sent) the reply is a
    ToolLoop telling `on_step` what it does; without, one plain model call. The agent's
    MCP tools (its owner's tokens) are left out when `caller` may not set them off; the
    reply's first step says so."""
    ensure_provider()
    hits = await _knowledge_for(agent, situation.question)
    messages = situation.messages(agent, hits)
    temperature = agent.temperature if temperature is None else temperature
    max_tokens = agent.max_tokens if max_tokens is None else max_tokens
    with_mcp = reply_rules.may_use_mcp(agent.mcp_trigger, agent.owner_id, caller.user_id)
    own = await tools.tools_for(agent, with_mcp=with_mcp)
    withheld = bool(agent.mcp_servers) and not with_mcp
    if withheld and on_step is not None:
        await quietly(on_step(reply_rules.MCP_WITHHELD_STEP))
    _check_names(own, caller_tools)
    if not own and not caller_tools:
        stream = call_model(messages, model=agent.model, temperature=temperature, max_tokens=max_tokens, caller=caller)
        return Reply(stream, hits, agent.id, caller, agent_version=agent.version)

    def start(history: Sequence[llm.Message], definitions: Sequence[Mapping[str, Any]], choice: str) -> ChatStream:
        return call_model(
            history, model=agent.model, temperature=temperature, max_tokens=max_tokens, caller=caller,
            tools=definitions, tool_choice=choice,
        )

    loop = ToolLoop(
        messages, own, start=start, model=agent.model, caller_tools=caller_tools, on_step=on_step, step_shown=withheld
    )
    return Reply(loop, hits, agent.id, caller, agent_version=agent.version)


def _check_names(own: Sequence[tools.Tool], caller_tools: Sequence[Mapping[str, Any]]) -> None:
    """Invalid (422 on `tools`) when a caller's tool has the name of one of the agent's own."""
    names = {tool.spec.name for tool in own}
    for tool in caller_tools:
        name = (tool.get("function") or {}).get("name")
        if name in names:
            raise Invalid(f"The agent has its own tool named {name!r}; give yours another name.", "tools")


def call_model(
    messages: Sequence[llm.Message],
    *,
    model: str,
    caller: Caller,
    temperature: float | None = None,
    max_tokens: int | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
    tool_choice: str | None = None,
) -> ChatStream:
    """Every model call the hub makes starts here, so none skips the caller's spending gate."""
    return llm.stream_chat(
        messages, model=model, temperature=temperature, max_tokens=max_tokens, gate=spend.gate_for(caller.user_id),
        tools=tools, tool_choice=tool_choice,
    )


async def record_usage(
    caller: Caller, result: CompletionResult | None, *, agent_id: int | None = None, tool_calls: int = 0,
    agent_version: int | None = None,
) -> None:
    """A call refused before it was made cost nothing and is not recorded. API
    calls are queued (off the request path); the hub's, and those of a budgeted key, are written at once.
    One record per reply: a tool loop's calls are summed, with its tool calls."""
    if result is None or not result.attempts:
        return
    refs: dict[str, Any] = {
        "agent_id": agent_id, "agent_version": agent_version, "channel_id": caller.channel_id,
        "api_key_id": caller.api_key_id, "tool_calls": tool_calls,
    }
    if caller.source == "api" and not caller.budgeted:
        usage.enqueue_result(caller.user_id, result, source="api", **refs)
    else:
        await asyncio.to_thread(lambda: usage.record_result(caller.user_id, result, source=caller.source, **refs))


__all__ = [
    "ApiChat",
    "Caller",
    "ChatStream",
    "CompletionResult",
    "InChannel",
    "NoProvider",
    "PrivateChat",
    "Reply",
    "TeamQuestion",
    "ToolLoop",
    "call_model",
    "ensure_provider",
    "prepare",
    "record_usage",
]
