"""The collective: a channel asked as one model (`channel:<slug>`, POST
/channels/{slug}/query). Every agent answers in parallel through the reply
pipeline, then one more call (the default model) combines the answers toward the
channel's goal. Every call counts against the asker's quota and is recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from neurocache_ui.domain import reply_rules
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.tools import Source, ToolCall
from neurocache_ui.infra.llm import Refusal
from neurocache_ui.services import channels, messaging, team, usage
from neurocache_ui.services.agent_runs import pipeline
from neurocache_ui.services.agent_runs.pipeline import Caller, CompletionResult
from neurocache_ui.services.channels import ChannelView
from neurocache_ui.settings import get_settings
from neurocache_ui.store.models import Agent

NO_AGENTS = "This channel has no agents yet. Add agents to the channel before asking it."


@dataclass(frozen=True)
class AgentAnswer:
    agent_id: int
    slug: str
    name: str
    result: CompletionResult
    tool_calls: int = 0
    """Tool calls the agent's own tools made for this answer (its tools run as in a channel)."""
    ran: tuple[ToolCall, ...] = ()
    """Those calls, in order (the Responses API reports its web searches)."""
    sources: tuple[Source, ...] = ()
    """The web pages those calls read."""

    @property
    def ok(self) -> bool:
        return self.result.ok


@dataclass
class CollectiveAnswer:
    channel: ChannelView
    question: str
    answers: list[AgentAnswer]
    synthesis: CompletionResult
    message_ids: list[int] = field(default_factory=list)

    @property
    def prompt_tokens(self) -> int:
        return self.synthesis.prompt_tokens + sum(a.result.prompt_tokens for a in self.answers)

    @property
    def completion_tokens(self) -> int:
        return self.synthesis.completion_tokens + sum(a.result.completion_tokens for a in self.answers)


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
    question = reply_rules.latest_user_text(conversation)
    if question is None:
        raise Invalid("messages must contain at least one user message.", "messages")
    return question


def resolve(user_id: int, channel_slug: str) -> tuple[ChannelView, list[Agent]]:
    """The channel (NotFound unless the user is a member) and its agents (Invalid if none)."""
    channel = channels.get_channel(channel_slug, user_id)
    members = team.team(channel.id)
    if not members:
        raise Invalid(NO_AGENTS, "model")
    return channel, members


async def _answer(
    agent: Agent, situation: pipeline.TeamQuestion, caller: Caller, *, temperature: float | None, max_tokens: int | None
) -> AgentAnswer:
    assert agent.id is not None
    reply = await pipeline.prepare(agent, situation, caller, temperature=temperature, max_tokens=max_tokens)
    result = await reply.stream.collect()
    web = tuple(source for source in reply.sources if source.url)
    return AgentAnswer(agent.id, agent.slug, agent.name, result, reply.tool_calls, tuple(reply.tools_run), web)


async def gather(
    caller: Caller,
    channel: ChannelView,
    members: Sequence[Agent],
    conversation: Sequence[Mapping[str, Any]],
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> list[AgentAnswer]:
    """Every agent's answer, in the team's order; usage recorded per call.
    The conversation is checked, and the provider, once before any call."""
    caller = replace(caller, channel_id=channel.id)
    situation = pipeline.TeamQuestion.to_team(channel, members, conversation)
    pipeline.ensure_provider()
    answers = await asyncio.gather(
        *(_answer(agent, situation, caller, temperature=temperature, max_tokens=max_tokens) for agent in members)
    )
    for answer in answers:
        await pipeline.record_usage(caller, answer.result, agent_id=answer.agent_id, tool_calls=answer.tool_calls)
    return list(answers)


def synthesis_stream(
    caller: Caller, channel: ChannelView, question: str, answers: Sequence[AgentAnswer], *, max_tokens: int | None = None
) -> pipeline.ChatStream | None:
    """The synthesis as a stream, or None when no agent answered (nothing to combine)."""
    good = [a for a in answers if a.ok]
    if not good:
        return None
    return pipeline.call_model(
        synthesis_messages(channel, question, good), model=get_settings().default_model, max_tokens=max_tokens, caller=caller
    )


def failure_message(answers: Sequence[AgentAnswer]) -> str:
    """Why there is no synthesis: the agents' own errors, which are safe to show."""
    reasons = sorted({a.result.error or "no answer" for a in answers})
    return "No agent of the channel could answer: " + " ".join(reasons)


def refusal_of(answers: Sequence[AgentAnswer]) -> Refusal | None:
    """Why no agent answered, when it is because the spending gate refused the calls
    (the API answers 429 or 422 for that, not a provider error)."""
    if any(a.ok for a in answers):
        return None
    return next((a.result.refusal for a in answers if a.result.refusal is not None), None)


def failed_result(message: str, refusal: Refusal | None = None) -> CompletionResult:
    """A call that was never made (nothing to combine, or no provider)."""
    return CompletionResult(
        text="", model=get_settings().default_model, outcome="error", prompt_tokens=0, completion_tokens=0,
        latency_ms=0, error=message, refusal=refusal,
    )


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
    budgeted: bool = False,
) -> CollectiveAnswer:
    """The whole collective answer. Never raises for model trouble: a failed
    agent is reported in its answer, a failed synthesis in `synthesis`."""
    channel, members = await asyncio.to_thread(resolve, user_id, channel_slug)
    question = question_of(conversation)
    if record:  # refuse before spending tokens on a channel the user cannot post in
        await asyncio.to_thread(channels.ensure_can_post, channel.id, user_id)
    caller = Caller(user_id, source, api_key_id, channel.id, budgeted)
    try:
        answers = await gather(caller, channel, members, conversation, temperature=temperature, max_tokens=max_tokens)
    except pipeline.NoProvider as missing:
        answers = [AgentAnswer(a.id, a.slug, a.name, failed_result(str(missing))) for a in members if a.id is not None]
    stream = synthesis_stream(caller, channel, question, answers, max_tokens=max_tokens)
    if stream is None:
        refusal = refusal_of(answers)
        synthesis = failed_result(refusal.message if refusal else failure_message(answers), refusal)
    else:
        synthesis = await stream.collect()
        await pipeline.record_usage(caller, synthesis)
    result = CollectiveAnswer(channel, question, answers, synthesis)
    if record:
        result.message_ids = await asyncio.to_thread(record_in_channel, user_id, result)
    return result


__all__ = [
    "AgentAnswer",
    "CollectiveAnswer",
    "ask",
    "gather",
    "question_of",
    "refusal_of",
    "resolve",
    "synthesis_messages",
    "synthesis_stream",
]
