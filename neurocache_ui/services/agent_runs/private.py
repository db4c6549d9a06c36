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
        usable = [turn for turn in turns if turn.get("status") != delivery.ERROR]
        reply = await pipeline.prepare(agent, pipeline.PrivateChat(usable), pipeline.Caller(user_id), on_step=on_step)
    except NeurocacheError as error:
        return str(error), delivery.ERROR
    await delivery.stream_reply(reply, show, stop, watch=watch)
    await reply.record()
    if sources is not None:
        sources[:] = reply.sources
    if steps is not None:
        steps[:] = reply.steps
    return delivery.final_text(reply, stopped_by="you")


__all__ = ["answer"]
