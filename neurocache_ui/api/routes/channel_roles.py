"""/channels/{slug}/members and deleting a channel's messages: roles in a channel
(owner, moderators, members) over the API. The rules are services/roles.py's, the
same the hub's handlers meet: a non-member gets 404, a role too low 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.schemas import ChannelMemberList, ChannelMemberPublic, RoleChange
from neurocache_ui.services import channels, messaging, moderation

router = APIRouter(prefix="/channels", tags=["channels"])
UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="An account's id, as the members list gives it.")]
MessageId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _public(member: moderation.MemberRole) -> ChannelMemberPublic:
    return ChannelMemberPublic(user_id=member.user_id, name=member.name, role=member.role.value)


@router.get("/{slug}/members", response_model=ChannelMemberList, summary="The channel's people and their roles")
def list_members(slug: str, key: ReadKey) -> ChannelMemberList:
    channel_id = channels.member_channel_id(slug, key.user_id)
    return ChannelMemberList(data=[_public(m) for m in moderation.members(channel_id, key.user_id)])


@router.put("/{slug}/members/{user_id}/role", response_model=ChannelMemberPublic,
            summary="Make a member a moderator, or a moderator a member (the owner only)")
def set_role(slug: str, user_id: UserId, body: RoleChange, key: WriteKey) -> ChannelMemberPublic:
    channel_id = channels.member_channel_id(slug, key.user_id)
    return _public(moderation.set_role(channel_id, key.user_id, user_id, body.role))


@router.delete("/{slug}/members/{user_id}", status_code=204, response_class=Response,
               summary="Remove someone from the channel (the owner or a moderator)")
def remove_member(slug: str, user_id: UserId, key: WriteKey) -> Response:
    channel_id = channels.member_channel_id(slug, key.user_id)
    moderation.remove_member(channel_id, key.user_id, user_id)
    return Response(status_code=204)


@router.delete("/{slug}/messages/{message_id}", status_code=204, response_class=Response,
               summary="Delete a message: your own, or anyone's as the owner or a moderator")
def delete_message(slug: str, message_id: MessageId, key: WriteKey) -> Response:
    channel_id = channels.member_channel_id(slug, key.user_id)
    if messaging.get_message(message_id, viewer_id=key.user_id).channel_id != channel_id:
        raise ApiError(404, messaging.MESSAGE_NOT_FOUND)
    messaging.delete_message(message_id, user_id=key.user_id)
    return Response(status_code=204)
