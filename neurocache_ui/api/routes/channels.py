"""/channels: the channels the key's owner belongs to, their agents and messages,
and the collective query."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Query, Response

from neurocache_ui.api.deps import ChatKey, ReadKey, WriteKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.chat_calls import refusal_error
from neurocache_ui.api.schemas import (
    AgentAnswerPublic,
    ChannelAgent,
    ChannelAgentAdd,
    ChannelCreate,
    ChannelList,
    ChannelPublic,
    ChannelSummary,
    FilePublic,
    ImagePublic,
    MediaPublic,
    MessageCreate,
    MessageList,
    MessagePublic,
    QueryRequest,
    QueryResponse,
    ReactionPublic,
    SourcePublic,
    Usage,
)
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.media import content_type_of
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import agents, channels, collective, key_limits, messaging, team
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.channels import ChannelView

router = APIRouter(prefix="/channels", tags=["channels"])
_CURSOR = re.compile(r"^\d{1,19}(_\d{1,19})?$")
MAX_ID = 2**63 - 1
"""The largest value of the database's bigint ids (and of a cursor's parts)."""
BAD_CURSOR = "before must be a message cursor or id from an earlier page."


def _position(before: str) -> int | str:
    """`before` as messaging.older_messages takes it: a message id (int) or a
    cursor (str). Numbers beyond the database's bigint range are refused here,
    because the database (or its driver) would fail on them with an error that
    is not the caller's to see."""
    if not _CURSOR.match(before):
        raise ApiError(422, BAD_CURSOR, param="before")
    parts = [int(part) for part in before.split("_")]  # [id] or [microseconds, id]
    if parts[-1] < 1 or max(parts) > MAX_ID:
        raise ApiError(422, BAD_CURSOR, param="before")
    return int(before) if before.isdigit() else before


def _readable_channel_id(slug: str, user_id: int) -> int:
    """The channel's id if the caller may read it: members by the one-statement path,
    a reader of an open channel they have not joined by the general one; else 404."""
    try:
        return channels.member_channel_id(slug, user_id)
    except NotFound:
        return channels.get_channel(slug, user_id).id


def _agent(agent: team.ChannelAgentView) -> ChannelAgent:
    return ChannelAgent(slug=agent.slug, name=agent.name, emoji=agent.emoji, description=agent.description, owned=agent.owned)


def channel_public(view: ChannelView, user_id: int) -> ChannelPublic:
    return ChannelPublic(
        id=view.id, slug=view.slug, name=view.name, description=view.description, goal=view.goal,
        is_owner=view.is_owner, archived=view.archived, created_at=view.created_at, member_count=view.member_count,
        visibility=view.visibility, is_member=view.is_member, kind=view.kind, role=view.role.value if view.is_member else None,  # type: ignore[arg-type]
        agents=[_agent(a) for a in team.channel_agents(view.id, user_id)] if view.is_member else [],
    )


def message_public(view: MessageView) -> MessagePublic:
    return MessagePublic(
        id=view.id, channel_id=view.channel_id, author_name=view.author_name, author_kind=view.author_kind,
        user_id=view.user_id, agent_id=view.agent_id, content=view.content, status=view.status,
        created_at=view.created_at, edited_at=view.edited_at, cursor=view.cursor,
        sources=[SourcePublic(title=s.title, url=s.url, document_id=s.document_id) for s in view.sources],
        images=[ImagePublic(id=a.id, filename=a.filename, width=a.width, height=a.height, url=a.url) for a in view.attachments],
        thread_id=view.thread_id, reply_count=view.reply_count,
        reactions=[ReactionPublic(emoji=r.emoji, count=r.count, user_ids=list(r.user_ids), names=list(r.names)) for r in view.reactions],
        media=[
            MediaPublic(id=m.id, kind=m.kind, filename=m.filename, duration_ms=m.duration_ms, status=m.status, progress=m.progress,
                        note=m.note, url=f"/api/v1{m.url}", transcript_url=f"/api/v1{m.url}/transcript")
            for m in view.media if not m.is_file
        ],
        files=[
            FilePublic(id=m.id, name=m.filename, size=m.size, content_type=content_type_of(m.filename, m.kind), url=f"/api/v1{m.url}")
            for m in view.media if m.is_file
        ],
    )


@router.get("", response_model=ChannelList, summary="List your channels")
def list_channels(key: ReadKey) -> ChannelList:
    return ChannelList(
        data=[
            ChannelSummary(id=c.id, slug=c.slug, name=c.name, unread=c.unread, kind=c.kind)
            for c in key_limits.reachable_channels(key, channels.list_channels(key.user_id))
        ]
    )


@router.post("", response_model=ChannelPublic, status_code=201, summary="Create a channel")
def create_channel(body: ChannelCreate, key: WriteKey) -> ChannelPublic:
    view = channels.create_channel(
        key.user_id, name=body.name, description=body.description, goal=body.goal, visibility=body.visibility
    )
    return channel_public(view, key.user_id)


@router.get("/{slug}", response_model=ChannelPublic, summary="One channel, with its agents")
def get_channel(slug: str, key: ReadKey) -> ChannelPublic:
    return channel_public(channels.get_channel(slug, key.user_id), key.user_id)


@router.post("/{slug}/agents", response_model=ChannelAgent, status_code=201, summary="Add one of your agents")
def add_agent(slug: str, body: ChannelAgentAdd, key: WriteKey) -> ChannelAgent:
    channel_id = channels.member_channel_id(slug, key.user_id)
    agent = agents.get_agent(key.user_id, body.agent)
    return _agent(team.add_agent(channel_id, key.user_id, agent.id))


@router.delete("/{slug}/agents/{agent}", status_code=204, response_class=Response, summary="Remove an agent")
def remove_agent(slug: str, agent: str, key: WriteKey) -> Response:
    channel_id = channels.member_channel_id(slug, key.user_id)
    found = next((a for a in team.channel_agents(channel_id, key.user_id) if a.slug == agent), None)
    if found is None:
        raise ApiError(404, team.NOT_IN_CHANNEL)
    team.remove_agent(channel_id, key.user_id, found.id)
    return Response(status_code=204)


@router.get("/{slug}/messages", response_model=MessageList, summary="Messages, newest page first")
def list_messages(
    slug: str,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        str | None, Query(max_length=40, description="A message's `cursor` (or id): return messages older than it.")
    ] = None,
    thread_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="A thread's root message: return its replies instead, oldest first.")
    ] = None,
    around: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="A message's id: return it with up to limit/2 messages on each side.")
    ] = None,
) -> Response:
    """The newest page comes from the channel's cache window; older pages from
    the database by keyset cursor. A thread's replies do not appear in the
    channel's pages: ask for them with `thread_id`. `around` opens the channel at one
    message (a search hit; a thread reply is shown by its root)."""
    channel_id = _readable_channel_id(slug, key.user_id)  # who may read checked here, once
    if thread_id is not None and before:
        raise ApiError(422, "Threads come in one page, newest replies last: leave out before.", param="before")
    if around is not None and (before or thread_id is not None):
        raise ApiError(422, "around opens the channel at a message: leave out before and thread_id.", param="around")
    if around is not None:
        views, older, _newer = messaging.messages_around(channel_id, around, viewer_id=key.user_id, limit=max(1, limit // 2))
        page = MessageList(data=[message_public(v) for v in views], has_more=older, first_cursor=views[0].cursor)
        return Response(page.model_dump_json(), media_type="application/json")
    if thread_id is not None:
        _root, views = messaging.thread_messages(thread_id, viewer_id=None, limit=limit + 1, channel_id=channel_id)
    elif before:
        views = messaging.older_messages(channel_id, before=_position(before), limit=limit + 1, viewer_id=None)
    else:
        views = messaging.recent_messages(channel_id, limit + 1, viewer_id=None)
    has_more = len(views) > limit
    views = views[-limit:]
    page = MessageList(data=[message_public(v) for v in views], has_more=has_more, first_cursor=views[0].cursor if views else None)
    # Built and checked above: skip FastAPI's second validation of 50 messages.
    return Response(page.model_dump_json(), media_type="application/json")


@router.post("/{slug}/messages", response_model=MessagePublic, status_code=201, summary="Post a message as yourself")
async def post_message(slug: str, body: MessageCreate, key: WriteKey) -> MessagePublic:
    """Stored, then published (it appears live in the hub), then mentioned agents
    (and those that answer every message) start replying in the background. With
    `thread_id` it is a reply in that thread, and agents answer there. `media_ids`
    sends your uploads (POST /media) with it, `file_ids` your files (POST /files); they
    are processed (transcribed, a document's text read) in the background."""

    def store() -> MessageView:
        channel_id = _readable_channel_id(slug, key.user_id)  # an open channel not joined: 403, join first
        return messaging.post_message(
            channel_id, user_id=key.user_id, content=body.content, thread_id=body.thread_id,
            media_ids=[*body.media_ids, *body.file_ids],
        )

    view = await asyncio.to_thread(store)
    runner.trigger(view, triggered_by_user_id=key.user_id)
    return message_public(view)


@router.post("/{slug}/query", response_model=QueryResponse, summary="Ask every agent of the channel; get the synthesis")
async def query_channel(slug: str, body: QueryRequest, key: ChatKey) -> QueryResponse:
    await asyncio.to_thread(key_limits.check_budget, key)
    result = await collective.ask(
        key.user_id, slug, [{"role": "user", "content": body.question}], record=body.record,
        temperature=body.temperature, max_tokens=body.max_tokens, source="api", api_key_id=key.key_id,
        budgeted=key.limits.budget is not None,
    )
    if result.synthesis.refusal is not None:
        raise refusal_error(result.synthesis.refusal)
    return QueryResponse(
        channel=result.channel.slug,
        question=result.question,
        answer=result.synthesis.text,
        answers=[
            AgentAnswerPublic(
                agent=a.slug, name=a.name, content=a.result.text, outcome=a.result.outcome, error=a.result.error,
                usage=Usage(prompt_tokens=a.result.prompt_tokens, completion_tokens=a.result.completion_tokens,
                            total_tokens=a.result.total_tokens),
            )
            for a in result.answers
        ],
        outcome=result.synthesis.outcome,
        error=result.synthesis.error,
        usage=Usage(prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
                    total_tokens=result.prompt_tokens + result.completion_tokens),
        message_ids=result.message_ids,
    )
