"""The collective: ask every agent of a channel at once, then synthesise one answer.

Used by the API twice: `channel:<slug>` as a chat-completions model, and
`POST /channels/{slug}/query`. Steps:

1. `gather(...)`: each agent of the channel answers the caller's conversation in
   parallel, as itself (its instructions, its knowledge excerpts), told that it
   is one specialist of the channel's team and what the channel's goal is.
2. `synthesis_stream(...)`: one more model call combines the successful answers
   into a single reply toward the channel's goal (NEUROCACHE_DEFAULT_MODEL, since
   a channel has no model of its own). It is a `core.llm.ChatStream`, so the API
   can stream it or collect it.
3. `ask(...)` does both; with `record=True` the question, every answer and the
   synthesis are also posted in the channel (they appear live in the hub).

Every model call is recorded as usage (one event per call, attributed to the
agent, the channel and the API key) by the caller-supplied `source`, and each
one (every agent's and the synthesis) counts against the asking person's hourly
quota and the model allow-list (core.spend, checked by core.llm). The team is
at most NEUROCACHE_MAX_AGENTS_PER_CHANNEL agents (core.team), so one question
costs at most that many calls plus one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neurocache_ui.services import channels, knowledge, messaging, spend, team, usage, usage_writer
from neurocache_ui.infra import llm
from neurocache_ui.domain import prompts
from neurocache_ui.services.channels import ChannelView
from neurocache_ui.domain.errors import Invalid, NeurocacheError
from neurocache_ui.store.models import Agent
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

KNOWLEDGE_HITS = 4
NO_AGENTS = "This channel has no agents yet. Add agents to the channel before asking it."


@dataclass(frozen=True)
class AgentAnswer:
    agent_id: int
    slug: str
    name: str
    result: llm.CompletionResult

    @property
    def ok(self) -> bool:
        return self.result.ok


@dataclass
class CollectiveAnswer:
    channel: ChannelView
    question: str
    answers: list[AgentAnswer]
    synthesis: llm.CompletionResult
    message_ids: list[int] = field(default_factory=list)

    @property
    def prompt_tokens(self) -> int:
        return self.synthesis.prompt_tokens + sum(a.result.prompt_tokens for a in self.answers)

    @property
    def completion_tokens(self) -> int:
        return self.synthesis.completion_tokens + sum(a.result.completion_tokens for a in self.answers)


def _team_section(channel: ChannelView, agent: Agent, members: Sequence[Agent]) -> str:
    lines = [
        "## Your team",
        f"You are one of the agents of the channel #{channel.name}; the question below is asked of the whole team at once, "
        "and your answers are then combined into one reply.",
    ]
    if channel.goal.strip():
        lines.append(f"The channel's goal: {channel.goal.strip()}")
    others = [a for a in members if a.id != agent.id]
    if others:
        lines.append("Your teammates, who answer in parallel with you:")
        lines += [f"- {a.name} (@{a.slug})" + (f": {a.description.strip()}" if a.description.strip() else "") for a in others]
    lines.append("Answer from your own speciality, concisely; leave to your teammates what is theirs.")
    return "\n".join(lines)


def agent_messages(
    channel: ChannelView, agent: Agent, members: Sequence[Agent], conversation: Sequence[Mapping[str, Any]],
    excerpts: Sequence[Any] = (),
) -> list[dict[str, str]]:
    """The messages for one agent's part: its API prompt plus the team section."""
    built = prompts.build_api_messages(agent, conversation, knowledge=excerpts)
    built[0] = {"role": "system", "content": built[0]["content"] + "\n\n" + _team_section(channel, agent, members)}
    return built


def synthesis_messages(channel: ChannelView, question: str, answers: Sequence[AgentAnswer]) -> list[dict[str, str]]:
    goal = channel.goal.strip()
    system = (
        f"You speak for the team of AI agents in the channel #{channel.name} of Neurocache Hub. "
        "Each agent answered the question from its speciality; combine their answers into one clear, "
        "complete reply" + (f" that serves the channel's goal: {goal}" if goal else "") + ". "
        "Keep what the answers agree on, resolve or point out disagreements, and credit an agent by name when a "
        "point is specifically theirs. Do not add facts none of them gave. Reply with the combined answer only."
    )
    parts = [f"Question:\n{question}", "Answers from the team:"]
    for answer in answers:
        parts.append(f"### {answer.name} (@{answer.slug})\n{answer.result.text.strip()}")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]


def question_of(conversation: Sequence[Mapping[str, Any]]) -> str:
    """The newest user message's text: what the channel is asked."""
    for message in reversed(conversation):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return prompts.content_text(message.get("content")).strip()
    raise Invalid("messages must contain at least one user message.", "messages")


def resolve(user_id: int, channel_slug: str) -> tuple[ChannelView, list[Agent]]:
    """The channel (NotFound unless the user is a member) and its agents (Invalid if none)."""
    channel = channels.get_channel(channel_slug, user_id)
    members = team.team(channel.id)
    if not members:
        raise Invalid(NO_AGENTS, "model")
    return channel, members


async def _answer(
    user_id: int,
    channel: ChannelView,
    agent: Agent,
    members: Sequence[Agent],
    conversation: Sequence[Mapping[str, Any]],
    *,
    temperature: float | None,
    max_tokens: int | None,
) -> AgentAnswer:
    assert agent.id is not None
    excerpts: list[Any] = []
    if agent.knowledge_enabled:
        query = prompts.knowledge_query(conversation)
        try:
            excerpts = await asyncio.to_thread(knowledge.search, agent.id, query, KNOWLEDGE_HITS) if query else []
        except NeurocacheError as error:  # answer without excerpts rather than not at all
            log.warning("knowledge search for agent %s failed: %s", agent.id, error)
    result = await llm.complete_chat(
        agent_messages(channel, agent, members, conversation, excerpts),
        model=agent.model,
        temperature=agent.temperature if temperature is None else temperature,
        max_tokens=agent.max_tokens if max_tokens is None else max_tokens,
        user_id=user_id,
    )
    return AgentAnswer(agent.id, agent.slug, agent.name, result)


async def gather(
    user_id: int,
    channel: ChannelView,
    members: Sequence[Agent],
    conversation: Sequence[Mapping[str, Any]],
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    source: usage.Source = "api",
    api_key_id: int | None = None,
) -> list[AgentAnswer]:
    """Every agent's answer, in the team's order; usage recorded per call."""
    prompts.build_api_messages(members[0], conversation)  # validate the conversation once, before any call
    answers = await asyncio.gather(
        *(
            _answer(user_id, channel, agent, members, conversation, temperature=temperature, max_tokens=max_tokens)
            for agent in members
        )
    )
    for answer in answers:
        if not answer.result.attempts:
            continue  # refused before any call (core.spend): nothing was spent
        usage_writer.enqueue_result(
            user_id, answer.result, source=source, agent_id=answer.agent_id, channel_id=channel.id, api_key_id=api_key_id
        )
    return list(answers)


def synthesis_stream(
    user_id: int, channel: ChannelView, question: str, answers: Sequence[AgentAnswer], *, max_tokens: int | None = None
) -> llm.ChatStream | None:
    """The synthesis as a stream, or None when no agent answered (nothing to combine)."""
    good = [a for a in answers if a.ok]
    if not good:
        return None
    return llm.stream_chat(
        synthesis_messages(channel, question, good),
        model=get_settings().default_model,
        max_tokens=max_tokens,
        user_id=user_id,
    )


def failure_message(answers: Sequence[AgentAnswer]) -> str:
    """Why there is no synthesis: the agents' own errors, which are safe to show."""
    reasons = sorted({a.result.error or "no answer" for a in answers})
    return "No agent of the channel could answer: " + " ".join(reasons)


def refusal_of(answers: Sequence[AgentAnswer]) -> spend.Refusal | None:
    """Why no agent answered, when it is because core.spend refused the calls
    (the API answers 429 or 422 for that, not a provider error)."""
    if any(a.ok for a in answers):
        return None
    return next((a.result.refusal for a in answers if a.result.refusal is not None), None)


def failed_result(message: str, refusal: spend.Refusal | None = None) -> llm.CompletionResult:
    return llm.CompletionResult(text="", model=get_settings().default_model, outcome="error", prompt_tokens=0,
                                completion_tokens=0, latency_ms=0, error=message, refusal=refusal)


def record_in_channel(user_id: int, answer: CollectiveAnswer) -> list[int]:
    """Post the question (as the user), each answer (as its agent) and the synthesis
    (as a notice from the hub) in the channel; returns the new message ids."""
    channel_id = answer.channel.id
    ids = [messaging.post_message(channel_id, user_id=user_id, content=answer.question).id]
    for part in answer.answers:
        if part.ok and part.result.text.strip():
            ids.append(messaging.post_message(channel_id, agent_id=part.agent_id, content=part.result.text, hop=1).id)
    if answer.synthesis.ok and answer.synthesis.text.strip():
        ids.append(messaging.post_message(channel_id, content=f"**Team answer**\n\n{answer.synthesis.text}", hop=1).id)
    return ids


async def ask(
    user_id: int,
    channel_slug: str,
    conversation: Sequence[Mapping[str, Any]],
    *,
    record: bool = False,
    temperature: float | None = None,
    max_tokens: int | None = None,
    source: usage.Source = "api",
    api_key_id: int | None = None,
) -> CollectiveAnswer:
    """The whole collective answer. Never raises for model trouble: a failed
    agent is reported in its answer, a failed synthesis in `synthesis`."""
    channel, members = await asyncio.to_thread(resolve, user_id, channel_slug)
    question = question_of(conversation)
    if record:  # refuse before spending tokens on a channel the user cannot post in
        await asyncio.to_thread(channels.ensure_can_post, channel.id, user_id)
    answers = await gather(
        user_id, channel, members, conversation, temperature=temperature, max_tokens=max_tokens,
        source=source, api_key_id=api_key_id,
    )
    stream = synthesis_stream(user_id, channel, question, answers, max_tokens=max_tokens)
    if stream is None:
        refusal = refusal_of(answers)
        synthesis = failed_result(refusal.message if refusal else failure_message(answers), refusal)
    else:
        synthesis = await stream.collect()
        if synthesis.attempts:
            usage_writer.enqueue_result(user_id, synthesis, source=source, channel_id=channel.id, api_key_id=api_key_id)
    result = CollectiveAnswer(channel, question, answers, synthesis)
    if record:
        result.message_ids = await asyncio.to_thread(record_in_channel, user_id, result)
    return result


__all__ = [
    "AgentAnswer",
    "CollectiveAnswer",
    "agent_messages",
    "ask",
    "gather",
    "question_of",
    "refusal_of",
    "resolve",
    "synthesis_messages",
    "synthesis_stream",
]
