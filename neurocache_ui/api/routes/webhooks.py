"""Webhooks over HTTP, thin calls into services/webhooks/.

Incoming: `/channels/{slug}/webhooks/incoming` (owner and moderators: create, list,
revoke) and the secret URL `POST /hooks/{secret}`, which needs no API key (the secret
is the permission), is rate limited per webhook and answers 404 for a revoked or
unknown one. Outgoing: `/webhooks` (create, list, delete) and its delivery log
`/webhooks/{id}/deliveries`; someone else's webhook is 404."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.webhook_schemas import (
    AttemptList,
    AttemptPublic,
    HookAccepted,
    HookPost,
    IncomingCreate,
    IncomingCreated,
    IncomingList,
    IncomingPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookPublic,
)
from neurocache_ui.domain.webhooks import parse_incoming
from neurocache_ui.services import channels, limits
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.webhooks import incoming, outgoing

router = APIRouter(tags=["webhooks"])


@router.post("/channels/{slug}/webhooks/incoming", response_model=IncomingCreated, status_code=201,
             summary="Create an incoming webhook")
def create_incoming(slug: str, body: IncomingCreate, key: WriteKey, request: Request) -> IncomingCreated:
    """The channel's owner or a moderator; the URL is shown once."""
    channel_id = channels.member_channel_id(slug, key.user_id)
    secret, hook = incoming.create(channel_id, key.user_id, body.name, trigger_agents=body.trigger_agents)
    return IncomingCreated(**asdict(hook), url=f"{str(request.base_url).rstrip('/')}{incoming.HOOK_PATH}{secret}")


@router.get("/channels/{slug}/webhooks/incoming", response_model=IncomingList, summary="List a channel's incoming webhooks")
def list_incoming(slug: str, key: ReadKey) -> IncomingList:
    channel_id = channels.member_channel_id(slug, key.user_id)
    return IncomingList(data=[IncomingPublic(**asdict(h)) for h in incoming.list_for(channel_id, key.user_id)])


@router.delete("/channels/{slug}/webhooks/incoming/{webhook_id}", status_code=204, response_class=Response,
               summary="Revoke an incoming webhook")
def revoke_incoming(slug: str, webhook_id: int, key: WriteKey) -> Response:
    incoming.revoke(channels.member_channel_id(slug, key.user_id), key.user_id, webhook_id)
    return Response(status_code=204)


@router.post(
    "/hooks/{secret}", response_model=HookAccepted, summary="Post through an incoming webhook (no API key)",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": HookPost.model_json_schema()},
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"payload": {"type": "string"}}}},
    }}},
)
async def post_to_incoming_webhook(secret: str, request: Request) -> HookAccepted:
    """`{"text", "username", "thread_id"}` as JSON, or Slack's `payload=<json>` form."""
    hook = await asyncio.to_thread(incoming.find, secret)
    decision = await asyncio.to_thread(limits.count_incoming_hook, hook.id)
    if not decision.allowed:
        raise ApiError(429, f"This webhook posts too often. Retry after {decision.retry_after} s.", headers=decision.headers())
    post = parse_incoming(await request.body(), request.headers.get("content-type", ""))
    view = await asyncio.to_thread(incoming.post, hook, post)
    if hook.trigger_agents:
        runner.trigger(view, triggered_by_user_id=hook.creator_id)
    return HookAccepted(id=view.id)


@router.post("/webhooks", response_model=WebhookCreated, status_code=201, summary="Create an outgoing webhook")
def create_webhook(body: WebhookCreate, key: WriteKey) -> WebhookCreated:
    """Events of `channel` (or of all your channels) POSTed to `url`, signed with the secret shown once."""
    secret, hook = outgoing.create(key.user_id, body.url, body.events, body.channel)
    return WebhookCreated(**asdict(hook), secret=secret)


@router.get("/webhooks", response_model=WebhookList, summary="List your outgoing webhooks")
def list_webhooks(key: ReadKey) -> WebhookList:
    return WebhookList(data=[WebhookPublic(**asdict(h)) for h in outgoing.list_for(key.user_id)])


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response, summary="Delete an outgoing webhook")
def delete_webhook(webhook_id: int, key: WriteKey) -> Response:
    outgoing.delete(key.user_id, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=AttemptList, summary="An outgoing webhook's delivery log")
def webhook_deliveries(webhook_id: int, key: ReadKey, limit: int = 100) -> AttemptList:
    """Newest attempt first: the receiver's status (0: none came) and any error."""
    return AttemptList(data=[AttemptPublic(**asdict(a)) for a in outgoing.deliveries(key.user_id, webhook_id, limit)])
