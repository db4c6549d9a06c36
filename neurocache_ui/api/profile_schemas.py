"""Request and answer shapes of profiles (/users/{id}, /me)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from neurocache_ui.domain import profiles as rules


class StatusPublic(BaseModel):
    emoji: str
    text: str
    until: datetime | None = Field(description="When it disappears (UTC); null: until cleared.")


class ProfilePublic(BaseModel):
    object: Literal["user"] = "user"
    id: int
    name: str
    title: str
    status: StatusPublic | None = Field(description="null when none is set or it expired.")
    avatar_url: str | None = Field(description="Same-origin path of the 128 px avatar (hub session cookie), or null.")
    online: bool = Field(description="Has the hub open now.")


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emoji: str = Field(default="", max_length=64)
    text: str = Field(max_length=1000, description='Empty clears the status.')
    until: Literal["30m", "1h", "today", "never"] = "never"
    utc_offset_minutes: int = Field(default=0, ge=-14 * 60, le=14 * 60, description='Your UTC offset, for "today".')


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=1000, description=f"At most {rules.TITLE_MAX} characters; empty clears it.")
    status: StatusUpdate | None = None
