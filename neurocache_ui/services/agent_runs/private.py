""""Try it": the owner's private chat with one of their agents, before it joins a
channel. Nothing is stored but usage; the page keeps the turns and shows the
streamed text it is handed, and the same pipeline as everywhere builds the reply."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.tools import Source, Step
from neurocache_ui.services import agents
from neurocache_ui.services.agent_runs import delivery, pipeline


async def respond(
    agent: pipeline.AnsweringAgent,
    situation: pipeline.Situation,
    caller: pipeline.Caller,
    *,
    show: Callable[[str], Awaitable[Any]],
    stop: asyncio.Event,
    watch: Callable[[], Awaitable[None]] | None = None,
    on_step: Callable[[str], Awaitable[Any]] | None = None,
) -> tuple[pipeline.Reply | None, str, str]:
    """(reply, content, status): the agent's answer outside any channel, streamed to
    `show` until it ends or `stop` is set, its usage recorded. Try it and the
    evaluation of a test case (services/evals) both answer this way; the reply is
    None when it could not be prepared (no provider, a refused tool name), and the
    content then says why."""
    try:
        reply = await pipeline.prepare(agent, situation, caller, on_step=on_step)
    except NeurocacheError as error:
        return None, str(error), delivery.ERROR
    await delivery.stream_reply(reply, show, stop, watch=watch)
    await reply.record()
    content, status = delivery.final_text(reply, stopped_by="you")
    return reply, content, status


async def answer(
    user_id: int,
    agent_id: int,
    turns: Sequence[Mapping[str, str]],
    *,
    show: Callable[[str], Awaitable[Any]],
    stop: asyncio.Event,
    watch: Callable[[], Awaitable[None]] | None = None,
    on_step: Callable[[str], Awaitable[Any]] | None = None,
    sources: list[Source] | None = None,
    steps: list[Step] | None = None,
) -> tuple[str, str]:
    """(content, status) of the agent's answer to the last turn. Failed turns are
    not shown to the model; a refusal (no such agent, no provider) is the answer.
    With tools, `on_step` hears what the agent does ("Searching the web for …",
    "" when done), `sources` (if given) is filled with the pages it drew on and
    `steps` (if given) with what its tools did, failures included, for the
    finished answer to keep showing."""
    try:
        agent = await asyncio.to_thread(agents.get_agent, user_id, agent_id)
    except NeurocacheError as error:
        return str(error), delivery.ERROR
    usable = [turn for turn in turns if turn.get("status") != delivery.ERROR]
    reply, content, status = await respond(agent, pipeline.PrivateChat(usable), pipeline.Caller(user_id),
                                           show=show, stop=stop, watch=watch, on_step=on_step)
    if reply is not None and sources is not None:
        sources[:] = reply.sources
    if reply is not None and steps is not None:
        steps[:] = reply.steps
    return content, status


__all__ = ["answer", "respond"]
