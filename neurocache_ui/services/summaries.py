"""Summaries: "Summarize" asks an agent of the channel (its first, by name) or the
default model to sum up what the asker had not read, or a thread. The summary is
the asker's alone until they share it, which posts it in the channel (or the
thread) for everyone; only the asker may share or dismiss it. The model call
goes through the reply pipeline's `call_model`, so the asker's spending gate
applies and the usage is recorded for them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import cast

from neurocache_ui.domain import summaries as rules
from neurocache_ui.domain.errors import Invalid, NeurocacheError, NotFound, Unavailable
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.domain.summaries import Scope, SummaryView
from neurocache_ui.services import channels, messaging, team
from neurocache_ui.services.agent_runs import pipeline
from neurocache_ui.services.agent_runs.pipeline import Caller
from neurocache_ui.services.channels import ChannelView
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Agent, Summary
from neurocache_ui.store.repositories import messages as message_rows
from neurocache_ui.store.repositories import summaries as repo

NOT_FOUND = "Summary not found."
CLOSED = "This summary was already shared or dismissed."
UNAVAILABLE = "Summaries cannot be read or saved right now because the database is unreachable. Try again in a moment."


@dataclass(frozen=True)
class _Source:
    """What one summary is made from."""

    channel: ChannelView
    asker: str
    agent: Agent | None
    scope: Scope
    history: list[MessageView]


def _view(row: Summary, author: str | None) -> SummaryView:
    assert row.id is not None
    scope = cast(Scope, row.scope)
    return SummaryView(
        row.id, row.channel_id, row.thread_id, row.agent_id, author or "", scope, row.message_count, row.content, row.created_at
    )


def _source(user_id: int, channel_id: int, thread_id: int | None, unread: int) -> _Source:
    """The channel (NotFound unless a member), the asker, the summarizing agent and
    the messages to summarize; Invalid when there are none."""
    channel = channels.get_channel(channel_id, user_id)
    if thread_id is not None:
        root, replies = messaging.thread_messages(thread_id, viewer_id=user_id, channel_id=channel_id)
        scope: Scope = "thread"
        history = [root, *replies]
    else:
        scope, limit = rules.window(unread)
        with database_guard(messaging.UNAVAILABLE_READ), session_scope() as session:
            history = message_rows.latest_with_replies(session, channel_id, limit)
    history = rules.usable(history)
    if not history:
        raise Invalid(rules.NOTHING)
    with database_guard(UNAVAILABLE), session_scope() as session:
        asker = repo.person_name(session, user_id)
    agents = team.team(channel_id)
    return _Source(channel, asker, agents[0] if agents else None, scope, history)


async def summarize(user_id: int, channel_id: int, *, thread_id: int | None = None, unread: int = 0) -> SummaryView:
    """A new summary of the thread, or of the channel's `unread` newest messages
    (its latest ones when `unread` is 0), visible only to `user_id` until shared.
    Model trouble (no provider, a timeout, the spending gate) raises with a
    sentence to show."""
    source = await asyncio.to_thread(_source, user_id, channel_id, thread_id, max(unread, 0))
    pipeline.ensure_provider()
    agent = source.agent
    messages = rules.build_summary_messages(agent, source.channel, source.history, scope=source.scope, asker=source.asker)
    caller = Caller(user_id, "hub", channel_id=channel_id)
    if agent is None:
        stream = pipeline.call_model(messages, model=get_settings().default_model, max_tokens=rules.SUMMARY_MAX_TOKENS, caller=caller)
    else:
        stream = pipeline.call_model(
            messages, model=agent.model, temperature=agent.temperature, max_tokens=agent.max_tokens, caller=caller
        )
    result = await stream.collect()
    await pipeline.record_usage(caller, result, agent_id=agent.id if agent else None)
    text = result.text.strip()
    if not result.ok or not text:
        raise Unavailable(f"The summary could not be written: {result.error or 'the model sent an empty answer.'}")
    row = Summary(
        user_id=user_id, channel_id=channel_id, thread_id=thread_id, agent_id=agent.id if agent else None,
        scope=source.scope, content=text, message_count=len(source.history),
    )  # fmt: skip
    return await asyncio.to_thread(_save, row, agent.name if agent else None)


def _save(row: Summary, author: str | None) -> SummaryView:
    with database_guard(UNAVAILABLE), session_scope() as session:
        return _view(repo.insert(session, row), author)


def pending(user_id: int, channel_id: int, thread_id: int | None = None) -> SummaryView | None:
    """The asker's newest summary of the channel (or thread) that is neither shared
    nor dismissed: after a reload the notice is still there (none, for a reader of an
    open channel who has not joined it)."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        channels.ensure_readable(channel_id, user_id, session=session)
        found = repo.pending(session, user_id, channel_id, thread_id)
        return _view(*found) if found is not None else None


def share(summary_id: int, user_id: int) -> MessageView:
    """Post the summary where it was asked for, as the agent that wrote it (or as a
    notice from the hub when the default model did), and return the message.
    Only the asker may share it (others: NotFound), once."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = repo.own(session, summary_id, user_id)
        if found is None:
            raise NotFound(NOT_FOUND)
        view = _view(*found)
        channels.ensure_can_post(view.channel_id, user_id, session=session)
        asker = repo.person_name(session, user_id)
        if not repo.close(session, summary_id, user_id):  # claimed here: a second click is refused
            raise Invalid(CLOSED)
    text = rules.shared_text(asker, view.scope, view.message_count, view.content, get_settings().max_message_chars)
    try:
        message = messaging.post_message(view.channel_id, agent_id=view.agent_id, content=text, thread_id=view.thread_id)
    except NeurocacheError:
        with session_scope() as session:
            repo.reopen(session, summary_id)
        raise
    with database_guard(UNAVAILABLE), session_scope() as session:
        repo.mark_shared(session, summary_id, message.id)
    return message


def dismiss(summary_id: int, user_id: int) -> None:
    """Close the asker's notice without sharing; others get NotFound. Dismissing a
    closed summary again changes nothing."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        if repo.own(session, summary_id, user_id) is None:
            raise NotFound(NOT_FOUND)
        repo.close(session, summary_id, user_id)


__all__ = ["CLOSED", "NOT_FOUND", "SummaryView", "dismiss", "pending", "share", "summarize"]
