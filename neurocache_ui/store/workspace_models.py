"""The workspace: one per deployment. Its settings are one row (id 1) rather than
environment variables, so an admin changes them on /admin and every host sees the
change at once; invite links are rows whose token is stored only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from neurocache_ui.store.models import fk, timestamp

WORKSPACE_ID = 1


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    signup_mode: str = Field(default="open", max_length=16, sa_column_kwargs={"server_default": "open"})
    """domain/roles.SignupMode: open, invite (invite links only) or closed."""


class SignupInvite(SQLModel, table=True):
    """An admin's invite link: usable `max_uses` times until `expires_at`, unless revoked."""

    __tablename__ = "signup_invite"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    max_uses: int = Field(default=1)
    uses: int = Field(default=0)
    revoked_at: datetime | None = timestamp(nullable=True)
