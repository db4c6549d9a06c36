"""A person's profile beyond their account row: title, status and avatar. One row per
person who set any of it (none: an empty profile); the avatar's two sizes live in
their own table, so reading a profile never loads image bytes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import profiles
from neurocache_ui.store.models import timestamp


class UserProfile(SQLModel, table=True):
    __tablename__ = "user_profile"

    user_id: int = Field(sa_column_args=[sa.ForeignKey("user_account.id", ondelete="CASCADE")], primary_key=True)
    title: str = Field(default="", max_length=profiles.TITLE_MAX)
    status_emoji: str = Field(default="", max_length=profiles.STATUS_EMOJI_MAX)
    status_text: str = Field(default="", max_length=profiles.STATUS_TEXT_MAX)
    status_until: datetime | None = timestamp(nullable=True)
    avatar_version: int = Field(default=0)
    """0: no avatar; else bumped by every upload, so avatar URLs change and caches stay right."""
    updated_at: datetime = timestamp()


class UserAvatar(SQLModel, table=True):
    """One size of a person's avatar: a square WebP of `size` pixels."""

    __tablename__ = "user_avatar"

    user_id: int = Field(sa_column_args=[sa.ForeignKey("user_account.id", ondelete="CASCADE")], primary_key=True)
    size: int = Field(primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary())
