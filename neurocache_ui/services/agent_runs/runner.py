"""Agents at work in channels: after every stored message, the agents that answer it
start one background task each (the caller never waits for a model). A reply is a
placeholder message that streams on the bus and ends stored as complete,
incomplete or error; hand-offs between agents share one call budget per message.
A message in a thread is answered in that thread, with the thread as context."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from neurocache_ui.domain import dm_rules, prompts, reply_rules
from neurocache_ui.domain.errors import NeurocacheError, NotFound
from neurocache_ui.domain.events import AgentStepped
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.infra import bus
from neurocache_ui.services import attachments, messaging, spend, team
from neurocache_ui.services.agent_runs import (
    delivery,
    orphans,
    pipeline,
    progress,
    stops,
)
from neurocache_ui.services.agent_runs.delivery import COMPLETE, ERROR, STREAMING
from neurocache_ui.services.media import context as media_context
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Agent, Channel, Message, User

log = logging.getLogger(__name__)

HISTORY_EXTRA = 10
"""Messages read beyond `context_size`: in-progress replies in the window are skipped."""
SHUTDOWN_GRACE = 5.0


# ---------------------------------------------------------------- the task registry


class _Registry:
    """This process's reply tasks, held by strong references, with failures logged."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        # A fresh context: the task must not keep the caller's (e.g. a UI event's) context alive.
        task = asyncio.get_running_loop().create_task(coro, name=name, context=contextvars.Context())
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("agent task %s failed", task.get_name(), exc_info=error)


_registry = _Registry()


def trigger(view: MessageView, *, triggered_by_user_id: int) -> asyncio.Task[Any] | None:
    """Start `handle_new_message` in the background (call from a running event
    loop, e.g. a UI event handler): returns at once. Never raises: the message is
    stored, and agents failing to start must not undo that (None, logged)."""
    try:
        return _registry.spawn(
            handle_new_message(view, triggered_by_user_id=triggered_by_user_id), name=f"agents-for-message-{view.id}"
        )
    except Exception:
        log.exception("starting agents for message %s failed", view.id)
        return None


def spawn(coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
    """Start other agent work (an arena's answers) beside the replies: held, logged,
    drained and cancelled at shutdown with them. Call from a running event loop."""
    return _registry.spawn(coro, name=name)


async def drain(timeout: float | None = None) -> None:
    """Wait until every reply task of this process (and those they started) has ended."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while _registry.tasks:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        if remaining == 0.0:
            raise TimeoutError("agent replies still running")
        await asyncio.wait(list(_registry.tasks), timeout=remaining)


async def shutdown(grace: float = SHUTDOWN_GRACE) -> None:
    """Cancel every reply task; cancelled replies store their text as incomplete."""
    tasks = list(_registry.tasks)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=grace)


@asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """For `app.register_lifespan_task`: nothing at start, `shutdown()` at the end."""
    try:
        yield
    finally:
        await shutdown()


def running_here() -> list[int]:
    """Message ids of the replies this process is writing (for tests and diagnostics)."""
    return list(stops.local)


# ---------------------------------------------------------------- triggering


def _stored_hop(message_id: int) -> int:
    with get_engine().connect() as conn:
        hop = conn.execute(sa.select(Message.hop).where(Message.id == message_id)).scalar()
    return int(hop or 0)


@dataclass(frozen=True)
class _ChannelInfo:
    id: int
    name: str
    goal: str
    description: str
    kind: str


def _channel_info(channel_id: int) -> _ChannelInfo | None:
    with get_engine().connect() as conn:
        row = conn.execute(
            sa.select(Channel.name, Channel.goal, Channel.description, Channel.kind).where(Channel.id == channel_id)
        ).first()
    return None if row is None else _ChannelInfo(channel_id, row.name, row.goal, row.description, row.kind)


async def handle_new_message(
    view: MessageView, *, triggered_by_user_id: int, hop: int | None = None, budget_id: int | None = None
) -> list[asyncio.Task[Any]]:
    """Start the replies to a stored message; returns their tasks (already running).

    `hop` is the message's hop (models.Message.hop); it is read from the
    database for an agent's message when not given. `triggered_by_user_id` is
    the person whose message started the chain: usage and quota are charged to
    them. `budget_id` names the tree's call budget: the id of the person's
    message that started it (default: this message, which starts a new tree)."""
    try:
        if hop is None:
            hop = await asyncio.to_thread(_stored_hop, view.id) if view.author_kind == "agent" else 0
        if not reply_rules.starts_replies(view, hop):
            return []
        agents = await asyncio.to_thread(team.team, view.channel_id)
        channel = await asyncio.to_thread(_channel_info, view.channel_id) if agents else None
        if channel is None:
            return []
        chosen = reply_rules.choose_repliers(view, agents, hop, direct=channel.kind == dm_rules.DM)
        if not chosen:
            return []
    except NeurocacheError as error:
        log.warning("agents could not answer message %s: %s", view.id, error)
        return []
    budget = view.id if budget_id is None else budget_id
    return [
        _registry.spawn(
            _reply(
                agent, channel, view, hop=hop + 1, triggered_by=triggered_by_user_id, teammates=agents, budget_id=budget
            ),
            name=f"agent-{agent.id}-reply-to-{view.id}",
        )
        for agent in chosen
    ]


# ---------------------------------------------------------------- one reply


async def _post(channel_id: int, **fields: Any) -> MessageView:
    return await asyncio.to_thread(lambda: messaging.post_message(channel_id, **fields))


async def _may_call(channel_id: int, agent_id: int, budget_id: int, hop: int, thread_id: int | None) -> bool:
    """Whether the agent may call its model: a provider is configured (else it posts
    the notice) and the message's call budget has room (else one notice per tree)."""
    try:
        pipeline.ensure_provider()
    except pipeline.NoProvider as missing:
        await _post(channel_id, agent_id=agent_id, content=str(missing), status=ERROR, hop=hop, thread_id=thread_id)
        return False
    call = await stops.in_thread(spend.take_message_call, budget_id)
    if not call.allowed and call.announce:
        try:
            await _post(channel_id, content=spend.message_budget_notice(), hop=hop, thread_id=thread_id)
        except NeurocacheError as error:
            log.warning("could not post the call budget notice in channel %s: %s", channel_id, error)
    return call.allowed


async def _reply(
    agent: Agent,
    channel: _ChannelInfo,
    trigger_view: MessageView,
    *,
    hop: int,
    triggered_by: int,
    teammates: Sequence[Agent],
    budget_id: int,
) -> None:
    """One agent's reply to `trigger_view`, from placeholder to stored text; a
    complete reply may in turn wake the agents it mentions."""
    assert agent.id is not None
    if not await _may_call(channel.id, agent.id, budget_id, hop, trigger_view.thread_id):
        return
    try:
        placeholder = await _post(
            channel.id, agent_id=agent.id, content="", status=STREAMING, hop=hop, thread_id=trigger_view.thread_id,
            reply_to_id=trigger_view.id, agent_version=agent.version,
        )
    except NeurocacheError as error:
        log.warning("agent %s could not start a reply in channel %s: %s", agent.id, channel.id, error)
        return
    running = stops.Running(placeholder.id, channel.id, agent.id)
    async with stops.lease(running):
        final = await _write(agent, channel, trigger_view, running, teammates=teammates, triggered_by=triggered_by)
    if final is not None and final.status == COMPLETE:
        await handle_new_message(final, triggered_by_user_id=triggered_by, hop=hop, budget_id=budget_id)


def rewrite(
    agent: Agent, channel_id: int, asked: MessageView, message_id: int, *, triggered_by: int, teammates: Sequence[Agent]
) -> asyncio.Task[Any]:
    """Write reply `message_id` (restarted by services/reply_versions.py) to `asked`
    again, in the background, reading the conversation as it was before the reply.
    No hand-offs: the agents it mentions already had their turn."""

    async def run() -> None:
        channel = await asyncio.to_thread(_channel_info, channel_id)
        if channel is None:
            return  # the channel, and the reply with it, were deleted meanwhile
        running = stops.Running(message_id, channel_id, agent.id or 0)
        async with stops.lease(running):
            await _write(agent, channel, asked, running, teammates=teammates, triggered_by=triggered_by, before=message_id)

    return _registry.spawn(run(), name=f"agent-{agent.id}-rewrite-{message_id}")


async def _write(
    agent: Agent,
    channel: _ChannelInfo,
    trigger_view: MessageView,
    running: stops.Running,
    *,
    teammates: Sequence[Agent],
    triggered_by: int,
    before: int | None = None,
) -> MessageView | None:
    """Stream the model's reply into the placeholder; returns the stored final message.
    `before`: read the conversation as it was before that message (a rewrite)."""
    reply: pipeline.Reply | None = None
    shown = progress.Progress(channel.id, running.message_id)

    async def step(text: str) -> None:
        await stops.in_thread(bus.publish, channel.id, AgentStepped(message_id=running.message_id, text=text))

    try:
        heard = ""
        if trigger_view.media:  # answered once its frames and transcript exist
            await step(media_context.WATCHING)
            trigger_view, heard = await media_context.settled(trigger_view)
        history = await asyncio.to_thread(_history, channel.id, trigger_view.thread_id, agent.context_size, before)
        history = await _with_images(history, agent.context_size)
        where = channel if trigger_view.thread_id is None else _in_thread(channel)
        situation = pipeline.InChannel(where, history, teammates, f"{trigger_view.content} {heard}".strip())
        caller = pipeline.Caller(triggered_by, channel_id=channel.id)
        reply = await pipeline.prepare(agent, situation, caller, on_step=step)
        await delivery.stream_reply(reply, shown.publish, running.stop)
    except asyncio.CancelledError:
        # The server is shutting down: keep what arrived, marked as interrupted.
        await _store(agent, running, reply, interrupted=True)
        raise
    except NeurocacheError as error:
        log.warning("agent %s could not prepare reply %s: %s", agent.id, running.message_id, error)
    return await _store(agent, running, reply)


THREAD_NOTE = "This conversation is a thread in the channel: its first message, then the replies. Answer within the thread."


def _in_thread(channel: _ChannelInfo) -> _ChannelInfo:
    """The channel as a reply in one of its threads sees it: the prompt's channel
    section says the conversation is a thread (the goal stays)."""
    return replace(channel, description=f"{channel.description}\n{THREAD_NOTE}".strip())


def _history(channel_id: int, thread_id: int | None, context_size: int, before: int | None = None) -> list[MessageView]:
    """What a reply reads before answering: the channel's recent messages, or in a
    thread the thread itself (its root, then its newest replies); with `before`,
    only what came before that message."""
    limit = max(1, min(1000, context_size + HISTORY_EXTRA))
    if thread_id is None:
        if before is not None:
            return messaging.older_messages(channel_id, before=before, limit=limit, viewer_id=None)
        return messaging.recent_messages(channel_id, limit, viewer_id=None)
    root, replies = messaging.thread_messages(thread_id, viewer_id=None, limit=limit)
    return [root, *(reply for reply in replies if before is None or reply.id < before)]


async def _with_images(history: list[MessageView], context_size: int) -> list[Any]:
    """The history, its messages with images or media (among the newest `context_size`)
    carrying them for the model: images as data URLs, video and audio as labelled
    frames and a timestamped transcript (services/media/context.py)."""
    recent = history[-context_size:] if context_size > 0 else []
    ids = [m.id for m in recent if m.attachments]
    found = await attachments.model_images(ids) if ids else {}
    watched = await media_context.model_parts([m for m in recent if m.media])
    return [
        prompts.HistoryMessage(
            m.author_name, m.content, m.author_kind, m.agent_id, m.status, found.get(m.id, ()), watched.get(m.id, ())
        )
        if m.id in found or m.id in watched else m
        for m in history
    ]


async def _store(
    agent: Agent, running: stops.Running, reply: pipeline.Reply | None, *, interrupted: bool = False
) -> MessageView | None:
    assert agent.id is not None
    content, status = delivery.final_text(reply, stopped_by=running.stopped_by, interrupted=interrupted)
    sources = reply.sources if reply is not None else []
    notes = reply.notes if reply is not None else []
    final, ended = None, True
    try:
        final = await asyncio.to_thread(
            lambda: messaging.update_agent_message(
                running.message_id, agent_id=agent.id, content=content, status=status, sources=sources, notes=notes
            )
        )
    except NotFound:
        pass  # the message or the agent was deleted meanwhile
    except Exception:
        ended = False  # its text so far stays for the orphan sweeper (orphans.py)
        log.exception("storing agent %s's reply %s failed", agent.id, running.message_id)
    if ended:
        await stops.in_thread(progress.clear, running.message_id)
    if reply is not None:
        await reply.record()
    return final


# ---------------------------------------------------------------- stopping


def _user_name(user_id: int) -> str:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(User.name).where(User.id == user_id)).scalar() or "someone"


async def stop_reply(message_id: int, user_id: int) -> bool:
    """Stop a running reply; any member of its channel may. True if a reply was
    stopped (or found abandoned and closed), False if it had already ended.
    NotFound if the message does not exist or the user is not a member."""
    view = await asyncio.to_thread(lambda: messaging.get_message(message_id, viewer_id=user_id))
    if view.author_kind != "agent" or view.status != STREAMING or view.agent_id is None:
        return False
    sent = await stops.request_stop(message_id, await asyncio.to_thread(_user_name, user_id))
    if sent != "nobody":
        return sent != "unreachable"
    # Nobody runs it (its process died): end it now as the orphan sweeper would.
    return await asyncio.to_thread(orphans.end, message_id, view.agent_id)


__all__ = [
    "STREAMING",
    "drain",
    "handle_new_message",
    "lifespan",
    "rewrite",
    "running_here",
    "shutdown",
    "stop_reply",
    "trigger",
]
