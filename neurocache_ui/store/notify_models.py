"""A person's notification settings beyond each membership's level and mute
(channel_member.notify, .muted): quiet hours, e-mail and the e-mail digest's
progress. One row per person who changed anything or was e-mailed (none: the defaults)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import notify_rules
from neurocache_ui.store.models import BigId, timestamp


class NotificationSetting(SQLModel, table=True):
    __tablename__ = "notification_setting"

    user_id: int = Field(sa_column_args=[sa.ForeignKey("user_account.id", ondelete="CASCADE")], primary_key=True)
    email_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    email_delay_minutes: int | None = Field(default=None, nullable=True)
    """None: NEUROCACHE_EMAIL_DELAY_MINUTES."""
    quiet_start: str = Field(default="", max_length=5, sa_column_kwargs={"server_default": ""})
    quiet_end: str = Field(default="", max_length=5, sa_column_kwargs={"server_default": ""})
    timezone: str = Field(default="UTC", max_length=notify_rules.TIMEZONE_MAX, sa_column_kwargs={"server_default": "UTC"})
    unsubscribe_token: str | None = Field(default=None, max_length=64, nullable=True, unique=True, index=True)
    """Random, made with the first e-mail: the mail's link turns e-mail off without a login."""
    emailed_through_id: int = Field(default=0, sa_type=BigId, sa_column_kwargs={"server_default": "0"})
    """The newest message id an e-mail covered: later runs start after it, so nothing is mailed twice."""
    updated_at: datetime = timestamp()
