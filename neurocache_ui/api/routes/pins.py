"""Pins (/channels/{slug}/pins, /channels/{slug}/messages/{id}/pin) and saved
messages (/messages/{id}/save, /saved): thin calls into services/pins.py, which
checks who may do what. A private channel is 404 to outsiders here as everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.pin_schemas import PinnedList, PinnedPublic, PinState, SavedList, SavedPublic, SaveState
from neurocache_ui.api.routes.channels import MAX_ID, message_public
from neurocache_ui.services import channels, pins

router = APIRouter(tags=["pins"])
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The message's id.")]


def _pin(slug: str, message_id: int, user_id: int, pinned: bool) -> PinState:
    channel = channels.get_channel(slug, user_id)
    pins.set_pinned(message_id, user_id=user_id, pinned=pinned, channel_id=channel.id)
    return PinState(message_id=message_id, pinned=pinned)


@router.post("/channels/{slug}/messages/{message_id}/pin", response_model=PinState, summary="Pin a message")
def pin(slug: str, message_id: MessageId, key: WriteKey) -> PinState:
    """Any member; every viewer of the channel sees it at once. Pinning twice changes nothing."""
    return _pin(slug, message_id, key.user_id, True)


@router.delete("/channels/{slug}/messages/{message_id}/pin", response_model=PinState, summary="Unpin a message")
def unpin(slug: str, message_id: MessageId, key: WriteKey) -> PinState:
    return _pin(slug, message_id, key.user_id, False)


@router.get("/channels/{slug}/pins", response_model=PinnedList, summary="A channel's pinned messages")
def pinned(slug: str, key: ReadKey) -> PinnedList:
    """Newest pin first (at most 100 per channel)."""
    channel = channels.get_channel(slug, key.user_id)
    return PinnedList(data=[
        PinnedPublic(message=message_public(p.message), pinned_at=p.pinned_at, pinned_by=p.pinned_by)
        for p in pins.pinned(channel.id, viewer_id=key.user_id)
    ])


@router.post("/messages/{message_id}/save", response_model=SaveState, summary="Save a message for later")
def save(message_id: MessageId, key: WriteKey) -> SaveState:
    """Only you see what you saved. Saving twice changes nothing."""
    pins.set_saved(message_id, user_id=key.user_id, saved=True)
    return SaveState(message_id=message_id, saved=True)


@router.delete("/messages/{message_id}/save", response_model=SaveState, summary="Forget a saved message")
def unsave(message_id: MessageId, key: WriteKey) -> SaveState:
    pins.set_saved(message_id, user_id=key.user_id, saved=False)
    return SaveState(message_id=message_id, saved=False)


@router.get("/saved", response_model=SavedList, summary="Your saved messages")
def saved(
    key: ReadKey,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = pins.SAVED_PAGE,
) -> SavedList:
    """Newest saved first; messages of channels you can no longer read are left out."""
    found, more = pins.saved_messages(key.user_id, page=page, per_page=per_page)
    return SavedList(
        data=[SavedPublic(message=message_public(s.message), saved_at=s.saved_at, channel_slug=s.channel_slug,
                          channel_name=s.channel_name) for s in found],
        has_more=more,
    )
