"""A channel's notification choice for the key's owner: `GET` and `PATCH
/channels/{slug}/notifications` (`notify`: all | mentions | nothing, `muted`). Members
only; anyone else gets 404, as for the channel itself. Thin calls into
services/notify_settings.py."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.services import channels, notify_settings

router = APIRouter(tags=["channels"])


class ChannelNotifications(BaseModel):
    notify: Literal["all", "mentions", "nothing"] = Field(
        description="What notifies you here; the default is all for a DM, mentions (and replies in your threads) for a channel.")
    default: bool = Field(description="True while `notify` is the default for this kind of channel.")
    muted: bool = Field(description="Muted: no notifications, no e-mail, not counted in the tab title.")


class NotificationsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notify: Literal["all", "mentions", "nothing"] | None = None
    muted: bool | None = None


def _public(level: notify_settings.ChannelLevel) -> ChannelNotifications:
    return ChannelNotifications(notify=level.notify, default=not level.chosen, muted=level.muted)  # type: ignore[arg-type]


@router.get("/channels/{slug}/notifications", response_model=ChannelNotifications, summary="Your notifications for a channel")
def get_notifications(slug: str, key: ReadKey) -> ChannelNotifications:
    return _public(notify_settings.channel_level(key.user_id, channels.member_channel_id(slug, key.user_id)))


@router.patch("/channels/{slug}/notifications", response_model=ChannelNotifications, summary="Change your notifications for a channel")
def update_notifications(slug: str, body: NotificationsUpdate, key: WriteKey) -> ChannelNotifications:
    """Fields left out stay."""
    channel_id = channels.member_channel_id(slug, key.user_id)
    return _public(notify_settings.set_channel_level(key.user_id, channel_id, notify=body.notify, muted=body.muted))
