"""Outgoing webhooks: a person subscribes a URL to events of one channel they are a
member of, or of all their channels (`channel` None). The signing secret is shown
once; unlike an API key it is kept as is, because signing needs it. Someone else's
webhook is NotFound, like every resource. Events are written by services/webhooks/outbox.py
and sent by services/webhooks/delivery.py; the attempt log is read here."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.webhooks import PER_USER_MAX, clean_events, clean_url, events_of, stored_events, succeeded
from neurocache_ui.services import channels
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.repositories import webhooks as repo
from neurocache_ui.store.webhook_models import Webhook

SECRET_PREFIX = "whsec_"
NOT_FOUND = "Webhook not found."
LOG_MAX = 200


@dataclass(frozen=True)
class WebhookPublic:
    """An outgoing webhook as its owner sees it: never the secret."""

    id: int
    url: str
    events: tuple[str, ...]
    channel: str | None
    active: bool
    failures: int
    disabled_reason: str
    created_at: datetime


@dataclass(frozen=True)
class AttemptPublic:
    """One line of the delivery log."""

    delivery_id: int
    event: str
    attempted_at: datetime
    status_code: int
    ok: bool
    error: str
    duration_ms: int
    delivery_status: str


def _public(row: Webhook, slug: str | None) -> WebhookPublic:
    assert row.id is not None
    return WebhookPublic(row.id, row.url, events_of(row.events), slug, row.active, row.failures, row.disabled_reason,
                         row.created_at)


def create(user_id: int, url: str, events: Sequence[str], channel: str | None = None) -> tuple[str, WebhookPublic]:
    """A new subscription and its signing secret (shown once). `channel` must be one the
    person is a member of (NotFound otherwise, as for the channel itself)."""
    url, chosen = clean_url(url), clean_events(events)
    channel_id = channels.member_channel_id(channel, user_id) if channel else None
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with session_scope() as session:
        if repo.count_of_owner(session, user_id) >= PER_USER_MAX:
            raise Invalid(f"You have {PER_USER_MAX} outgoing webhooks, the most one person may: delete one first.")
        row = Webhook(owner_id=user_id, channel_id=channel_id, url=url, events=stored_events(chosen), secret=secret)
        session.add(row)
        session.flush()
        return secret, _public(row, channel if channel_id else None)


def list_for(user_id: int) -> list[WebhookPublic]:
    with session_scope() as session:
        return [_public(row, slug) for row, slug in repo.of_owner(session, user_id)]


def delete(user_id: int, webhook_id: int) -> None:
    """Gone with its pending deliveries and its log."""
    with session_scope() as session:
        row = repo.owned(session, user_id, webhook_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        session.delete(row)


def deliveries(user_id: int, webhook_id: int, limit: int = 100) -> list[AttemptPublic]:
    """The webhook's newest attempts, newest first: what was sent, and what came back."""
    if not 1 <= limit <= LOG_MAX:
        raise Invalid(f"Ask for between 1 and {LOG_MAX} attempts.", "limit")
    with session_scope() as session:
        if repo.owned(session, user_id, webhook_id) is None:
            raise NotFound(NOT_FOUND)
        return [
            AttemptPublic(a.delivery_id, event, a.attempted_at, a.status_code, succeeded(a.status_code) and not a.error, a.error,
                          a.duration_ms, status)
            for a, event, status in repo.attempts(session, webhook_id, limit)
        ]


def purge_finished(before: datetime) -> int:
    """Delivered and failed deliveries made before `before`, with their attempts (retention):
    the log shows recent history, and the outbox stays small. Pending ones stay."""
    with session_scope() as session:
        return repo.purge_finished(session, before)


__all__ = ["AttemptPublic", "purge_finished", "NOT_FOUND", "WebhookPublic", "create", "delete", "deliveries", "list_for"]
