"""Request and response bodies of the webhook routes (api/routes/webhooks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from neurocache_ui.domain import limits
from neurocache_ui.domain.webhooks import EVENTS, URL_MAX

EventName = Literal["message.created", "agent.reply.completed", "reaction.added", "mention"]
assert set(EventName.__args__) == set(EVENTS)  # type: ignore[attr-defined]


class IncomingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=limits.WEBHOOK_NAME_MAX, description="Shown on its messages (unless a post gives `username`).")
    trigger_agents: bool = Field(False, description="Its posts wake the channel's agents as a person's message would.")


class IncomingPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the URL's secret, to tell webhooks apart.")
    trigger_agents: bool
    created_at: datetime
    last_used_at: datetime | None


class IncomingCreated(IncomingPublic):
    url: str = Field(description="The secret URL to POST to. Shown only now: keep it like a password.")


class IncomingList(BaseModel):
    data: list[IncomingPublic]


class HookPost(BaseModel):
    """What an incoming webhook accepts (JSON, or Slack's form-encoded `payload=<json>`)."""

    text: str = Field(description="The message, markdown.")
    username: str | None = Field(None, description="The name shown instead of the webhook's.")
    thread_id: int | None = Field(None, description="Reply in this message's thread (Slack's `thread_ts` is read too).")


class HookAccepted(BaseModel):
    ok: bool = True
    id: int = Field(description="The message's id.")


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=URL_MAX, description="Where events are POSTed: a public http(s) address.")
    events: list[EventName] = Field(min_length=1, max_length=len(EVENTS))
    channel: str | None = Field(None, max_length=limits.CHANNEL_SLUG_MAX, description="A channel's slug; left out: all your channels.")


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    channel: str | None
    active: bool = Field(description="False once turned off after repeated failures (see `disabled_reason`).")
    failures: int = Field(description="Failed deliveries in a row.")
    disabled_reason: str
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret. Shown only now.")


class WebhookList(BaseModel):
    data: list[WebhookPublic]


class AttemptPublic(BaseModel):
    delivery_id: int
    event: str
    attempted_at: datetime
    status_code: int = Field(description="The receiver's HTTP status; 0 when none came.")
    ok: bool
    error: str
    duration_ms: int
    delivery_status: Literal["pending", "delivered", "failed"] = Field(description="Where the delivery is now.")


class AttemptList(BaseModel):
    data: list[AttemptPublic]
