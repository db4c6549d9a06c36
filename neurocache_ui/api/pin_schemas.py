"""Request and answer shapes of open channels (Browse), pins and saved messages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from neurocache_ui.api.schemas import MessagePublic


class OpenChannelPublic(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    member_count: int
    is_member: bool = Field(description="True when you have joined it already.")


class OpenChannelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenChannelPublic]
    has_more: bool = Field(description="Another page follows (ask for page + 1).")


class VisibilityUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visibility: Literal["open", "private"]


class PinState(BaseModel):
    message_id: int
    pinned: bool


class PinnedPublic(BaseModel):
    message: MessagePublic
    pinned_at: datetime
    pinned_by: str = Field(description="The name of whoever pinned it.")


class PinnedList(BaseModel):
    object: Literal["list"] = "list"
    data: list[PinnedPublic]


class SaveState(BaseModel):
    message_id: int
    saved: bool


class SavedPublic(BaseModel):
    message: MessagePublic
    saved_at: datetime
    channel_slug: str
    channel_name: str


class SavedList(BaseModel):
    object: Literal["list"] = "list"
    data: list[SavedPublic]
    has_more: bool
