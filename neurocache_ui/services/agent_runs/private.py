""""Try it": the owner's private chat with one of their agents, before it joins a
channel. Nothing is stored but usage and the video and audio sent in it (files of the
agent, services/media/); the page keeps the turns and shows the streamed text it is
handed, and the same pipeline as everywhere builds the reply."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.media import MediaRef
from neurocache_ui.domain.tools import Source, Step
from neurocache_ui.services import agents
from neurocache_ui.services.agent_runs import delivery, pipeline
from neurocache_ui.services.media import context as media_context

OnMedia = Callable[[list[MediaRef]], Awaitable[Any]]


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


async def _watched(
    user_id: int, agent_id: int, turns: Sequence[Mapping[str, Any]], on_step: Callable[[str], Awaitable[Any]] | None,
    on_media: OnMedia | None,
) -> tuple[list[dict[str, Any]], str]:
    """The turns, each person's turn with "media" (file ids) given its files as "extra"
    content parts, and the words said in the last turn's files. Like a channel reply to a
    message with media, the answer waits for the last turn's files to be processed
    (`on_media` hears their progress)."""
    turns = [dict(turn) for turn in turns]
    asked = [turn for turn in turns if turn.get("role") == "user" and turn.get("media")]
    if not asked:
        return turns, ""
    heard, last = "", asked[-1]
    if last is turns[-1]:
        if on_step is not None:
            await on_step(media_context.WATCHING)
        _, heard = await media_context.settled_files(last["media"], user_id=user_id, agent_id=agent_id, on_change=on_media)
        if on_step is not None:
            await on_step("")
    refs = {index: (await asyncio.to_thread(media_context.files, turn["media"], user_id=user_id, agent_id=agent_id))[0]
            for index, turn in enumerate(turns) if turn.get("role") == "user" and turn.get("media")}
    parts = await media_context.parts_of(refs)
    for index, extra in parts.items():
        turns[index]["extra"] = extra
    return turns, heard


async def answer(
    user_id: int,
    agent_id: int,
    turns: Sequence[Mapping[str, Any]],
    *,
    show: Callable[[str], Awaitable[Any]],
    stop: asyncio.Event,
    watch: Callable[[], Awaitable[None]] | None = None,
    on_step: Callable[[str], Awaitable[Any]] | None = None,
    on_media: OnMedia | None = None,
    sources: list[Source] | None = None,
    steps: list[Step] | None = None,
) -> tuple[str, str]:
    """(content, status) of the agent's answer to the last turn. Failed turns are
    not shown to the model; a refusal (no such agent, no provider) is the answer.
    A person's turn may carry "media", ids of files sent in this chat
    (services/media/sending.send_private): the agent watches and listens to them as in
    a channel, after those of the last turn are processed (`on_media` hears how far).
    With tools, `on_step` hears what the agent does ("Searching the web for …",
    "" when done), `sources` (if given) is filled with the pages it drew on and
    `steps` (if given) with what its tools did, failures included, for the
    finished answer to keep showing."""
    try:
        agent = await asyncio.to_thread(agents.get_agent, user_id, agent_id)
        usable = [turn for turn in turns if turn.get("status") != delivery.ERROR]
        usable, heard = await _watched(user_id, agent_id, usable, on_step, on_media)
    except NeurocacheError as error:
        return str(error), delivery.ERROR
    reply, content, status = await respond(agent, pipeline.PrivateChat(usable, heard), pipeline.Caller(user_id),
                                           show=show, stop=stop, watch=watch, on_step=on_step)
    if reply is not None and sources is not None:
        sources[:] = reply.sources
    if reply is not None and steps is not None:
        steps[:] = reply.steps
    return content, status


__all__ = ["answer", "respond"]
