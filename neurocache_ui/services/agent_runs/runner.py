"""Agents at work in channels: who replies to a message, and the replies themselves.

`handle_new_message(view, triggered_by_user_id=...)` is called after every
stored message (a person's from the hub or the API, and an agent's finished
reply). It picks the agents that answer and starts one asyncio task per agent,
so several agents answer at once and the caller never waits for a model:

- agents of the channel @mentioned by slug (`@scout`, case-insensitive, as a
  whole word: `@scout-2` and `bob@scout` do not name `scout`);
- for a person's message, also the agents whose reply_mode is "all";
- never the author itself; system notices trigger nobody.

Agents hand work on by mentioning each other. Every message stores its `hop`
(models.Message.hop): 0 for a person's, the trigger's hop + 1 for an agent's
reply; a message with hop >= HOP_LIMIT triggers nobody, so two agents that keep
mentioning each other stop after HOP_LIMIT replies.

The hop limit bounds depth, not breadth: ten agents that answer every message
and mention each other would still make dozens of calls within three hops. So
the whole tree one person's message starts shares one budget of
NEUROCACHE_MAX_CALLS_PER_MESSAGE model calls (core.spend.take_message_call),
named by that message's id (`budget_id`, carried from reply to reply). The
agent whose call would exceed it does not call the model, and the first such
agent posts one notice in the channel (spend.message_budget_notice).

One reply:
1. a placeholder message from the agent (status "streaming", empty text);
2. the prompt (core.prompt.build_channel_messages): instructions, the channel's
   goal, the last `context_size` messages, the teammates, and knowledge
   passages (core.knowledge.search) when the agent has knowledge enabled;
3. the model's text streamed (core.llm.stream_chat) and published on the bus as
   `{"type": "agent.stream", "message_id", "text"}` with the whole text so far,
   at most once per FLUSH_INTERVAL (50 ms), never once per token;
4. the final text stored with messages.update_agent_message (which publishes
   message.updated): status "complete"; or "incomplete" with the partial text
   kept and a visible line saying why (stopped, provider error, timeout, too
   long); or "error" when nothing arrived. The documents the reply drew on are
   listed on a last line, "Sources: a.md, b.pdf";
5. usage recorded (core.usage.record_result: source "hub", the agent, the
   channel, and the person whose message started the chain). The call also
   counts against that person's hourly quota and the model allow-list
   (core.spend, checked by core.llm); a refusal is shown as the agent's reply.
Without a model provider the agent posts NO_PROVIDER_NOTICE once (status "error").

Stopping (`stop_reply`): any member of the channel may stop a running reply.
The reply's own process is told directly; with Redis, the stop request is also
written to a key that the running reply polls every STOP_POLL seconds, so it
works whichever worker runs the reply. A reply whose process died (its "running"
key expired, or no process runs it without Redis) is closed as incomplete.

Tasks are kept in a registry (references held, exceptions logged); `shutdown()`
(the `lifespan` context, registered by the app) cancels them, and a cancelled
reply still stores what it had as incomplete.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis
import sqlalchemy as sa

from neurocache_ui.domain.events import AgentStreamed
from neurocache_ui.infra import bus, llm
from neurocache_ui.services import knowledge, messaging, spend, team, usage
from neurocache_ui.domain import prompts
from neurocache_ui.infra.redis import redis_client
from neurocache_ui.store.db import get_engine
from neurocache_ui.domain.errors import NeurocacheError, NotFound
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.store.models import Agent, Channel, Message, User
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

HOP_LIMIT = 3
"""A message that HOP_LIMIT agent replies led to triggers no further agent."""
FLUSH_INTERVAL = 0.05
"""Seconds between two in-progress updates of one reply (the newest text wins)."""
STOP_POLL = 0.1
RUN_TTL = 15
"""Seconds a reply's "running" key lives without being refreshed (every RUN_REFRESH)."""
RUN_REFRESH = 5.0
STOP_TTL = 300
HISTORY_EXTRA = 10
"""Messages read beyond `context_size`: in-progress replies in the window are skipped."""
KNOWLEDGE_HITS = 4
SHUTDOWN_GRACE = 5.0
RUN_KEY = "nc:agent:run:{}"
STOP_KEY = "nc:agent:stop:{}"
STREAMING, COMPLETE, INCOMPLETE, ERROR = "streaming", "complete", "incomplete", "error"
INTERRUPTED = "⚠️ This reply was interrupted (the server restarted or lost it)."
TOO_LONG = "✂️ The reply was cut off at the message length limit."

T = TypeVar("T")

# Redis calls of the runner (publishing stream updates, polling stop keys) get
# their own threads, so they never queue behind database work in the default pool.
_io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="nc-runner")


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_io, fn, *args)


# ---------------------------------------------------------------- who replies


def mentions(text: str, slugs: Iterable[str]) -> set[str]:
    """The slugs @mentioned in `text` as whole words, case-insensitively."""
    found = set()
    for slug in slugs:
        if re.search(rf"(?<![\w@])@{re.escape(slug)}(?!-?\w)", text, re.IGNORECASE):
            found.add(slug)
    return found


def choose_repliers(view: MessageView, agents: Sequence[Agent], hop: int) -> list[Agent]:
    """The channel's agents that answer `view`, a message with this `hop`."""
    if view.author_kind == "system" or hop >= HOP_LIMIT or not (view.content or "").strip():
        return []
    named = mentions(view.content, [a.slug for a in agents])
    by_person = view.author_kind == "user"
    return [
        agent
        for agent in agents
        if agent.id != view.agent_id and (agent.slug in named or (by_person and agent.reply_mode == "all"))
    ]


# ---------------------------------------------------------------- throttled updates


class Flusher:
    """Hands the newest text to `send` at most once per `interval` seconds.

    The first update goes out at once; later ones wait for the interval and
    only the newest text is sent, so a burst of tokens costs one update and a
    lone token still goes out within `interval`. Sends never overlap and keep
    their order; `close()` drops what is unsent (the final message carries it)
    and returns once a send in progress has finished."""

    def __init__(self, send: Callable[[str], Awaitable[Any]], interval: float = FLUSH_INTERVAL) -> None:
        self._send = send
        self._interval = interval
        self._text = ""
        self._dirty = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def update(self, text: str) -> None:
        if self._closed:
            return
        self._text = text
        self._dirty.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        last = -math.inf
        while True:
            await self._dirty.wait()
            if self._closed:
                return
            wait = last + self._interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                if self._closed:
                    return
            self._dirty.clear()
            last = time.monotonic()
            try:
                await self._send(self._text)
                self.sent += 1
            except Exception:
                log.exception("sending an in-progress update failed")

    async def close(self) -> None:
        self._closed = True
        self._dirty.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


# ---------------------------------------------------------------- the registry


@dataclass
class _Running:
    message_id: int
    channel_id: int
    agent_id: int
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stopped_by: str = ""
    text: str = ""


class _Registry:
    """This process's reply tasks (strong references) and running replies."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.running: dict[int, _Running] = {}

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


def trigger(view: MessageView, *, triggered_by_user_id: int) -> asyncio.Task[Any]:
    """Start `handle_new_message` in the background (call from a running event
    loop, e.g. a UI event handler): returns at once."""
    return _registry.spawn(
        handle_new_message(view, triggered_by_user_id=triggered_by_user_id), name=f"agents-for-message-{view.id}"
    )


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
    return list(_registry.running)


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


def _channel_info(channel_id: int) -> _ChannelInfo | None:
    with get_engine().connect() as conn:
        row = conn.execute(
            sa.select(Channel.name, Channel.goal, Channel.description).where(Channel.id == channel_id)
        ).first()
    return None if row is None else _ChannelInfo(channel_id, row.name, row.goal, row.description)


async def handle_new_message(
    view: MessageView, *, triggered_by_user_id: int, hop: int | None = None, budget_id: int | None = None
) -> list[asyncio.Task[Any]]:
    """Start the replies to a stored message; returns their tasks (already running).

    `hop` is the message's hop (models.Message.hop); it is read from the
    database for an agent's message when not given. `triggered_by_user_id` is
    the person whose message started the chain: usage and quota are charged to
    them. `budget_id` names the tree's call budget: the id of the person's
    message that started it (default: this message, which starts a new tree)."""
    if view.author_kind == "system":
        return []
    try:
        if hop is None:
            hop = 0 if view.author_kind == "user" else await asyncio.to_thread(_stored_hop, view.id)
        if hop >= HOP_LIMIT:
            return []
        agents = await asyncio.to_thread(team.team, view.channel_id)
        chosen = choose_repliers(view, agents, hop)
        if not chosen:
            return []
        channel = await asyncio.to_thread(_channel_info, view.channel_id)
    except NeurocacheError as error:
        log.warning("agents could not answer message %s: %s", view.id, error)
        return []
    if channel is None:
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


def sources_line(hits: Sequence[knowledge.SearchHit]) -> str:
    """The reply's last line naming the knowledge documents it was given."""
    names = list(dict.fromkeys(" ".join(hit.filename.split()) for hit in hits))
    return f"Sources: {', '.join(names)}" if names else ""


def compose(text: str, *, outcome: str, error: str | None, stopped_by: str, sources: str, cut: bool) -> tuple[str, str]:
    """(stored content, status) for a reply that ended with `outcome`."""
    text = text.strip()
    if outcome == "ok" and not cut:
        status, note = COMPLETE, ""
    elif outcome == "stopped" and not cut:
        status = INCOMPLETE
        note = f"⏹ Stopped by {stopped_by}." if stopped_by else INTERRUPTED
    elif cut:
        status, note = INCOMPLETE, TOO_LONG
    else:
        status = INCOMPLETE if text else ERROR
        note = f"⚠️ {error or 'The reply failed.'}"
    extras = [part for part in (sources if text else "", note) if part]
    limit = get_settings().max_message_chars
    room = limit - sum(len(part) + 2 for part in extras)
    if len(text) > room:
        if TOO_LONG not in extras:
            extras.append(TOO_LONG)
            room -= len(TOO_LONG) + 2
            status = INCOMPLETE if status == COMPLETE else status
        text = text[: max(0, room - 1)].rstrip() + "…"
    content = "\n\n".join(part for part in (text, *extras) if part)
    return content[:limit], status


def _user_name(user_id: int) -> str:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(User.name).where(User.id == user_id)).scalar() or "someone"


def _redis() -> redis.Redis | None:
    url = get_settings().redis_url
    return redis_client(url) if url else None


def _mark_running(message_id: int) -> None:
    if (client := _redis()) is not None:
        client.set(RUN_KEY.format(message_id), "1", ex=RUN_TTL)


def _clear_running(message_id: int) -> None:
    if (client := _redis()) is not None:
        client.delete(RUN_KEY.format(message_id), STOP_KEY.format(message_id))


async def _watch_remote_stop(running: _Running) -> None:
    """Poll the stop key (set by a stop request on any worker) and keep the running key alive."""
    client = _redis()
    if client is None:
        return
    stop_key, run_key = STOP_KEY.format(running.message_id), RUN_KEY.format(running.message_id)
    refreshed = time.monotonic()
    warned = False
    while not running.stop.is_set():
        await asyncio.sleep(STOP_POLL)
        try:
            who = await _in_thread(client.get, stop_key)
            if who is not None:
                running.stopped_by = who.decode() if isinstance(who, bytes) else str(who)
                running.stop.set()
                return
            if time.monotonic() - refreshed >= RUN_REFRESH:
                await _in_thread(lambda: client.set(run_key, "1", ex=RUN_TTL))
                refreshed = time.monotonic()
        except (redis.RedisError, OSError) as error:
            if not warned:
                log.warning("cannot check for stop requests of reply %s: %s", running.message_id, error)
                warned = True


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
    """One agent's reply to `trigger_view`, from placeholder to stored text (see module doc)."""
    assert agent.id is not None
    if not llm.provider_configured():
        await asyncio.to_thread(
            lambda: messaging.post_message(
                channel.id, agent_id=agent.id, content=llm.NO_PROVIDER_NOTICE, status=ERROR, hop=hop
            )
        )
        return
    call = await _in_thread(spend.take_message_call, budget_id)
    if not call.allowed:
        if call.announce:
            try:
                await asyncio.to_thread(
                    lambda: messaging.post_message(channel.id, content=spend.message_budget_notice(), hop=hop)
                )
            except NeurocacheError as error:
                log.warning("could not post the call budget notice in channel %s: %s", channel.id, error)
        return
    try:
        placeholder = await asyncio.to_thread(
            lambda: messaging.post_message(channel.id, agent_id=agent.id, content="", status=STREAMING, hop=hop)
        )
    except NeurocacheError as error:
        log.warning("agent %s could not start a reply in channel %s: %s", agent.id, channel.id, error)
        return
    running = _Running(placeholder.id, channel.id, agent.id)
    _registry.running[placeholder.id] = running
    final: MessageView | None = None
    try:
        try:
            await _in_thread(_mark_running, placeholder.id)
        except (redis.RedisError, OSError) as error:
            log.warning("cannot register reply %s for remote stops: %s", placeholder.id, error)
        final = await _write(agent, channel, trigger_view, running, teammates=teammates, triggered_by=triggered_by)
    finally:
        _registry.running.pop(placeholder.id, None)
        try:
            await _in_thread(_clear_running, placeholder.id)
        except (redis.RedisError, OSError):
            pass  # the keys expire on their own
    if final is not None and final.status == COMPLETE and hop < HOP_LIMIT:
        await handle_new_message(final, triggered_by_user_id=triggered_by, hop=hop, budget_id=budget_id)


async def _write(
    agent: Agent,
    channel: _ChannelInfo,
    trigger_view: MessageView,
    running: _Running,
    *,
    teammates: Sequence[Agent],
    triggered_by: int,
) -> MessageView | None:
    """Stream the model's reply into the placeholder; returns the stored final message."""
    assert agent.id is not None
    hits: list[knowledge.SearchHit] = []
    stream: llm.ChatStream | None = None
    cut = False
    flusher = Flusher(
        lambda text: _in_thread(bus.publish, channel.id, AgentStreamed(message_id=running.message_id, text=text))
    )
    consumer: asyncio.Task[None] | None = None
    watchers: list[asyncio.Task[Any]] = []
    try:
        limit = max(1, min(1000, agent.context_size + HISTORY_EXTRA))
        history = await asyncio.to_thread(lambda: messaging.recent_messages(channel.id, limit, viewer_id=None))
        if agent.knowledge_enabled:
            try:
                hits = await asyncio.to_thread(knowledge.search, agent.id, trigger_view.content[:500], KNOWLEDGE_HITS)
            except NeurocacheError as error:
                log.warning("knowledge search for agent %s failed: %s", agent.id, error)
        prompt_messages = prompts.build_channel_messages(agent, channel, history, teammates=teammates, knowledge=hits)
        stream = llm.stream_chat(
            prompt_messages,
            model=agent.model,
            temperature=agent.temperature,
            max_tokens=agent.max_tokens,
            user_id=triggered_by,
        )
        max_chars = get_settings().max_message_chars

        async def consume() -> None:
            nonlocal cut
            assert stream is not None
            async with stream:
                async for _ in stream:
                    running.text = stream.text
                    if len(running.text) > max_chars:
                        cut = True
                        break
                    flusher.update(running.text)

        consumer = asyncio.create_task(consume())
        watchers = [asyncio.create_task(running.stop.wait()), asyncio.create_task(_watch_remote_stop(running))]
        await asyncio.wait([consumer, watchers[0]], return_when=asyncio.FIRST_COMPLETED)
        if not consumer.done():  # stopped by someone
            consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
    except asyncio.CancelledError:
        # The server is shutting down: keep what arrived, marked as interrupted.
        if consumer is not None and not consumer.done():
            consumer.cancel()
            await asyncio.gather(consumer, return_exceptions=True)
        await _finish(agent, channel, running, stream, hits, cut, triggered_by, flusher, watchers, interrupted=True)
        raise
    return await _finish(agent, channel, running, stream, hits, cut, triggered_by, flusher, watchers)


async def _finish(
    agent: Agent,
    channel: _ChannelInfo,
    running: _Running,
    stream: llm.ChatStream | None,
    hits: Sequence[knowledge.SearchHit],
    cut: bool,
    triggered_by: int,
    flusher: Flusher,
    watchers: Sequence[asyncio.Task[Any]],
    *,
    interrupted: bool = False,
) -> MessageView | None:
    assert agent.id is not None
    for task in watchers:
        task.cancel()
    await flusher.close()
    result = stream.result if stream is not None else None
    if interrupted and (result is None or result.outcome == "stopped"):
        outcome, error, text = "stopped", None, result.text if result is not None else running.text
        running.stopped_by = ""  # shown as INTERRUPTED
    elif result is None:
        outcome, error, text = "error", "The reply could not be started. Try again in a moment.", running.text
    else:
        outcome, error, text = result.outcome, result.error, result.text
    content, status = compose(
        text, outcome=outcome, error=error, stopped_by=running.stopped_by, sources=sources_line(hits), cut=cut
    )
    final = None
    try:
        final = await asyncio.to_thread(
            lambda: messaging.update_agent_message(running.message_id, agent_id=agent.id, content=content, status=status)
        )
    except NotFound:
        pass  # the message or the agent was deleted meanwhile
    except Exception:
        log.exception("storing agent %s's reply %s failed", agent.id, running.message_id)
    if result is not None and result.attempts:
        await asyncio.to_thread(
            lambda: usage.record_result(triggered_by, result, source="hub", agent_id=agent.id, channel_id=channel.id)
        )
    return final


# ---------------------------------------------------------------- stopping


async def stop_reply(message_id: int, user_id: int) -> bool:
    """Stop a running reply; any member of its channel may. True if a reply was
    stopped (or found abandoned and closed), False if it had already ended.
    NotFound if the message does not exist or the user is not a member."""
    view = await asyncio.to_thread(lambda: messaging.get_message(message_id, viewer_id=user_id))
    if view.author_kind != "agent" or view.status != STREAMING or view.agent_id is None:
        return False
    name = await asyncio.to_thread(_user_name, user_id)
    running = _registry.running.get(message_id)
    if running is not None:
        running.stopped_by = name
        running.stop.set()
        return True
    client = _redis()
    if client is not None:
        def request() -> bool:
            if not client.exists(RUN_KEY.format(message_id)):
                return False
            client.set(STOP_KEY.format(message_id), name, ex=STOP_TTL)
            return True

        try:
            if await _in_thread(request):
                return True
        except (redis.RedisError, OSError) as error:
            log.warning("cannot send the stop request for reply %s: %s", message_id, error)
            return False
    # Nobody runs it (its process died): close it so it stops looking alive.
    content, status = compose(view.content, outcome="stopped", error=None, stopped_by="", sources="", cut=False)
    try:
        await asyncio.to_thread(
            lambda: messaging.update_agent_message(message_id, agent_id=view.agent_id, content=content, status=status)
        )
    except NotFound:
        return False
    return True


__all__ = [
    "FLUSH_INTERVAL",
    "HOP_LIMIT",
    "Flusher",
    "choose_repliers",
    "compose",
    "drain",
    "handle_new_message",
    "lifespan",
    "mentions",
    "shutdown",
    "sources_line",
    "stop_reply",
    "trigger",
]
