"""/channels/browse, /channels/{slug}/join and /channels/{slug}/visibility: finding
and joining open channels, and an owner opening or closing theirs. Private channels
are never listed and are 404 to everyone outside them (services/directory.py).
Included before routes/channels.py, so "browse" is never read as a slug (and no
channel gets that slug: services/channels.RESERVED_SLUGS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.pin_schemas import OpenChannelList, OpenChannelPublic, VisibilityUpdate
from neurocache_ui.api.routes.channels import channel_public
from neurocache_ui.api.schemas import ChannelPublic
from neurocache_ui.services import channels, directory, key_limits

router = APIRouter(prefix="/channels", tags=["channels"])


@router.get("/browse", response_model=OpenChannelList, summary="Find open channels")
def browse(
    key: ReadKey,
    q: Annotated[str, Query(max_length=directory.QUERY_MAX, description="Words in the name or description.")] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = directory.PAGE,
) -> OpenChannelList:
    """Open, unarchived channels by name, with their member counts and whether you joined."""
    found, more = directory.browse(key.user_id, query=q, page=page, per_page=per_page)
    found = key_limits.reachable_channels(key, found)  # a channel-limited key sees only its channels
    return OpenChannelList(
        data=[OpenChannelPublic(id=c.id, slug=c.slug, name=c.name, description=c.description,
                                member_count=c.member_count, is_member=c.is_member) for c in found],
        has_more=more,
    )


@router.post("/{slug}/join", response_model=ChannelPublic, summary="Join an open channel")
def join(slug: str, key: WriteKey) -> ChannelPublic:
    """Joining twice changes nothing; a private channel is 404, an archived one 403."""
    return channel_public(directory.join(slug, key.user_id), key.user_id)


@router.put("/{slug}/visibility", response_model=ChannelPublic, summary="Make your channel open or private")
def set_visibility(slug: str, body: VisibilityUpdate, key: WriteKey) -> ChannelPublic:
    """Owner only (403 for other members). Members stay when a channel turns private."""
    channel = channels.get_channel(slug, key.user_id)
    return channel_public(directory.set_visibility(channel.id, key.user_id, body.visibility), key.user_id)
