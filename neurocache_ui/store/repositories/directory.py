"""Open channels as Browse channels lists them: never a private one, whoever asks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from neurocache_ui.store.models import Channel, ChannelMember


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def open_channels(session: Session, viewer_id: int, query: str, offset: int, limit: int) -> Sequence[sa.Row[Any]]:
    """(id, slug, name, description, member count, viewer is a member) of active open
    channels whose name or description contains `query`, by name; `limit` rows from `offset`."""
    everyone = aliased(ChannelMember)
    count = (
        select(sa.func.count()).select_from(everyone).where(everyone.channel_id == Channel.id)
        .correlate(Channel).scalar_subquery()
    )
    mine = select(ChannelMember.user_id).where(
        ChannelMember.channel_id == Channel.id, ChannelMember.user_id == viewer_id
    ).correlate(Channel).exists()
    statement = select(Channel.id, Channel.slug, Channel.name, Channel.description, count, mine).where(
        Channel.visibility == "open", Channel.archived_at.is_(None)
    )
    if query:
        pattern = _like(query)
        statement = statement.where(
            sa.or_(sa.func.lower(Channel.name).like(pattern, escape="\\"),
                   sa.func.lower(Channel.description).like(pattern, escape="\\"))
        )
    return session.exec(
        statement.order_by(sa.func.lower(Channel.name), Channel.id).offset(offset).limit(limit)
    ).all()
