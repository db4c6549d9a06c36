"""Webhook rows: incoming webhooks by their secret's hash, outgoing ones by owner, the
outbox (`webhook_delivery`) and its log. The outbox is written by the caller's
transaction (the change it reports) and drained by workers that claim due rows
with SKIP LOCKED on Postgres, so several hosts never send the same row at once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.webhooks import DISABLED_NOTICE, MAX_ATTEMPTS, MAX_FAILURES, next_attempt
from neurocache_ui.store.models import Channel, ChannelMember, User, UTCDateTime
from neurocache_ui.store.webhook_models import IncomingWebhook, Webhook, WebhookAttempt, WebhookDelivery

# ---------------------------------------------------------------- incoming


def incoming_by_hash(session: Session, token_hash: str) -> IncomingWebhook | None:
    """The live incoming webhook with this secret's hash: not revoked, its channel not archived."""
    query = sa.select(IncomingWebhook).join(Channel, Channel.id == IncomingWebhook.channel_id).where(  # type: ignore[arg-type]
        IncomingWebhook.token_hash == token_hash, IncomingWebhook.revoked_at.is_(None),  # type: ignore[union-attr]
        Channel.archived_at.is_(None),  # type: ignore[union-attr]
    )
    return session.scalars(query).first()


def incoming_of_channel(session: Session, channel_id: int) -> list[IncomingWebhook]:
    query = sa.select(IncomingWebhook).where(
        IncomingWebhook.channel_id == channel_id, IncomingWebhook.revoked_at.is_(None)  # type: ignore[union-attr]
    ).order_by(IncomingWebhook.id)  # type: ignore[arg-type]
    return list(session.scalars(query))


def revoke_incoming(session: Session, channel_id: int, webhook_id: int, now: datetime) -> bool:
    result = session.connection().execute(
        sa.update(IncomingWebhook)
        .where(IncomingWebhook.id == webhook_id, IncomingWebhook.channel_id == channel_id,  # type: ignore[arg-type]
               IncomingWebhook.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


def touch_incoming(session: Session, webhook_id: int, now: datetime) -> None:
    session.connection().execute(
        sa.update(IncomingWebhook).where(IncomingWebhook.id == webhook_id).values(last_used_at=now)  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- outgoing


def of_owner(session: Session, owner_id: int) -> list[tuple[Webhook, str | None]]:
    """The owner's outgoing webhooks, oldest first, with their channel's slug (None: all channels)."""
    query = (
        sa.select(Webhook, Channel.slug)
        .outerjoin(Channel, Channel.id == Webhook.channel_id)  # type: ignore[arg-type]
        .where(Webhook.owner_id == owner_id)
        .order_by(Webhook.id)  # type: ignore[arg-type]
    )
    return [(hook, slug) for hook, slug in session.exec(query).all()]  # type: ignore[call-overload]


def count_of_owner(session: Session, owner_id: int) -> int:
    return int(session.connection().execute(
        sa.select(sa.func.count()).select_from(Webhook).where(Webhook.owner_id == owner_id)  # type: ignore[arg-type]
    ).scalar_one())


def owned(session: Session, owner_id: int, webhook_id: int) -> Webhook | None:
    hook = session.get(Webhook, webhook_id)
    return hook if hook is not None and hook.owner_id == owner_id else None


def owners_of(session: Session, webhook_ids: Sequence[int]) -> list[tuple[str, str, str, str]]:
    """(owner's email, owner's name, URL, why it is off) of these webhooks."""
    query = (
        sa.select(User.email, User.name, Webhook.url, Webhook.disabled_reason)
        .join(User, User.id == Webhook.owner_id)  # type: ignore[arg-type]
        .where(Webhook.id.in_(list(webhook_ids)))  # type: ignore[union-attr]
    )
    return [(e, n, u, r) for e, n, u, r in session.connection().execute(query).all()]


def attempts(session: Session, webhook_id: int, limit: int) -> list[tuple[WebhookAttempt, str, str]]:
    """The newest `limit` attempts of a webhook, newest first, with their delivery's event and status."""
    query = (
        sa.select(WebhookAttempt, WebhookDelivery.event, WebhookDelivery.status)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)  # type: ignore[arg-type]
        .where(WebhookAttempt.webhook_id == webhook_id)
        .order_by(WebhookAttempt.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return [(a, event, status) for a, event, status in session.exec(query).all()]  # type: ignore[call-overload]


def purge_finished(session: Session, before: datetime) -> int:
    """Delete delivered and failed deliveries created before `before` (their attempts cascade)."""
    result = session.connection().execute(sa.delete(WebhookDelivery).where(
        WebhookDelivery.status != "pending", WebhookDelivery.created_at < sa.literal(before, UTCDateTime())  # type: ignore[operator]
    ))
    return int(result.rowcount or 0)


# ---------------------------------------------------------------- the outbox


def listening(channel_id: int) -> sa.ColumnElement[bool]:
    """Whether any active webhook may hear of a message of this channel (its owner is a
    member), asked in the message's own INSERT … RETURNING (messages.insert_asking), so a
    post nobody subscribed to costs no round trip more. Written out with aliases: SQLite's
    RETURNING is compiled without table names, which would leave `channel_id` ambiguous."""
    channel = int(channel_id)  # an id of ours, inlined: a literal column takes no parameters
    return sa.literal_column(
        "EXISTS (SELECT 1 FROM webhook AS w JOIN channel_member AS m ON m.user_id = w.owner_id "
        f"WHERE m.channel_id = {channel} AND w.active AND (w.channel_id = {channel} OR w.channel_id IS NULL))",
        sa.Boolean(),
    )


def subscribers(
    session: Session, event: str, channel_id: int, only_users: Collection[int] | None = None
) -> list[tuple[int, str]]:
    """(webhook id, channel slug) of every active webhook that wants `event` in this
    channel and whose owner is a member of it now (so nobody hears of a channel they
    cannot read); `only_users` narrows to those owners (a mention's people). One query;
    none when nobody subscribed, which is the common case."""
    if only_users is not None and not only_users:
        return []
    query = (
        sa.select(Webhook.id, Channel.slug)
        .join(Channel, Channel.id == channel_id)  # type: ignore[arg-type]
        .join(ChannelMember, sa.and_(ChannelMember.channel_id == channel_id, ChannelMember.user_id == Webhook.owner_id))
        .where(
            Webhook.active.is_(True),  # type: ignore[attr-defined]
            Webhook.events.like(f"%,{event},%"),  # type: ignore[attr-defined]
            sa.or_(Webhook.channel_id == channel_id, Webhook.channel_id.is_(None)),  # type: ignore[union-attr]
        )
    )
    if only_users is not None:
        query = query.where(Webhook.owner_id.in_(list(only_users)))  # type: ignore[attr-defined]
    return [(int(i), str(slug)) for i, slug in session.connection().execute(query).all()]


def enqueue(session: Session, rows: Sequence[tuple[int, str, str]], now: datetime) -> None:
    """Outbox rows (webhook id, event, JSON body), due now, in the caller's transaction."""
    if rows:
        session.connection().execute(sa.insert(WebhookDelivery), [
            {"webhook_id": w, "event": e, "payload": p, "status": "pending", "attempts": 0, "next_attempt_at": now,
             "created_at": now} for w, e, p in rows
        ])


@dataclass(frozen=True)
class Due:
    """A claimed delivery with what sending it needs."""

    id: int
    webhook_id: int
    event: str
    payload: str
    attempts: int
    url: str
    secret: str


def claim(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[Due]:
    """Up to `limit` pending deliveries due now, oldest due first, leased until
    `lease_until` (a worker that dies mid-send leaves them due again then: at least
    once). Postgres skips rows another worker has locked."""
    due = (
        sa.select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= sa.literal(now, UTCDateTime()))  # type: ignore[operator]
        .order_by(WebhookDelivery.next_attempt_at)  # type: ignore[arg-type]
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    conn = session.connection()
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    conn.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))  # type: ignore[union-attr]
                 .values(next_attempt_at=lease_until))
    rows = conn.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.webhook_id, WebhookDelivery.event, WebhookDelivery.payload,
                  WebhookDelivery.attempts, Webhook.url, Webhook.secret)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)  # type: ignore[arg-type]
        .where(WebhookDelivery.id.in_(ids))  # type: ignore[union-attr]
        .order_by(WebhookDelivery.id)  # type: ignore[arg-type]
    ).all()
    return [Due(*row) for row in rows]


@dataclass(frozen=True)
class Outcome:
    """One attempt's result, for `record`."""

    due: Due
    status_code: int
    error: str
    duration_ms: int
    ok: bool


def record(session: Session, outcomes: Sequence[Outcome], now: datetime) -> list[int]:
    """Log a pass's attempts and move each delivery on: delivered, due again after a
    backoff, or failed when its attempts run out. Successes are written together (three
    statements for the whole pass); a webhook's run of failures restarts on a success and,
    at MAX_FAILURES, turns it off, failing its pending rows. The webhooks turned off."""
    conn = session.connection()
    conn.execute(sa.insert(WebhookAttempt), [
        {"webhook_id": o.due.webhook_id, "delivery_id": o.due.id, "attempted_at": now, "status_code": o.status_code,
         "error": o.error, "duration_ms": o.duration_ms} for o in outcomes
    ])
    done = [o.due for o in outcomes if o.ok]
    if done:
        conn.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id.in_([d.id for d in done]))  # type: ignore[union-attr]
                     .values(status="delivered", delivered_at=now, attempts=WebhookDelivery.attempts + 1))
        conn.execute(sa.update(Webhook).where(Webhook.id.in_({d.webhook_id for d in done}), Webhook.failures != 0)  # type: ignore[union-attr]
                     .values(failures=0))
    return [hook for o in outcomes if not o.ok if (hook := _failed(conn, o.due, now)) is not None]


def _failed(conn: sa.Connection, due: Due, now: datetime) -> int | None:
    """A failed attempt: retry later or give up; the webhook's id if this turned it off."""
    tries = due.attempts + 1
    values: dict[str, Any] = (
        {"status": "failed", "attempts": tries} if tries >= MAX_ATTEMPTS
        else {"attempts": tries, "next_attempt_at": next_attempt(now, tries)}
    )
    conn.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == due.id).values(**values))  # type: ignore[arg-type]
    hook = sa.update(Webhook).where(Webhook.id == due.webhook_id)  # type: ignore[arg-type]
    failures = conn.execute(hook.values(failures=Webhook.failures + 1).returning(Webhook.failures, Webhook.active)).first()
    if failures is None or failures[0] < MAX_FAILURES or not failures[1]:
        return None
    conn.execute(hook.values(active=False, disabled_reason=DISABLED_NOTICE.format(n=failures[0])))
    conn.execute(sa.update(WebhookDelivery).where(
        WebhookDelivery.webhook_id == due.webhook_id, WebhookDelivery.status == "pending"  # type: ignore[arg-type]
    ).values(status="failed"))
    return due.webhook_id
