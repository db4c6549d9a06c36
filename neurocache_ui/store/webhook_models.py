"""Webhooks in and out. Incoming: a secret URL of a channel (only its hash is kept).
Outgoing: a subscription, its outbox (`webhook_delivery`, written in the same
transaction as the change it reports) and the log of every attempt to deliver."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import limits
from neurocache_ui.store.models import BigId, fk, timestamp


class IncomingWebhook(SQLModel, table=True):
    __tablename__ = "incoming_webhook"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = fk("channel.id", ondelete="CASCADE")
    creator_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    """Who made it: agents it wakes charge their model calls to this person."""
    name: str = Field(max_length=limits.WEBHOOK_NAME_MAX)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    """SHA-256 of the URL's secret: the secret is shown once and never stored."""
    prefix: str = Field(max_length=20)
    """The secret's first characters, so a list can tell two webhooks apart."""
    trigger_agents: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = timestamp()
    last_used_at: datetime | None = timestamp(nullable=True)
    revoked_at: datetime | None = timestamp(nullable=True)


class Webhook(SQLModel, table=True):
    """An outgoing webhook: events of one channel (or all of the owner's) POSTed to `url`."""

    __tablename__ = "webhook"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = fk("user_account.id", ondelete="CASCADE")
    channel_id: int | None = fk("channel.id", ondelete="CASCADE", nullable=True, index=False)
    url: str = Field(max_length=limits.URL_MAX)
    events: str = Field(max_length=200)
    """",message.created,mention,": domain/webhooks.stored_events."""
    secret: str = Field(max_length=80)
    """The signing key, kept as is: an HMAC needs it (docs/SECURITY.md)."""
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Failed deliveries in a row; MAX_FAILURES turns the webhook off."""
    disabled_reason: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    created_at: datetime = timestamp()


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: the outbox row the worker drains."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # What is due: the workers' claim reads only pending rows, oldest due first.
        sa.Index(
            "ix_webhook_delivery_due", "next_attempt_at",
            postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_webhook_delivery_webhook", "webhook_id", "id"),
    )

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    webhook_id: int = fk("webhook.id", ondelete="CASCADE", index=False)
    event: str = Field(max_length=40)
    payload: str = Field(sa_type=sa.Text())
    """The exact JSON body sent (and signed) on every attempt."""
    status: str = Field(default="pending", max_length=12)
    """pending, delivered or failed (attempts used up, or the webhook was turned off)."""
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime = timestamp()
    created_at: datetime = timestamp()
    delivered_at: datetime | None = timestamp(nullable=True)


class WebhookAttempt(SQLModel, table=True):
    """One try at a delivery: the delivery log its owner reads."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (sa.Index("ix_webhook_attempt_webhook", "webhook_id", "id"),)

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    webhook_id: int = fk("webhook.id", ondelete="CASCADE", index=False)
    delivery_id: int = fk("webhook_delivery.id", ondelete="CASCADE", index=False, big=True)
    attempted_at: datetime = timestamp()
    status_code: int = Field(default=0)
    """The receiver's HTTP status; 0 when none came (refused address, timeout, no connection)."""
    error: str = Field(default="", max_length=300)
    duration_ms: int = Field(default=0)
