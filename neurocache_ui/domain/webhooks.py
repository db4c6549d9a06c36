"""Webhooks' rules, no I/O: what an incoming webhook accepts (Slack's field names
where they fit), which events an outgoing one may subscribe to, how a delivery is
signed, and when a failing one is retried or turned off. Services apply these
(services/webhooks/); receivers check the same signature (docs/API.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.limits import WEBHOOK_NAME_MAX as NAME_MAX

MESSAGE_CREATED, REPLY_COMPLETED, REACTION_ADDED, MENTION = "message.created", "agent.reply.completed", "reaction.added", "mention"
EVENTS = (MESSAGE_CREATED, REPLY_COMPLETED, REACTION_ADDED, MENTION)
"""What an outgoing webhook may subscribe to: all about channels its owner is a member of."""
URL_MAX = 2000
PER_USER_MAX = 50
"""Outgoing webhooks one person may have (each costs a delivery per event)."""
INCOMING_RATE = "30/minute"
"""Posts one incoming webhook may make (infra/ratelimit.py moving window); 429 beyond."""
MAX_FAILURES = 8
"""Consecutive failed deliveries after which an outgoing webhook is turned off."""
MAX_ATTEMPTS = 8
"""Attempts of one delivery before it is given up (the webhook keeps going)."""
FIRST_RETRY_SECONDS = 10.0
"""The wait after a first failure; it doubles with each further one (capped at RETRY_CAP)."""
RETRY_CAP_SECONDS = 3600.0
TIMEOUT_SECONDS = 10.0
"""How long a receiver has to answer one delivery."""
RESPONSE_MAX = 64 * 1024
"""What the hub reads of a receiver's answer (the log keeps its status, not its body)."""
ERROR_MAX = 300
TIMESTAMP_HEADER = "X-Neurocache-Timestamp"
SIGNATURE_HEADER = "X-Neurocache-Signature"
EVENT_HEADER = "X-Neurocache-Event"
DELIVERY_HEADER = "X-Neurocache-Delivery"
DISABLED_NOTICE = "Turned off after {n} failed deliveries in a row: check the receiver, then create the webhook again."


def clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text or len(text) > NAME_MAX:
        raise Invalid(f"A webhook's name must be 1 to {NAME_MAX} characters.", "name")
    return text


def clean_events(events: Sequence[str]) -> tuple[str, ...]:
    """The subscribed events in EVENTS order, each once; at least one."""
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise Invalid(f"Unknown event {unknown[0]!r}: choose from {', '.join(EVENTS)}.", "events")
    chosen = tuple(e for e in EVENTS if e in events)
    if not chosen:
        raise Invalid(f"Subscribe to at least one event: {', '.join(EVENTS)}.", "events")
    return chosen


def stored_events(events: Sequence[str]) -> str:
    """",message.created,mention,": one column a `LIKE '%,event,%'` matches on both backends."""
    return "," + ",".join(events) + ","


def events_of(stored: str) -> tuple[str, ...]:
    return tuple(e for e in stored.split(",") if e)


def clean_url(url: str) -> str:
    """http(s) with a host; where it points is checked on every delivery (infra/web)."""
    text = (url or "").strip()
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest[0] in "/?#" or len(text) > URL_MAX:
        raise Invalid(f"The URL must be an http:// or https:// address of at most {URL_MAX} characters.", "url")
    return text


@dataclass(frozen=True)
class IncomingPost:
    """What an incoming webhook's caller sent, checked: the text and who it says it is."""

    text: str
    username: str | None
    thread_id: int | None


def parse_incoming(body: bytes, content_type: str) -> IncomingPost:
    """JSON `{"text", "username", "thread_id"}`, or Slack's form-encoded `payload=<json>`;
    Slack's `thread_ts` is read as our thread id. The text's length is checked where
    every message's is (services/messaging.clean_content)."""
    try:
        if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            fields = parse_qs(body.decode("utf-8"), strict_parsing=False)
            data: Any = json.loads(fields.get("payload", [""])[0] or "null")
        else:
            data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Invalid("Send JSON like {\"text\": \"Deploy finished\"} (or Slack's payload= form).", "text") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("text"), str) or not data["text"].strip():
        raise Invalid("The body needs a non-empty \"text\".", "text")
    username = data.get("username")
    if username is not None and not isinstance(username, str):
        raise Invalid("\"username\" must be text.", "username")
    thread = data.get("thread_id", data.get("thread_ts"))
    try:
        thread_id = None if thread in (None, "") else int(thread)
    except (TypeError, ValueError):
        raise Invalid("\"thread_id\" must be a message id.", "thread_id") from None
    shown = " ".join(username.split())[:NAME_MAX] if username else None
    return IncomingPost(data["text"], shown or None, thread_id)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Neurocache-Signature` value: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes, *, event: str, delivery_id: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
    }


def next_attempt(now: datetime, attempts: int) -> datetime:
    """When a delivery that has failed `attempts` times is tried again: 10 s, 20 s, 40 s, ..."""
    return now + timedelta(seconds=min(RETRY_CAP_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


def succeeded(status_code: int) -> bool:
    return 200 <= status_code < 300
