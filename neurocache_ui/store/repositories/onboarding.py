"""What a person has set up so far, for the first-run steps: one statement of
three indexed probes (their agents, their channels, a fellow member)."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from neurocache_ui.store.models import Agent, Channel, ChannelMember


class SetUp(NamedTuple):
    has_agent: bool
    first_channel_slug: str | None
    """The active channel the person joined first (None: they are in none)."""
    has_teammate: bool
    """Someone else is a member of one of their active channels."""


def set_up(session: Session, user_id: int) -> SetUp:
    mine = aliased(ChannelMember)
    other = aliased(ChannelMember)
    has_agent = sa.exists().where(Agent.owner_id == user_id)
    first_channel = (
        select(Channel.slug)
        .join(mine, mine.channel_id == Channel.id)
        .where(mine.user_id == user_id, Channel.archived_at.is_(None))
        .order_by(mine.joined_at, Channel.id)
        .limit(1)
        .scalar_subquery()
    )
    has_teammate = (
        select(other.user_id)
        .join(mine, sa.and_(mine.channel_id == other.channel_id, mine.user_id == user_id))
        .join(Channel, Channel.id == other.channel_id)
        .where(other.user_id != user_id, Channel.archived_at.is_(None))
        .exists()
    )
    row = session.exec(select(has_agent, first_channel, has_teammate)).one()
    return SetUp(bool(row[0]), row[1], bool(row[2]))
