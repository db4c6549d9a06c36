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
from neurocache_ui.domain.errors import NeurocacheError, Unavailable
from neurocache_ui.infra import llm
from neurocache_ui.infra.llm import ChatStream, CompletionResult
from neurocache_ui.services import knowledge, spend, usage

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


class AnsweringAgent(prompts.AgentLike, Protocol):
    """An agent and its model settings (models.Agent and agents.AgentPublic fit)."""

    @property
    def model(self) -> str: ...
    @property
    def temperature(self) -> float: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def knowledge_enabled(self) -> bool: ...


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
    """The owner's private "Try it" chat: alternating user and assistant turns."""

    turns: Sequence[Mapping[str, str]]

    @property
    def question(self) -> str:
        return reply_rules.latest_user_text(self.turns) or ""

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        return prompts.build_try_messages(agent, self.turns, knowledge=knowledge)


@dataclass(frozen=True)
class ApiChat:
    """An API caller's OpenAI-style conversation with `agent:<slug>`."""

    request: prompts.ApiRequest

    @classmethod
    def of(cls, conversation: Sequence[Mapping[str, Any]]) -> ApiChat:
        """Invalid (422) for a conversation no model could be asked with."""
        return cls(prompts.parse_api_messages(conversation))

    @property
    def question(self) -> str:
        return reply_rules.latest_user_text(self.request.turns) or ""

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        return prompts.build_api_messages(agent, self.request, knowledge=knowledge)


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
        return cls(prompts.parse_api_messages(conversation), channel, members)

    def messages(self, agent: prompts.AgentLike, knowledge: Sequence[prompts.ExcerptLike]) -> list[prompts.ChatMessage]:
        return prompts.build_team_messages(agent, self.channel, self.members, self.request, knowledge=knowledge)


# ---------------------------------------------------------------- one reply


@dataclass
class Reply:
    """A reply ready to stream (the request goes out on first iteration), the
    knowledge it was given, and whether it was cut at the message length limit."""

    stream: ChatStream
    hits: list[knowledge.SearchHit]
    agent_id: int | None
    caller: Caller
    cut: bool = False

    async def record(self) -> None:
        await record_usage(self.caller, self.stream.result, agent_id=self.agent_id)


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
) -> Reply:
    """The agent's reply in `situation`, ready to stream; NoProvider without a provider.
    `temperature`/`max_tokens` override the agent's own (API callers may)."""
    ensure_provider()
    hits = await _knowledge_for(agent, situation.question)
    stream = call_model(
        situation.messages(agent, hits),
        model=agent.model,
        temperature=agent.temperature if temperature is None else temperature,
        max_tokens=agent.max_tokens if max_tokens is None else max_tokens,
        caller=caller,
    )
    return Reply(stream, hits, agent.id, caller)


def call_model(
    messages: Sequence[llm.Message],
    *,
    model: str,
    caller: Caller,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> ChatStream:
    """Every model call the hub makes starts here, so none skips the caller's spending gate."""
    return llm.stream_chat(
        messages, model=model, temperature=temperature, max_tokens=max_tokens, gate=spend.gate_for(caller.user_id)
    )


async def record_usage(caller: Caller, result: CompletionResult | None, *, agent_id: int | None = None) -> None:
    """A call refused before it was made cost nothing and is not recorded. API
    calls are queued (off the request path); the hub's are written at once."""
    if result is None or not result.attempts:
        return
    refs = {"agent_id": agent_id, "channel_id": caller.channel_id, "api_key_id": caller.api_key_id}
    if caller.source == "api":
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
    "call_model",
    "ensure_provider",
    "prepare",
    "record_usage",
]
