"""Incoming webhooks: a channel's owner or a moderator makes a secret URL that posts
into the channel as a labelled integration (the webhook's name, or the `username` a
post gives). The secret is shown once; only its SHA-256 is kept, so a lookup is one
unique-index probe and a leaked database does not leak working URLs. Posts go through
services/messaging.post_message like every message, so they appear live, are cached
and reach the outgoing webhooks; the caller (the API route) rate-limits them and, if
the owner allowed it, wakes the channel's agents as a person's message would."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.domain.roles import ChannelRole
from neurocache_ui.domain.webhooks import IncomingPost, clean_name
from neurocache_ui.services import messaging, roles
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import webhooks as repo
from neurocache_ui.store.webhook_models import IncomingWebhook

HOOK_PATH = "/api/v1/hooks/"
"""Where a webhook's secret URL lives (api/routes/webhooks.py); the hub and the API append the secret."""
SECRET_PREFIX = "nch_"
_SECRET_SHAPE = re.compile(r"^nch_[A-Za-z0-9_-]{43}$")
NOT_FOUND = "No such webhook: it is unknown or was revoked."
ACTION = "manage the channel's incoming webhooks"


@dataclass(frozen=True)
class IncomingPublic:
    """An incoming webhook as its channel's managers see it: never the secret."""

    id: int
    name: str
    prefix: str
    trigger_agents: bool
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Hook:
    """A live webhook found by its secret: where it posts and as whom."""

    id: int
    channel_id: int
    creator_id: int
    name: str
    trigger_agents: bool


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _public(row: IncomingWebhook) -> IncomingPublic:
    assert row.id is not None
    return IncomingPublic(row.id, row.name, row.prefix, row.trigger_agents, row.created_at, row.last_used_at)


def _ensure_manager(channel_id: int, user_id: int) -> None:
    """The channel's owner or a moderator (a DM has neither, so it has no webhooks):
    they already decide who posts there; NotFound for a non-member."""
    roles.ensure_role(channel_id, user_id, ChannelRole.MODERATOR, ACTION)


def create(channel_id: int, user_id: int, name: str, *, trigger_agents: bool = False) -> tuple[str, IncomingPublic]:
    """A new webhook and its secret (shown once: the caller builds the URL from it)."""
    name = clean_name(name)
    _ensure_manager(channel_id, user_id)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with session_scope() as session:
        row = IncomingWebhook(channel_id=channel_id, creator_id=user_id, name=name, token_hash=_hash(secret),
                              prefix=secret[:10], trigger_agents=trigger_agents)
        session.add(row)
        session.flush()
        return secret, _public(row)


def list_for(channel_id: int, user_id: int) -> list[IncomingPublic]:
    _ensure_manager(channel_id, user_id)
    with session_scope() as session:
        return [_public(row) for row in repo.incoming_of_channel(session, channel_id)]


def revoke(channel_id: int, user_id: int, webhook_id: int) -> None:
    """Its URL stops working at once (404), on every worker: each post looks it up."""
    _ensure_manager(channel_id, user_id)
    with session_scope() as session:
        if not repo.revoke_incoming(session, channel_id, webhook_id, utcnow()):
            raise NotFound(NOT_FOUND)


def find(secret: str) -> Hook:
    """The live webhook of this secret; NotFound for a malformed, unknown or revoked one,
    or one of an archived channel (the same answer, so a guesser learns nothing)."""
    if not _SECRET_SHAPE.match(secret or ""):
        raise NotFound(NOT_FOUND)
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        row = repo.incoming_by_hash(session, _hash(secret))
        if row is None or row.id is None:
            raise NotFound(NOT_FOUND)
        return Hook(row.id, row.channel_id, row.creator_id, row.name, row.trigger_agents)


def post(hook: Hook, body: IncomingPost) -> MessageView:
    """The post as a message of the webhook's channel, shown under `username` or the
    webhook's name with an integration badge."""
    view = messaging.post_message(
        hook.channel_id, content=body.text, integration=body.username or hook.name, thread_id=body.thread_id
    )
    with session_scope() as session:
        repo.touch_incoming(session, hook.id, utcnow())
    return view


__all__ = ["HOOK_PATH", "Hook", "IncomingPublic", "NOT_FOUND", "create", "find", "list_for", "post", "revoke"]
