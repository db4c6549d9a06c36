"""/channels/{slug}/messages/{id}/reactions: add and remove the key owner's emoji
reactions. The hub shows them live to everyone viewing the channel
(services/reactions.py publishes the message as updated)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from neurocache_ui.api.deps import WriteKey
from neurocache_ui.api.routes.channels import MAX_ID, message_public
from neurocache_ui.api.schemas import MessagePublic, ReactionCreate
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import channels, messaging, reactions

router = APIRouter(prefix="/channels", tags=["channels"])
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The message's id.")]


def _in_channel(slug: str, message_id: int, user_id: int) -> MessageView:
    """The message, if it is in the channel the path names and the caller is a
    member of it: a message of another channel is not found here, even one of
    the caller's own channels, so the path always means what it says."""
    channel_id = channels.member_channel_id(slug, user_id)
    view = messaging.get_message(message_id, viewer_id=None)  # membership: the channel's, just checked
    if view.channel_id != channel_id:
        raise NotFound(messaging.MESSAGE_NOT_FOUND)
    return view


@router.post(
    "/{slug}/messages/{message_id}/reactions",
    response_model=MessagePublic,
    status_code=201,
    responses={200: {"model": MessagePublic, "description": "You had already reacted with this emoji; nothing changed."}},
    summary="Add your reaction to a message",
)
def add_reaction(slug: str, message_id: MessageId, body: ReactionCreate, key: WriteKey, response: Response) -> MessagePublic:
    """Adds the emoji as you (201) and returns the message with its reactions;
    adding one you already gave changes nothing (200)."""
    before = _in_channel(slug, message_id, key.user_id)
    view = reactions.react(message_id, user_id=key.user_id, emoji=body.emoji, on=True)
    if _count_of(before, key.user_id) == _count_of(view, key.user_id):
        response.status_code = 200
    return message_public(view)


@router.delete(
    "/{slug}/messages/{message_id}/reactions/{emoji}", response_model=MessagePublic, summary="Remove your reaction"
)
def remove_reaction(slug: str, message_id: MessageId, emoji: str, key: WriteKey) -> MessagePublic:
    """Removes your reaction with `emoji` (URL-encoded) and returns the message;
    removing one you did not give changes nothing."""
    _in_channel(slug, message_id, key.user_id)
    return message_public(reactions.react(message_id, user_id=key.user_id, emoji=emoji, on=False))


def _count_of(view: MessageView, user_id: int) -> int:
    """How many reactions `user_id` has on the message."""
    return sum(user_id in group.user_ids for group in view.reactions)
