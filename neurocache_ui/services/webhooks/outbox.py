"""What the outgoing webhooks are told, written to the outbox in the SAME transaction as
the change (the message, the reply's end, the reaction): a change that commits is
delivered at least once, and one that rolls back is never announced. Publishing on
the bus after the commit would not do: each worker hears every bus event (so each
would enqueue it) and Redis pub/sub drops what nobody hears during an outage.

Called by services/messaging.py and services/reactions.py; the delivery worker
(services/webhooks/delivery.py) drains what this writes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.domain.webhooks import MENTION, MESSAGE_CREATED, REACTION_ADDED, REPLY_COMPLETED
from neurocache_ui.infra.doorbell import Doorbell
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import webhooks as repo

bell = Doorbell()
"""Rung after a commit that queued deliveries: this process's worker sends them at once."""


def _body(event: str, slug: str, view: MessageView, extra: dict[str, Any] | None = None) -> str:
    """The JSON every subscriber of one event gets; `id` is the event's, so a receiver
    can drop a repeat (delivery is at least once)."""
    message = {
        "id": view.id, "channel_id": view.channel_id, "thread_id": view.thread_id, "author_name": view.author_name,
        "author_kind": view.author_kind, "user_id": view.user_id, "agent_id": view.agent_id, "content": view.content,
        "status": view.status, "created_at": view.created_at.isoformat(),
    }
    body = {"id": uuid.uuid4().hex, "event": event, "created_at": utcnow().isoformat(), "channel": slug,
            "message": message, **(extra or {})}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _enqueue(session: Session, event: str, view: MessageView, only_users: Collection[int] | None = None,
             extra: dict[str, Any] | None = None) -> None:
    found = repo.subscribers(session, event, view.channel_id, only_users)
    if found:
        body = _body(event, found[0][1], view, extra)
        repo.enqueue(session, [(webhook_id, event, body) for webhook_id, _ in found], utcnow())
        if not sa.event.contains(session, "after_commit", _ring):
            sa.event.listen(session, "after_commit", _ring, once=True)


def _ring(_session: Session) -> None:
    bell.ring()


def listening(channel_id: int) -> sa.ColumnElement[bool]:
    """For a message's INSERT: whether any webhook may want to hear of it (then, and only
    then, `message_event` looks for subscribers)."""
    return repo.listening(channel_id)


def message_event(session: Session, event: str, view: MessageView, mentioned: Collection[int]) -> None:
    """A message was posted (`message.created`) or an agent's reply finished
    (`agent.reply.completed`); the people it @mentions also get `mention`."""
    _enqueue(session, event, view)
    if mentioned:
        _enqueue(session, MENTION, view, mentioned)


def reaction_added(session: Session, view: MessageView, user_id: int, emoji: str) -> None:
    _enqueue(session, REACTION_ADDED, view, extra={"reaction": {"emoji": emoji, "user_id": user_id}})


__all__ = ["bell", "listening", "MENTION", "MESSAGE_CREATED", "REACTION_ADDED", "REPLY_COMPLETED", "message_event", "reaction_added"]
